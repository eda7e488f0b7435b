"""Preparing text (Keras 2.2's ``keras.preprocessing.text``).

* :func:`text_to_word_sequence` splits a text into words.
* :func:`one_hot` and :func:`hashing_trick` map words to indices by hashing,
  with no vocabulary to keep.
* :class:`Tokenizer` learns a vocabulary (words ranked by frequency) and
  turns texts into index sequences or into count / binary / tf-idf matrices;
  it saves to and loads from JSON (:meth:`Tokenizer.to_json`,
  :func:`tokenizer_from_json`).
"""

from __future__ import annotations

import hashlib
import json
import numbers
import warnings
from collections import OrderedDict, defaultdict

import numpy as np

#: The characters removed by default: ASCII punctuation, tab and newline.
DEFAULT_FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'
MATRIX_MODES = ("binary", "count", "tfidf", "freq")


def _check_text(owner, text):
    if not isinstance(text, str):
        raise TypeError(f"{owner}: Expected a text (str). Received: {type(text).__name__} "
                        f"{text!r:.60}")


def text_to_word_sequence(text, filters=DEFAULT_FILTERS, lower=True, split=" "):
    """The words of ``text``: lower-cased, each character of ``filters`` turned into ``split``.

    Args:
        text: a string.
        filters: characters to remove (each becomes a separator).
        lower: lower-case the text first.
        split: the word separator.

    Returns:
        The list of words (no empty strings).

    Raises:
        TypeError: ``text`` is not a string.
        ValueError: an empty ``split``.
    """
    _check_text("text_to_word_sequence", text)
    if not isinstance(split, str) or not split:
        raise ValueError(f"text_to_word_sequence: Expected a non-empty string split. "
                         f"Received: split={split!r}")
    if lower:
        text = text.lower()
    if filters:
        text = text.translate(str.maketrans({c: split for c in filters}))
    return [word for word in text.split(split) if word]


def one_hot(text, n, filters=DEFAULT_FILTERS, lower=True, split=" "):
    """Each word of ``text`` as an index in ``[1, n)``, by Python's ``hash``.

    Two words may share an index. Python randomizes string hashes per
    process (unless ``PYTHONHASHSEED`` is set), so the indices are stable
    within a process only: for stable ones use ``hashing_trick(text, n,
    hash_function="md5")``.

    Raises:
        TypeError: ``text`` is not a string.
        ValueError: ``n`` < 2.
    """
    return hashing_trick(text, n, hash_function=hash, filters=filters, lower=lower, split=split)


def _md5(word):
    return int(hashlib.md5(word.encode()).hexdigest(), 16)


def hashing_trick(text, n, hash_function=None, filters=DEFAULT_FILTERS, lower=True, split=" "):
    """Each word of ``text`` as the index ``hash_function(word) % (n - 1) + 1`` in ``[1, n)``.

    Index 0 is never produced (it is left for padding). Two words may share an index.

    Args:
        text: a string.
        n: size of the hashing space (indices ``1 .. n - 1``).
        hash_function: a function word -> int; None for Python's ``hash``
            (stable within a process only), ``"md5"`` for a stable one.
        filters, lower, split: as in :func:`text_to_word_sequence`.

    Returns:
        The list of int indices.

    Raises:
        TypeError: ``text`` is not a string.
        ValueError: ``n`` < 2, or a ``hash_function`` that is neither
            callable, None nor ``"md5"``.
    """
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 2:
        raise ValueError(f"hashing_trick: Expected n an int >= 2 (indices 1 .. n-1). "
                         f"Received: n={n!r}")
    if hash_function is None:
        hash_function = hash
    elif hash_function == "md5":
        hash_function = _md5
    elif not callable(hash_function):
        raise ValueError(f"hashing_trick: Expected hash_function None, 'md5' or a function. "
                         f"Received: hash_function={hash_function!r}")
    words = text_to_word_sequence(text, filters=filters, lower=lower, split=split)
    return [hash_function(word) % (n - 1) + 1 for word in words]


class Tokenizer:
    """A vocabulary of words (or characters) ranked by frequency, and the conversions it allows.

    :meth:`fit_on_texts` counts the words; index 1 is then the most frequent
    word (or ``oov_token``, when given), 2 the next, and so on (ties in the
    order words were first seen); 0 is never a word's index. Only the words
    of index below ``num_words`` are used by the conversions, so at most
    ``num_words - 1`` of them.

    Args:
        num_words: keep the words of index below ``num_words`` in the
            conversions; None: all of them.
        filters: characters removed from the texts (see
            :func:`text_to_word_sequence`).
        lower: lower-case the texts.
        split: the word separator.
        char_level: every character is a token.
        oov_token: a token added to the vocabulary (at index 1) that stands
            for the words outside it in :meth:`texts_to_sequences`; None
            drops those words.
        document_count: starting number of documents seen (for tf-idf).
        **kwargs: only the Keras 1 name ``nb_words`` of ``num_words``.

    Attributes:
        word_counts: OrderedDict word -> occurrences.
        word_docs: dict word -> number of texts it occurs in.
        word_index: dict word -> index; ``index_word`` the reverse.
        index_docs: dict index -> number of texts it occurs in.
        document_count: number of texts (or sequences) fitted on.

    Texts are strings; a text given as a list of strings is already split
    into tokens (and is lower-cased when ``lower``, never filtered).

    Raises:
        TypeError: an unknown keyword argument.
        ValueError: ``num_words`` not an int >= 1 or None.
    """

    def __init__(self, num_words=None, filters=DEFAULT_FILTERS, lower=True, split=" ",
                 char_level=False, oov_token=None, document_count=0, **kwargs):
        if "nb_words" in kwargs:
            warnings.warn("Tokenizer: the `nb_words` argument has been renamed `num_words`.",
                          stacklevel=2)
            num_words = kwargs.pop("nb_words")
        if kwargs:
            raise TypeError(f"Tokenizer: Unrecognized keyword arguments: {sorted(kwargs)}")
        if num_words is not None and (isinstance(num_words, bool)
                                      or not isinstance(num_words, numbers.Integral)
                                      or num_words < 1):
            raise ValueError(f"Tokenizer: Expected num_words an int >= 1 or None. "
                             f"Received: num_words={num_words!r}")
        self.word_counts = OrderedDict()
        self.word_docs = defaultdict(int)
        self.filters = filters
        self.split = split
        self.lower = lower
        self.num_words = num_words
        self.document_count = document_count
        self.char_level = char_level
        self.oov_token = oov_token
        self.index_docs = defaultdict(int)
        self.word_index = {}
        self.index_word = {}

    # -- fitting ---------------------------------------------------------------------------

    def _tokens(self, owner, text):
        """The tokens of one text (a string, or a list of tokens)."""
        if isinstance(text, (list, tuple)):
            for token in text:
                _check_text(owner, token)
            return [token.lower() for token in text] if self.lower else list(text)
        _check_text(owner, text)
        if self.char_level:
            return list(text.lower() if self.lower else text)
        return text_to_word_sequence(text, self.filters, self.lower, self.split)

    @staticmethod
    def _check_collection(owner, items, what):
        if isinstance(items, (str, bytes)) or not hasattr(items, "__iter__"):
            raise TypeError(f"{owner}: Expected a list of {what}. Received: "
                            f"{type(items).__name__} {items!r:.60}")

    def fit_on_texts(self, texts):
        """Count the words of ``texts`` and rebuild the vocabulary (``word_index``).

        Args:
            texts: a list of strings (or of lists of tokens); fitting again
                adds to the counts.

        Raises:
            TypeError: ``texts`` is a single string, or holds a non-string.
        """
        self._check_collection("Tokenizer.fit_on_texts", texts, "texts")
        for text in texts:
            seq = self._tokens("Tokenizer.fit_on_texts", text)
            self.document_count += 1
            for w in seq:
                self.word_counts[w] = self.word_counts.get(w, 0) + 1
            for w in set(seq):
                self.word_docs[w] += 1

        # sorted() is stable: ties keep the order in which the words were first seen.
        ranked = sorted(self.word_counts.items(), key=lambda item: item[1], reverse=True)
        vocabulary = [] if self.oov_token is None else [self.oov_token]
        vocabulary.extend(word for word, _ in ranked if word != self.oov_token)
        self.word_index = {word: i for i, word in enumerate(vocabulary, start=1)}
        self.index_word = {i: word for word, i in self.word_index.items()}
        for w, c in self.word_docs.items():
            self.index_docs[self.word_index[w]] = c

    def fit_on_sequences(self, sequences):
        """Count in how many of ``sequences`` (lists of indices) each index occurs, for tf-idf.

        Raises:
            TypeError: ``sequences`` is not a list of sequences.
        """
        self._check_collection("Tokenizer.fit_on_sequences", sequences, "sequences")
        sequences = list(sequences)
        self.document_count += len(sequences)
        for position, seq in enumerate(sequences):
            self._check_collection("Tokenizer.fit_on_sequences", seq,
                                   f"sequences (item {position} is not one)")
            for i in set(seq):
                self.index_docs[i] += 1

    # -- conversions -------------------------------------------------------------------------

    def texts_to_sequences(self, texts):
        """Each text as the list of its words' indices.

        Words outside the vocabulary, or of index ``num_words`` or more,
        become ``oov_token``'s index, or are dropped without one.

        Raises:
            TypeError: ``texts`` is a single string, or holds a non-string.
        """
        return list(self.texts_to_sequences_generator(texts))

    def texts_to_sequences_generator(self, texts):
        """:meth:`texts_to_sequences`, one text at a time (a generator)."""
        self._check_collection("Tokenizer.texts_to_sequences", texts, "texts")
        num_words = self.num_words
        oov_index = self.word_index.get(self.oov_token)
        for text in texts:
            vect = []
            for w in self._tokens("Tokenizer.texts_to_sequences", text):
                i = self.word_index.get(w)
                if i is not None and not (num_words and i >= num_words):
                    vect.append(i)
                elif oov_index is not None:
                    vect.append(oov_index)
            yield vect

    def sequences_to_texts(self, sequences):
        """Each sequence of indices back to a text: its words joined by spaces.

        Indices outside the vocabulary, or of ``num_words`` or more, become
        ``oov_token`` (or are dropped without one).

        Raises:
            TypeError: ``sequences`` is not a list of sequences.
        """
        return list(self.sequences_to_texts_generator(sequences))

    def sequences_to_texts_generator(self, sequences):
        """:meth:`sequences_to_texts`, one sequence at a time (a generator)."""
        self._check_collection("Tokenizer.sequences_to_texts", sequences, "sequences")
        num_words = self.num_words
        oov_index = self.word_index.get(self.oov_token)
        for seq in sequences:
            words = []
            for num in seq:
                word = self.index_word.get(num)
                if word is not None and not (num_words and num >= num_words):
                    words.append(word)
                elif oov_index is not None:
                    words.append(self.index_word[oov_index])
            yield " ".join(words)

    def texts_to_matrix(self, texts, mode="binary"):
        """One row per text, one column per word index (see :meth:`sequences_to_matrix`)."""
        self._check_mode(mode)
        return self.sequences_to_matrix(self.texts_to_sequences(texts), mode=mode)

    @staticmethod
    def _check_mode(mode):
        if mode not in MATRIX_MODES:
            raise ValueError(f"Tokenizer: Expected mode one of {set(MATRIX_MODES)}. "
                             f"Received: mode={mode!r}")

    def sequences_to_matrix(self, sequences, mode="binary"):
        """A float64 matrix of shape ``(len(sequences), num_words)``.

        Column ``j`` of row ``i`` (index ``j``, 0 never used) holds for sequence ``i``:

        * ``"binary"``: 1 if ``j`` occurs in it;
        * ``"count"``: the number of occurrences ``c`` of ``j``;
        * ``"freq"``: ``c / len(sequence)``;
        * ``"tfidf"``: ``(1 + ln c) * ln(1 + document_count / (1 + docs(j)))``,
          ``docs(j)`` the number of fitted texts holding ``j``.

        Without ``num_words`` the width is ``len(word_index) + 1``. Indices
        at or above the width are ignored.

        Raises:
            ValueError: an unknown ``mode``; no ``num_words`` and nothing
                fitted; ``"tfidf"`` before any fitting; a negative index.
        """
        self._check_mode(mode)
        if self.num_words:
            num_words = self.num_words
        elif self.word_index:
            num_words = len(self.word_index) + 1
        else:
            raise ValueError("Tokenizer.sequences_to_matrix: Expected num_words or a fitted "
                             "vocabulary to size the matrix. Received: neither; pass num_words "
                             "or call fit_on_texts first")
        if mode == "tfidf" and not self.document_count:
            raise ValueError("Tokenizer.sequences_to_matrix: Expected a Tokenizer fitted on "
                             "some data for mode='tfidf'. Received: document_count=0")
        self._check_collection("Tokenizer.sequences_to_matrix", sequences, "sequences")
        sequences = list(sequences)
        x = np.zeros((len(sequences), num_words))
        for i, seq in enumerate(sequences):
            if not len(seq):
                continue
            counts = defaultdict(int)
            for j in seq:
                if j < 0:
                    raise ValueError(f"Tokenizer.sequences_to_matrix: Expected word indices >= 0. "
                                     f"Received: {j} in the sequence at position {i}")
                if j < num_words:
                    counts[j] += 1
            for j, c in counts.items():
                if mode == "count":
                    x[i, j] = c
                elif mode == "freq":
                    x[i, j] = c / len(seq)
                elif mode == "binary":
                    x[i, j] = 1
                else:
                    tf = 1 + np.log(c)
                    idf = np.log(1 + self.document_count / (1 + self.index_docs.get(j, 0)))
                    x[i, j] = tf * idf
        return x

    # -- saving ----------------------------------------------------------------------------

    def get_config(self):
        """The Tokenizer's arguments and fitted state, as a JSON-ready dict.

        The fitted dicts are JSON strings, as in Keras (``word_counts``,
        ``word_docs``, ``index_docs``, ``word_index``, ``index_word``).
        """
        return {
            "num_words": self.num_words,
            "filters": self.filters,
            "lower": self.lower,
            "split": self.split,
            "char_level": self.char_level,
            "oov_token": self.oov_token,
            "document_count": self.document_count,
            "word_counts": json.dumps(self.word_counts),
            "word_docs": json.dumps(self.word_docs),
            "index_docs": json.dumps(self.index_docs),
            "index_word": json.dumps(self.index_word),
            "word_index": json.dumps(self.word_index),
        }

    def to_json(self, **kwargs):
        """The Tokenizer as a JSON string; :func:`tokenizer_from_json` reads it back.

        Args:
            **kwargs: passed to ``json.dumps`` (``indent=2``, ...).
        """
        return json.dumps({"class_name": type(self).__name__, "config": self.get_config()},
                          **kwargs)


def tokenizer_from_json(json_string):
    """A :class:`Tokenizer` from :meth:`Tokenizer.to_json`'s string, fitted state included.

    The result converts texts exactly like the saved one and can be fitted further.

    Raises:
        ValueError: not valid JSON, or not a saved Tokenizer.
    """
    try:
        saved = json.loads(json_string)
        config = dict(saved["config"])
        state = {key: json.loads(config.pop(key)) for key in
                 ("word_counts", "word_docs", "index_docs", "index_word", "word_index")}
    except (TypeError, ValueError, KeyError) as exc:
        raise ValueError(f"tokenizer_from_json: Expected the JSON of Tokenizer.to_json(). "
                         f"Received: {str(json_string)[:60]!r}... ({type(exc).__name__}: {exc})") \
            from exc
    tokenizer = Tokenizer(**config)
    tokenizer.word_counts = OrderedDict(state["word_counts"])
    tokenizer.word_docs = defaultdict(int, state["word_docs"])
    # JSON object keys are strings: the integer indices come back as ints.
    tokenizer.index_docs = defaultdict(int, {int(k): v for k, v in state["index_docs"].items()})
    tokenizer.index_word = {int(k): v for k, v in state["index_word"].items()}
    tokenizer.word_index = dict(state["word_index"])
    return tokenizer
