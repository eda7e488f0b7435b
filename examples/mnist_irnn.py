"""Reproduces the IRNN experiment: pixel-by-pixel sequential MNIST with a ReLU recurrent network.

    python examples/mnist_irnn.py                         # MNIST from the Keras cache
    python examples/mnist_irnn.py --backend jax --epochs 10 --data ../shared/datasets/mnist

Keras 2.2.4's ``examples/mnist_irnn.py``, after Le, Jaitly and Hinton, "A
Simple Way to Initialize Recurrent Networks of Rectified Linear Units"
(arXiv:1504.00941v2, 2015): each image is read as a sequence of its 784
pixels, one per step, by a SimpleRNN of 100 ReLU units whose recurrent kernel
starts as the identity (``initializers.Identity``) and whose input kernel
starts as N(0, 0.001^2); its last state -> Dense 10 -> softmax. RMSprop with
a learning rate of 1e-6 (the paper used SGD; Keras found RMSprop steadier),
categorical cross-entropy, batch 32, 200 epochs, validated on the test set
after each epoch, then evaluated on it. Keras states 0.93 train and test
accuracy after 900 epochs (about the paper's 1,687,500 steps): at this
learning rate the network learns slowly. It prints what Keras's script
prints and ends with ``test_accuracy=0.XXXX``.

``--data`` is a folder holding MNIST's IDX files or ``mnist.npz`` (a folder
with only the t10k files gives 8,000 training and 2,000 test images);
without it MNIST is downloaded once into the Keras cache. ``--smoke`` runs
in seconds: one epoch on 64 generated images of MNIST's form (or the first
64 of ``--data``), testing on 32: whole batches of 32, so JAX compiles each
function once.
"""

import argparse

from _common import load_mnist, run_script, start  # examples/_common.py: backend, seeding, MNIST

NUM_CLASSES = 10
HIDDEN_UNITS = 100
LEARNING_RATE = 1e-6
SMOKE_TRAIN, SMOKE_TEST = 64, 32


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("numpy", "torch", "jax"),
                        help="backend to run on (default: KERAS_BACKEND or keras.json)")
    parser.add_argument("--epochs", type=int, default=None, help="training epochs (default 200)")
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
        args.epochs = 1 if args.smoke else 200
    if args.epochs < 1:
        parser.error(f"--epochs must be >= 1, got {args.epochs}")
    return args


def build_model(input_shape):
    """SimpleRNN 100 relu (identity recurrent kernel) -> Dense 10 -> softmax; RMSprop(lr=1e-6)."""
    from polykeras import initializers
    from polykeras.layers import Activation, Dense, SimpleRNN
    from polykeras.models import Sequential
    from polykeras.optimizers import RMSprop

    model = Sequential()
    model.add(SimpleRNN(HIDDEN_UNITS,
                        kernel_initializer=initializers.RandomNormal(stddev=0.001),
                        recurrent_initializer=initializers.Identity(gain=1.0),
                        activation="relu",
                        input_shape=input_shape))
    model.add(Dense(NUM_CLASSES))
    model.add(Activation("softmax"))
    model.compile(loss="categorical_crossentropy", optimizer=RMSprop(lr=LEARNING_RATE),
                  metrics=["accuracy"])
    return model


def main(argv=None):
    args = parse_args(argv)
    start(args)
    from polykeras.utils import to_categorical

    (x_train, y_train), (x_test, y_test) = load_mnist(args.data, args.smoke,
                                                      SMOKE_TRAIN, SMOKE_TEST)
    # One pixel per step: (samples, 784, 1).
    x_train = x_train.reshape(x_train.shape[0], -1, 1).astype("float32") / 255
    x_test = x_test.reshape(x_test.shape[0], -1, 1).astype("float32") / 255
    print("x_train shape:", x_train.shape)
    print(x_train.shape[0], "train samples")
    print(x_test.shape[0], "test samples")
    y_train = to_categorical(y_train, NUM_CLASSES)
    y_test = to_categorical(y_test, NUM_CLASSES)

    print("Evaluate IRNN...")
    model = build_model(x_train.shape[1:])
    model.fit(x_train, y_train, batch_size=args.batch_size, epochs=args.epochs,
              verbose=args.verbose, validation_data=(x_test, y_test))

    scores = model.evaluate(x_test, y_test, batch_size=args.batch_size, verbose=0)
    print("IRNN test score:", scores[0])
    print("IRNN test accuracy:", scores[1])
    print(f"test_accuracy={scores[1]:.4f}")
    return scores[1]


if __name__ == "__main__":
    run_script(main)
