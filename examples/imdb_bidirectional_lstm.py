"""Trains a Bidirectional LSTM on the IMDB sentiment classification task.

    python examples/imdb_bidirectional_lstm.py            # IMDB from the Keras cache
    python examples/imdb_bidirectional_lstm.py --backend jax --data /path/to/imdb.npz

Keras 2.2.4's ``examples/imdb_bidirectional_lstm.py``: reviews keep their
20,000 most frequent words and are cut (or left-padded) to 100 words;
Embedding 128 -> Bidirectional(LSTM 64), the forward and backward final
states concatenated (128 values) -> Dropout 0.5 -> Dense 1 sigmoid, trained
with Adam on binary cross-entropy for 4 epochs (batch 32), validated on the
test set after each epoch. Keras states ~0.8146 validation accuracy after 4
epochs (~150 s per epoch on a Core i7). Keras's script stops after ``fit``;
this one also evaluates the test set and ends with ``test_accuracy=0.XXXX``.

IMDB is read with ``polykeras.datasets.imdb``: from ``--data`` (the path of
a copy of ``imdb.npz``) or from the Keras cache, downloaded once; offline
without the file, the loader's error names the URL and the cache path to put
it at. ``--smoke`` runs in seconds: one epoch on 64 generated reviews of
IMDB's form (see ``_imdb.py``), testing on 32 (or the first reviews of
``--data``); both are whole batches of 32, so JAX compiles each function once.
"""

import argparse

from _common import run_script, start  # examples/_common.py: backend selection and seeding
from _imdb import load_imdb  # examples/_imdb.py: IMDB, real or generated

MAX_FEATURES = 20000
MAXLEN = 100  # cut texts after this number of words (among the MAX_FEATURES most common)
SMOKE_TRAIN, SMOKE_TEST = 64, 32


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("numpy", "torch", "jax"),
                        help="backend to run on (default: KERAS_BACKEND or keras.json)")
    parser.add_argument("--epochs", type=int, default=None, help="training epochs (default 4)")
    parser.add_argument("--data", help="path of imdb.npz (default: the Keras cache)")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--seed", type=int, default=1234,
                        help="seed of the initial weights, dropout and shuffling")
    parser.add_argument("--verbose", type=int, default=1, choices=(0, 1, 2),
                        help="fit's verbosity: 0 silent, 1 progress bar, 2 one line per epoch")
    parser.add_argument("--smoke", action="store_true",
                        help=f"a few seconds: {SMOKE_TRAIN} reviews (generated unless --data), "
                             "1 epoch")
    args = parser.parse_args(argv)
    if args.epochs is None:
        args.epochs = 1 if args.smoke else 4
    if args.epochs < 1:
        parser.error(f"--epochs must be >= 1, got {args.epochs}")
    return args


def build_model():
    """Embedding 128 -> Bidirectional(LSTM 64) -> Dropout 0.5 -> Dense 1 sigmoid; Adam."""
    from polykeras.layers import LSTM, Bidirectional, Dense, Dropout, Embedding
    from polykeras.models import Sequential

    model = Sequential()
    model.add(Embedding(MAX_FEATURES, 128, input_length=MAXLEN))
    model.add(Bidirectional(LSTM(64)))
    model.add(Dropout(0.5))
    model.add(Dense(1, activation="sigmoid"))
    # Keras's comment: try other optimizers and optimizer configs.
    model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    return model


def main(argv=None):
    args = parse_args(argv)
    start(args)
    import numpy as np
    from polykeras.preprocessing import sequence

    print("Loading data...")
    (x_train, y_train), (x_test, y_test) = load_imdb(args.data, args.smoke, MAX_FEATURES,
                                                     SMOKE_TRAIN, SMOKE_TEST)
    print(len(x_train), "train sequences")
    print(len(x_test), "test sequences")

    print("Pad sequences (samples x time)")
    x_train = sequence.pad_sequences(x_train, maxlen=MAXLEN)
    x_test = sequence.pad_sequences(x_test, maxlen=MAXLEN)
    print("x_train shape:", x_train.shape)
    print("x_test shape:", x_test.shape)
    y_train = np.array(y_train)
    y_test = np.array(y_test)

    model = build_model()

    print("Train...")
    model.fit(x_train, y_train, batch_size=args.batch_size, epochs=args.epochs,
              verbose=args.verbose, validation_data=[x_test, y_test])
    score, acc = model.evaluate(x_test, y_test, batch_size=args.batch_size,
                                verbose=min(args.verbose, 1))
    print("Test score:", score)
    print("Test accuracy:", acc)
    print(f"test_accuracy={acc:.4f}")
    return acc


if __name__ == "__main__":
    run_script(main)
