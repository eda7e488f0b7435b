"""Demonstrates the use of fastText for text classification, on IMDB reviews.

    python examples/imdb_fasttext.py                      # IMDB from the Keras cache
    python examples/imdb_fasttext.py --backend jax --ngram-range 2 --data /path/to/imdb.npz

Keras 2.2.4's ``examples/imdb_fasttext.py``, after Joulin et al., "Bag of
Tricks for Efficient Text Classification" (https://arxiv.org/abs/1607.01759):
a review is the average of its words' embeddings, fed to a logistic
regression. Reviews keep their 20,000 most frequent words; with
``--ngram-range N`` > 1, every n-gram (2 <= n <= N) of the training reviews
gets an index of its own above the words' (the vocabulary grows accordingly)
and each review is extended with the indices of its n-grams. Reviews are
then cut (or left-padded) to 400 tokens; Embedding 50 ->
GlobalAveragePooling1D -> Dense 1 sigmoid, trained with Adam on binary
cross-entropy for 5 epochs (batch 32), validated on the test set after each
epoch. Keras states 0.8813 test accuracy after 5 epochs with words only
(``--ngram-range 1``, its default) and 0.9056 with bi-grams (2). Keras's
script stops after ``fit``; this one also evaluates the test set and ends
with ``test_accuracy=0.XXXX``.

IMDB is read with ``polykeras.datasets.imdb``: from ``--data`` (the path of
a copy of ``imdb.npz``) or from the Keras cache, downloaded once; offline
without the file, the loader's error names the URL and the cache path to put
it at. ``--smoke`` runs in seconds: one epoch on 128 generated reviews of
IMDB's form (see ``_imdb.py``), testing on 64 (or the first reviews of
``--data``); both are whole batches of 32, so JAX compiles each function once.
"""

import argparse

from _common import run_script, start  # examples/_common.py: backend selection and seeding
from _imdb import load_imdb  # examples/_imdb.py: IMDB, real or generated

MAX_FEATURES = 20000
MAXLEN = 400
EMBEDDING_DIMS = 50

SMOKE_TRAIN, SMOKE_TEST = 128, 64


def create_ngram_set(input_list, ngram_value=2):
    """The set of n-grams (tuples of ``ngram_value`` consecutive items) of a list of integers.

    >>> sorted(create_ngram_set([1, 4, 9, 4, 1, 4], ngram_value=2))
    [(1, 4), (4, 1), (4, 9), (9, 4)]
    >>> sorted(create_ngram_set([1, 4, 9, 4, 1, 4], ngram_value=3))
    [(1, 4, 9), (4, 1, 4), (4, 9, 4), (9, 4, 1)]
    """
    return set(zip(*[input_list[i:] for i in range(ngram_value)]))


def add_ngram(sequences, token_indice, ngram_range=2):
    """Each sequence extended with the indices of its n-grams (2 <= n <= ``ngram_range``).

    ``token_indice`` maps n-gram tuples to their indices; n-grams missing from
    it are skipped. As in Keras, a sequence's positions are scanned up to
    ``len - ngram_range``, so a shorter n-gram at the very end is not added.

    >>> sequences = [[1, 3, 4, 5], [1, 3, 7, 9, 2]]
    >>> token_indice = {(1, 3): 1337, (9, 2): 42, (4, 5): 2017}
    >>> add_ngram(sequences, token_indice, ngram_range=2)
    [[1, 3, 4, 5, 1337, 2017], [1, 3, 7, 9, 2, 1337, 42]]
    >>> token_indice = {(1, 3): 1337, (9, 2): 42, (4, 5): 2017, (7, 9, 2): 2018}
    >>> add_ngram(sequences, token_indice, ngram_range=3)
    [[1, 3, 4, 5, 1337], [1, 3, 7, 9, 2, 1337, 2018]]
    """
    new_sequences = []
    for input_list in sequences:
        new_list = list(input_list)
        for i in range(len(input_list) - ngram_range + 1):
            for ngram_value in range(2, ngram_range + 1):
                ngram = tuple(input_list[i:i + ngram_value])
                if ngram in token_indice:
                    new_list.append(token_indice[ngram])
        new_sequences.append(new_list)
    return new_sequences


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("numpy", "torch", "jax"),
                        help="backend to run on (default: KERAS_BACKEND or keras.json)")
    parser.add_argument("--epochs", type=int, default=None, help="training epochs (default 5)")
    parser.add_argument("--data", help="path of imdb.npz (default: the Keras cache)")
    parser.add_argument("--ngram-range", type=int, default=1,
                        help="1: words only (Keras's default); 2: words and bi-grams; ...")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--seed", type=int, default=1234,
                        help="seed of the initial weights and shuffling")
    parser.add_argument("--verbose", type=int, default=1, choices=(0, 1, 2),
                        help="fit's verbosity: 0 silent, 1 progress bar, 2 one line per epoch")
    parser.add_argument("--smoke", action="store_true",
                        help=f"a few seconds: {SMOKE_TRAIN} reviews (generated unless --data), "
                             "1 epoch")
    args = parser.parse_args(argv)
    if args.epochs is None:
        args.epochs = 1 if args.smoke else 5
    if args.epochs < 1:
        parser.error(f"--epochs must be >= 1, got {args.epochs}")
    if args.ngram_range < 1:
        parser.error(f"--ngram-range must be >= 1, got {args.ngram_range}")
    return args


def average_length(sequences):
    import numpy as np

    return np.mean(list(map(len, sequences)), dtype=int)


def add_ngram_features(x_train, x_test, ngram_range):
    """Index the n-grams of the training reviews above ``MAX_FEATURES``; add them to both sets.

    Returns the extended ``x_train``, ``x_test`` and the vocabulary size for
    the Embedding (the largest index + 1).
    """
    ngram_set = set()
    for input_list in x_train:
        for i in range(2, ngram_range + 1):
            ngram_set.update(create_ngram_set(input_list, ngram_value=i))
    # Indices above MAX_FEATURES, so that they do not collide with the words'.
    start_index = MAX_FEATURES + 1
    token_indice = {v: k + start_index for k, v in enumerate(ngram_set)}
    max_features = max(token_indice.values(), default=MAX_FEATURES - 1) + 1
    return (add_ngram(x_train, token_indice, ngram_range),
            add_ngram(x_test, token_indice, ngram_range), max_features)


def build_model(max_features):
    """Embedding -> GlobalAveragePooling1D -> Dense 1 sigmoid; Adam on binary cross-entropy."""
    from polykeras.layers import Dense, Embedding, GlobalAveragePooling1D
    from polykeras.models import Sequential

    model = Sequential()
    # An embedding layer first, mapping the vocabulary's indices to EMBEDDING_DIMS dimensions.
    model.add(Embedding(max_features, EMBEDDING_DIMS, input_length=MAXLEN))
    # The average of the embeddings of all words (and n-grams) of the review.
    model.add(GlobalAveragePooling1D())
    # Projected onto a single output unit, squashed with a sigmoid.
    model.add(Dense(1, activation="sigmoid"))
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    return model


def main(argv=None):
    args = parse_args(argv)
    start(args)
    from polykeras.preprocessing import sequence

    print("Loading data...")
    (x_train, y_train), (x_test, y_test) = load_imdb(args.data, args.smoke, MAX_FEATURES,
                                                     SMOKE_TRAIN, SMOKE_TEST)
    print(len(x_train), "train sequences")
    print(len(x_test), "test sequences")
    print(f"Average train sequence length: {average_length(x_train)}")
    print(f"Average test sequence length: {average_length(x_test)}")

    max_features = MAX_FEATURES
    if args.ngram_range > 1:
        print(f"Adding {args.ngram_range}-gram features")
        x_train, x_test, max_features = add_ngram_features(x_train, x_test, args.ngram_range)
        print(f"Average train sequence length: {average_length(x_train)}")
        print(f"Average test sequence length: {average_length(x_test)}")

    print("Pad sequences (samples x time)")
    x_train = sequence.pad_sequences(x_train, maxlen=MAXLEN)
    x_test = sequence.pad_sequences(x_test, maxlen=MAXLEN)
    print("x_train shape:", x_train.shape)
    print("x_test shape:", x_test.shape)

    print("Build model...")
    model = build_model(max_features)
    model.fit(x_train, y_train, batch_size=args.batch_size, epochs=args.epochs,
              verbose=args.verbose, validation_data=(x_test, y_test))
    score, acc = model.evaluate(x_test, y_test, batch_size=args.batch_size,
                                verbose=min(args.verbose, 1))
    print("Test score:", score)
    print("Test accuracy:", acc)
    print(f"test_accuracy={acc:.4f}")
    return acc


if __name__ == "__main__":
    run_script(main)
