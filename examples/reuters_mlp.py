"""Trains and evaluates a simple MLP on the Reuters newswire topic classification task.

    python examples/reuters_mlp.py                       # Reuters from the Keras cache
    python examples/reuters_mlp.py --backend torch --data /path/to/reuters.npz

Keras 2.2.4's ``examples/reuters_mlp.py``: each newswire becomes a binary
bag of its 1,000 most frequent words (``Tokenizer.sequences_to_matrix``);
Dense 512 relu -> Dropout 0.5 -> Dense 46 softmax, trained with Adam on
categorical cross-entropy for 5 epochs (batch 32, 10% of the training
newswires held out for validation). It prints what Keras's script prints and
ends with ``test_accuracy=0.XXXX``.

Reuters is read with ``polykeras.datasets.reuters``: from ``--data`` (the
path of a ``reuters.npz``) or from the Keras cache, downloaded once; offline
without the file, the loader's error names the URL and the cache path to put
it at. ``--smoke`` runs in seconds: one epoch on 320 generated newswires of
Reuters's form (word-index lists starting with 1, all 46 topics), testing on
64 (or the first newswires of ``--data`` when given); the training, validation
and test sets are whole batches of 32, so JAX compiles each function once.
"""

import argparse

from _common import run_script, start  # examples/_common.py: backend selection and seeding

MAX_WORDS = 1000
NUM_TOPICS = 46


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("numpy", "torch", "jax"),
                        help="backend to run on (default: KERAS_BACKEND or keras.json)")
    parser.add_argument("--epochs", type=int, default=None, help="training epochs (default 5)")
    parser.add_argument("--data", help="path of reuters.npz (default: the Keras cache)")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--seed", type=int, default=1234,
                        help="seed of the initial weights, dropout and shuffling")
    parser.add_argument("--verbose", type=int, default=1, choices=(0, 1, 2),
                        help="fit's verbosity: 0 silent, 1 progress bar, 2 one line per epoch")
    parser.add_argument("--smoke", action="store_true",
                        help="a few seconds: 320 newswires (generated unless --data), 1 epoch")
    args = parser.parse_args(argv)
    if args.epochs is None:
        args.epochs = 1 if args.smoke else 5
    if args.epochs < 1:
        parser.error(f"--epochs must be >= 1, got {args.epochs}")
    return args


def generated_reuters(n_train=320, n_test=64, num_words=MAX_WORDS, seed=0):
    """Newswires of Reuters's form, for ``--smoke``: what ``reuters.load_data`` returns.

    Each newswire is a list of int word indices: the start mark 1, then
    indices in ``[2, num_words)`` (2 marks a word cut by ``num_words``), 20 to
    200 words long; labels are int64 topics, every one of the 46 present in
    the training set (the script counts topics as ``max(y_train) + 1``).
    """
    import numpy as np

    rng = np.random.default_rng(seed)

    def newswires(n):
        xs = np.empty(n, dtype=object)
        for i in range(n):
            xs[i] = [1] + rng.integers(2, num_words, size=rng.integers(20, 201)).tolist()
        return xs

    y_train = rng.permutation(np.arange(n_train) % NUM_TOPICS).astype(np.int64)
    y_test = rng.integers(0, NUM_TOPICS, size=n_test).astype(np.int64)
    return (newswires(n_train), y_train), (newswires(n_test), y_test)


def load_reuters(data=None, smoke=False):
    """``(x_train, y_train), (x_test, y_test)``, as ``reuters.load_data(num_words=1000)`` gives."""
    from polykeras.datasets import reuters

    if smoke and not data:
        return generated_reuters()
    kwargs = {"path": data} if data else {}
    (x_train, y_train), (x_test, y_test) = reuters.load_data(num_words=MAX_WORDS, test_split=0.2,
                                                             **kwargs)
    if smoke:
        x_train, y_train, x_test, y_test = x_train[:320], y_train[:320], x_test[:64], y_test[:64]
    return (x_train, y_train), (x_test, y_test)


def build_model(num_classes):
    """Keras's MLP: 1,000 binary word features -> Dense 512 relu -> Dropout 0.5 -> softmax."""
    from polykeras.layers import Activation, Dense, Dropout
    from polykeras.models import Sequential

    model = Sequential()
    model.add(Dense(512, input_shape=(MAX_WORDS,)))
    model.add(Activation("relu"))
    model.add(Dropout(0.5))
    model.add(Dense(num_classes))
    model.add(Activation("softmax"))
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    return model


def main(argv=None):
    args = parse_args(argv)
    start(args)
    import numpy as np
    from polykeras.preprocessing.text import Tokenizer
    from polykeras.utils import to_categorical

    print("Loading data...")
    (x_train, y_train), (x_test, y_test) = load_reuters(args.data, args.smoke)
    print(len(x_train), "train sequences")
    print(len(x_test), "test sequences")

    num_classes = int(np.max(y_train)) + 1
    print(num_classes, "classes")

    print("Vectorizing sequence data...")
    tokenizer = Tokenizer(num_words=MAX_WORDS)
    x_train = tokenizer.sequences_to_matrix(x_train, mode="binary")
    x_test = tokenizer.sequences_to_matrix(x_test, mode="binary")
    print("x_train shape:", x_train.shape)
    print("x_test shape:", x_test.shape)

    print("Convert class vector to binary class matrix (for use with categorical_crossentropy)")
    y_train = to_categorical(y_train, num_classes)
    y_test = to_categorical(y_test, num_classes)
    print("y_train shape:", y_train.shape)
    print("y_test shape:", y_test.shape)

    print("Building model...")
    model = build_model(num_classes)
    model.fit(x_train, y_train, batch_size=args.batch_size, epochs=args.epochs,
              verbose=args.verbose, validation_split=0.1)
    score = model.evaluate(x_test, y_test, batch_size=args.batch_size,
                           verbose=min(args.verbose, 1))
    print("Test score:", score[0])
    print("Test accuracy:", score[1])
    print(f"test_accuracy={score[1]:.4f}")
    return score[1]


if __name__ == "__main__":
    run_script(main)
