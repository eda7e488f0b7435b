"""preprocessing.text: text_to_word_sequence, one_hot, hashing_trick, Tokenizer and its JSON."""

import hashlib
import json
import math
import warnings

import numpy as np
import pytest

from polykeras.preprocessing.text import (
    Tokenizer,
    hashing_trick,
    one_hot,
    text_to_word_sequence,
    tokenizer_from_json,
)

TEXTS = ["The cat sat on the mat.", "The dog ate my homework!"]
# counts: the 3, then each other word once, in the order first seen
INDEX = {"the": 1, "cat": 2, "sat": 3, "on": 4, "mat": 5, "dog": 6, "ate": 7, "my": 8,
         "homework": 9}


def test_text_to_word_sequence():
    assert text_to_word_sequence("Hello, World!  This is... a TEST.\tEnd") == \
        ["hello", "world", "this", "is", "a", "test", "end"]
    assert text_to_word_sequence("Hello, World", lower=False) == ["Hello", "World"]
    assert text_to_word_sequence("a-b,c d", filters="-", split=",") == ["a", "b", "c d"]
    assert text_to_word_sequence("a::b", filters="", split="::") == ["a", "b"]
    with pytest.raises(TypeError, match="text_to_word_sequence: Expected a text \\(str\\). "
                                        "Received: list"):
        text_to_word_sequence(["a b"])


def test_hashing_trick_md5_is_the_md5_of_each_word():
    n = 50
    expected = [int(hashlib.md5(w.encode()).hexdigest(), 16) % (n - 1) + 1
                for w in ("the", "cat", "the")]
    assert hashing_trick("The cat, the", n, hash_function="md5") == expected
    assert hashing_trick("ab", 10, hash_function=len) == [3]  # len("ab") % 9 + 1
    with pytest.raises(ValueError, match="hashing_trick: Expected n an int >= 2"):
        hashing_trick("a", 1)
    with pytest.raises(ValueError, match="hashing_trick: Expected hash_function None, 'md5' or a "
                                         "function. Received: hash_function='sha1'"):
        hashing_trick("a", 5, hash_function="sha1")


def test_one_hot_indices_are_in_range_and_consistent():
    indices = one_hot("the cat and the hat and the bat", 7)
    assert all(1 <= i < 7 for i in indices) and len(indices) == 8
    assert indices[0] == indices[3] == indices[6] and indices[2] == indices[5]


def test_tokenizer_ranks_words_by_frequency():
    tokenizer = Tokenizer()
    tokenizer.fit_on_texts(TEXTS)
    assert tokenizer.word_index == INDEX
    assert tokenizer.index_word == {i: w for w, i in INDEX.items()}
    assert tokenizer.word_counts["the"] == 3 and tokenizer.word_docs["the"] == 2
    assert tokenizer.index_docs[1] == 2 and tokenizer.document_count == 2
    assert tokenizer.texts_to_sequences(["The cat ate my homework", "a new word"]) == \
        [[1, 2, 7, 8, 9], []]
    assert tokenizer.sequences_to_texts([[1, 2, 7], [42]]) == ["the cat ate", ""]
    assert list(tokenizer.texts_to_sequences_generator(["mat"])) == [[5]]


def test_tokenizer_num_words_oov_token_and_char_level():
    tokenizer = Tokenizer(num_words=4)
    tokenizer.fit_on_texts(TEXTS)
    assert tokenizer.texts_to_sequences(["the cat sat on the mat"]) == [[1, 2, 3, 1]]
    oov = Tokenizer(num_words=4, oov_token="<unk>")
    oov.fit_on_texts(TEXTS)
    assert oov.word_index["<unk>"] == 1 and oov.word_index["the"] == 2
    assert oov.texts_to_sequences(["the cat sat on the zebra"]) == [[2, 3, 1, 1, 2, 1]]
    assert oov.sequences_to_texts([[2, 3, 9]]) == ["the cat <unk>"]
    chars = Tokenizer(char_level=True)
    chars.fit_on_texts(["abca", "Bd"])
    assert chars.word_index == {"a": 1, "b": 2, "c": 3, "d": 4}
    assert chars.texts_to_sequences(["dab!"]) == [[4, 1, 2]]
    tokens = Tokenizer()
    tokens.fit_on_texts([["New", "York", "new"]])  # already split: lower-cased, not filtered
    assert tokens.word_index == {"new": 1, "york": 2}


def test_texts_to_matrix_modes():
    tokenizer = Tokenizer()
    tokenizer.fit_on_texts(TEXTS)
    texts = ["the the cat", ""]
    binary = tokenizer.texts_to_matrix(texts)
    assert binary.shape == (2, 10) and binary.dtype == np.float64
    assert binary[0].tolist() == [0, 1, 1, 0, 0, 0, 0, 0, 0, 0] and not binary[1].any()
    count = tokenizer.texts_to_matrix(texts, mode="count")
    assert count[0, :3].tolist() == [0, 2, 1]
    freq = tokenizer.texts_to_matrix(texts, mode="freq")
    np.testing.assert_allclose(freq[0, :3], [0, 2 / 3, 1 / 3])
    tfidf = tokenizer.texts_to_matrix(texts, mode="tfidf")
    # "the" twice, in 2 of the 2 fitted texts; "cat" once, in 1 of them
    np.testing.assert_allclose(tfidf[0, 1], (1 + math.log(2)) * math.log(1 + 2 / (1 + 2)))
    np.testing.assert_allclose(tfidf[0, 2], 1.0 * math.log(1 + 2 / (1 + 1)))
    assert np.count_nonzero(tfidf) == 2
    narrow = Tokenizer(num_words=2)
    assert narrow.sequences_to_matrix([[1, 1, 5]], mode="count").tolist() == [[0, 2]]


def test_fit_on_sequences_feeds_tfidf():
    tokenizer = Tokenizer(num_words=4)
    tokenizer.fit_on_sequences([[1, 2, 2], [2, 3]])
    assert tokenizer.document_count == 2 and dict(tokenizer.index_docs) == {1: 1, 2: 2, 3: 1}
    tfidf = tokenizer.sequences_to_matrix([[2]], mode="tfidf")
    np.testing.assert_allclose(tfidf[0], [0, 0, math.log(1 + 2 / 3), 0])


def test_tokenizer_errors():
    tokenizer = Tokenizer()
    with pytest.raises(ValueError, match=r"Tokenizer: Expected mode one of \{.*\}. Received: "
                                         r"mode='onehot'"):
        tokenizer.texts_to_matrix(["a"], mode="onehot")
    with pytest.raises(ValueError, match="Tokenizer.sequences_to_matrix: Expected num_words or a "
                                         "fitted vocabulary"):
        tokenizer.texts_to_matrix(["a"])
    with pytest.raises(ValueError, match="Expected a Tokenizer fitted on some data for "
                                         "mode='tfidf'"):
        Tokenizer(num_words=3).sequences_to_matrix([[1]], mode="tfidf")
    with pytest.raises(TypeError, match="Tokenizer.fit_on_texts: Expected a list of texts. "
                                        "Received: str 'one text'"):
        tokenizer.fit_on_texts("one text")
    with pytest.raises(TypeError, match=r"Tokenizer.fit_on_texts: Expected a text \(str\). "
                                        r"Received: int 3"):
        tokenizer.fit_on_texts(["ok", 3])
    with pytest.raises(TypeError, match=r"Tokenizer: Unrecognized keyword arguments: "
                                        r"\['lowercase'\]"):
        Tokenizer(lowercase=True)
    with pytest.raises(ValueError, match="Tokenizer: Expected num_words an int >= 1 or None. "
                                         "Received: num_words=0"):
        Tokenizer(num_words=0)
    with pytest.raises(ValueError, match="Expected word indices >= 0. Received: -1"):
        Tokenizer(num_words=3).sequences_to_matrix([[-1]])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert Tokenizer(nb_words=7).num_words == 7
    assert any("num_words" in str(w.message) for w in caught)


def test_to_json_and_back_keeps_the_vocabulary_and_can_fit_further():
    tokenizer = Tokenizer(num_words=8, oov_token="<unk>", filters="!.")
    tokenizer.fit_on_texts(TEXTS)
    text = tokenizer.to_json(indent=1)
    saved = json.loads(text)
    assert saved["class_name"] == "Tokenizer" and saved["config"]["num_words"] == 8
    restored = tokenizer_from_json(text)
    probe = ["The cat ate the zebra.", "my mat"]
    assert restored.texts_to_sequences(probe) == tokenizer.texts_to_sequences(probe)
    assert restored.index_word == tokenizer.index_word and restored.filters == "!."
    np.testing.assert_array_equal(restored.texts_to_matrix(probe, mode="tfidf"),
                                  tokenizer.texts_to_matrix(probe, mode="tfidf"))
    restored.fit_on_texts(["zebra zebra zebra zebra"])
    tokenizer.fit_on_texts(["zebra zebra zebra zebra"])
    assert restored.word_index == tokenizer.word_index and restored.word_index["zebra"] == 2
    with pytest.raises(ValueError, match="tokenizer_from_json: Expected the JSON of "
                                         "Tokenizer.to_json"):
        tokenizer_from_json('{"class_name": "Tokenizer"}')
