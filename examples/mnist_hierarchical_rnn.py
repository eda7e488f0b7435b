"""Classifies MNIST digits with a hierarchical RNN (HRNN): an LSTM over rows, then over their codes.

    python examples/mnist_hierarchical_rnn.py             # MNIST from the Keras cache
    python examples/mnist_hierarchical_rnn.py --backend jax --data ../shared/datasets/mnist

Keras 2.2.4's ``examples/mnist_hierarchical_rnn.py``. An HRNN learns over
several levels of a sequence's structure: typically a first recurrent layer
encodes each sentence (a sequence of word vectors) into a sentence vector,
and a second one encodes the sequence of sentence vectors into a document
vector, which keeps both the word-level and the sentence-level structure
(Li, Luong and Jurafsky, "A Hierarchical Neural Autoencoder for Paragraphs
and Documents", arXiv:1506.01057; Du, Wang and Wang, "Hierarchical recurrent
neural network for skeleton based action recognition", CVPR 2015). Here an
image ``(28, 28, 1)`` is a sequence of 28 rows of 28 one-pixel steps:
``TimeDistributed(LSTM 128)`` encodes each row into a vector of 128, an
LSTM 128 encodes the 28 row vectors into one image vector, and Dense 10
softmax classifies it. RMSprop, categorical cross-entropy, batch 32, 5
epochs, validated on the test set after each epoch, then evaluated on it.
Keras states train accuracy 0.9858 and validation accuracy 0.9864 after 5
epochs on the full MNIST. It prints what Keras's script prints and ends with
``test_accuracy=0.XXXX``.

``--data`` is a folder holding MNIST's IDX files or ``mnist.npz`` (a folder
with only the t10k files gives 8,000 training and 2,000 test images);
without it MNIST is downloaded once into the Keras cache. ``--smoke`` runs
in seconds: one epoch on 32 generated images of MNIST's form (or the first
32 of ``--data``), testing on as many: one batch of 32 (the row LSTM runs on
32 x 28 rows), so JAX compiles each function once.
"""

import argparse

from _common import load_mnist, run_script, start  # examples/_common.py: backend, seeding, MNIST

NUM_CLASSES = 10
ROW_HIDDEN = 128  # size of a row's code
COL_HIDDEN = 128  # size of the image's code
SMOKE_TRAIN, SMOKE_TEST = 32, 32


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("numpy", "torch", "jax"),
                        help="backend to run on (default: KERAS_BACKEND or keras.json)")
    parser.add_argument("--epochs", type=int, default=None, help="training epochs (default 5)")
    parser.add_argument("--data", help="folder with MNIST's IDX files or mnist.npz "
                                       "(default: download into the Keras cache)")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--seed", type=int, default=1234,
                        help="seed of the initial weights and shuffling")
    parser.add_argument("--verbose", type=int, default=1, choices=(0, 1, 2),
                        help="fit's verbosity: 0 silent, 1 progress bar, 2 one line per epoch")
    parser.add_argument("--smoke", action="store_true",
                        help=f"a few seconds: {SMOKE_TRAIN} images (generated unless --data), "
                             "1 epoch")
    args = parser.parse_args(argv)
    if args.epochs is None:
        args.epochs = 1 if args.smoke else 5
    if args.epochs < 1:
        parser.error(f"--epochs must be >= 1, got {args.epochs}")
    return args


def build_model(row, col, pixel):
    """TimeDistributed(LSTM) over the rows -> LSTM over the row codes -> Dense softmax; RMSprop."""
    from polykeras.layers import LSTM, Dense, Input, TimeDistributed
    from polykeras.models import Model

    x = Input(shape=(row, col, pixel))
    # Encodes each row of pixels with the same LSTM, through the TimeDistributed wrapper.
    encoded_rows = TimeDistributed(LSTM(ROW_HIDDEN))(x)
    # Encodes the sequence of encoded rows.
    encoded_columns = LSTM(COL_HIDDEN)(encoded_rows)
    prediction = Dense(NUM_CLASSES, activation="softmax")(encoded_columns)
    model = Model(x, prediction)
    model.compile(loss="categorical_crossentropy", optimizer="rmsprop", metrics=["accuracy"])
    return model


def main(argv=None):
    args = parse_args(argv)
    start(args)
    from polykeras.utils import to_categorical

    (x_train, y_train), (x_test, y_test) = load_mnist(args.data, args.smoke,
                                                      SMOKE_TRAIN, SMOKE_TEST)
    # 4D input for the hierarchical RNN: (samples, rows, columns, 1).
    x_train = x_train.reshape(x_train.shape[0], 28, 28, 1).astype("float32") / 255
    x_test = x_test.reshape(x_test.shape[0], 28, 28, 1).astype("float32") / 255
    print("x_train shape:", x_train.shape)
    print(x_train.shape[0], "train samples")
    print(x_test.shape[0], "test samples")
    y_train = to_categorical(y_train, NUM_CLASSES)
    y_test = to_categorical(y_test, NUM_CLASSES)

    row, col, pixel = x_train.shape[1:]
    model = build_model(row, col, pixel)
    model.fit(x_train, y_train, batch_size=args.batch_size, epochs=args.epochs,
              verbose=args.verbose, validation_data=(x_test, y_test))

    scores = model.evaluate(x_test, y_test, batch_size=args.batch_size, verbose=0)
    print("Test loss:", scores[0])
    print("Test accuracy:", scores[1])
    print(f"test_accuracy={scores[1]:.4f}")
    return scores[1]


if __name__ == "__main__":
    run_script(main)
