"""Demonstrates how to write a custom layer: the Antirectifier, used in place of ReLU on MNIST.

    python examples/mnist_antirectifier.py                 # MNIST from the Keras cache
    python examples/mnist_antirectifier.py --backend jax --epochs 10 --data ../shared/datasets/mnist

Keras 2.2.4's ``examples/antirectifier.py`` (``mnist_antirectifier`` in the
gallery of Keras's R interface). ``Antirectifier`` is a layer written only
with backend functions (``K.mean``, ``K.l2_normalize``, ``K.relu``,
``K.concatenate``), so it runs unchanged on every backend; it changes the
shape of its input, so it defines ``compute_output_shape`` as well as
``call``. The network: Dense 256 -> Antirectifier -> Dropout 0.1 -> Dense 256
-> Antirectifier -> Dropout 0.1 -> Dense 10 softmax, RMSprop, batch 128,
40 epochs, validated on the test set after each epoch as in Keras. Keras's
script stops after ``fit``; this one also evaluates the test set and ends
with ``test_accuracy=0.XXXX``.

``--data`` is a folder holding MNIST's IDX files or ``mnist.npz`` (a folder
with only the t10k files gives 8,000 training and 2,000 test images);
without it MNIST is downloaded once into the Keras cache. ``--smoke`` runs
in seconds: one epoch on 256 generated images of MNIST's form (or the first
256 of ``--data``), testing on 128.
"""

import argparse

from _common import load_mnist, run_script, start  # examples/_common.py: backend, seeding, MNIST

from polykeras import backend as K
from polykeras.layers import Layer


class Antirectifier(Layer):
    """Sample-wise centring and L2 normalisation, then the positive and negative parts side by side.

    For each sample ``x`` (a row), ``x = l2_normalize(x - mean(x))`` and the
    output is ``concatenate([relu(x), relu(-x)])``: all values are >= 0, as
    after a ReLU, but no information is discarded, and each row has unit L2
    norm. Keras's example argues that this lets a network with half the
    units reach the accuracy of a ReLU network.

    Input shape: ``(samples, n)``. Output shape: ``(samples, 2 * n)``.
    """

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        if len(shape) != 2:
            raise ValueError(f"Antirectifier: Expected a 2D input (samples, features). "
                             f"Received: input_shape={tuple(input_shape)}")
        shape[-1] *= 2
        return tuple(shape)

    def call(self, inputs):
        inputs = inputs - K.mean(inputs, axis=1, keepdims=True)
        inputs = K.l2_normalize(inputs, axis=1)
        pos = K.relu(inputs)
        neg = K.relu(-inputs)
        return K.concatenate([pos, neg], axis=1)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("numpy", "torch", "jax"),
                        help="backend to run on (default: KERAS_BACKEND or keras.json)")
    parser.add_argument("--epochs", type=int, default=None, help="training epochs (default 40)")
    parser.add_argument("--data", help="folder with MNIST's IDX files or mnist.npz "
                                       "(default: download into the Keras cache)")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--seed", type=int, default=1234,
                        help="seed of the initial weights, dropout and shuffling")
    parser.add_argument("--verbose", type=int, default=1, choices=(0, 1, 2),
                        help="fit's verbosity: 0 silent, 1 progress bar, 2 one line per epoch")
    parser.add_argument("--smoke", action="store_true",
                        help="a few seconds: 256 images (generated unless --data), 1 epoch")
    args = parser.parse_args(argv)
    if args.epochs is None:
        args.epochs = 1 if args.smoke else 40
    if args.epochs < 1:
        parser.error(f"--epochs must be >= 1, got {args.epochs}")
    return args


def build_model(num_classes=10):
    """Keras's network, compiled with RMSprop and categorical cross-entropy."""
    from polykeras.layers import Activation, Dense, Dropout
    from polykeras.models import Sequential

    model = Sequential()
    model.add(Dense(256, input_shape=(784,)))
    model.add(Antirectifier())
    model.add(Dropout(0.1))
    model.add(Dense(256))
    model.add(Antirectifier())
    model.add(Dropout(0.1))
    model.add(Dense(num_classes))
    model.add(Activation("softmax"))
    model.compile(loss="categorical_crossentropy", optimizer="rmsprop", metrics=["accuracy"])
    return model


def main(argv=None):
    args = parse_args(argv)
    start(args)
    from polykeras.utils import to_categorical

    num_classes = 10
    (x_train, y_train), (x_test, y_test) = load_mnist(args.data, args.smoke, 256, 128)
    x_train = x_train.reshape(len(x_train), 784).astype("float32") / 255
    x_test = x_test.reshape(len(x_test), 784).astype("float32") / 255
    print(x_train.shape[0], "train samples")
    print(x_test.shape[0], "test samples")
    y_train = to_categorical(y_train, num_classes)
    y_test = to_categorical(y_test, num_classes)

    model = build_model(num_classes)
    model.summary()
    model.fit(x_train, y_train, batch_size=args.batch_size, epochs=args.epochs,
              verbose=args.verbose, validation_data=(x_test, y_test))

    test_loss, test_accuracy = model.evaluate(x_test, y_test, batch_size=args.batch_size,
                                              verbose=0)
    print("Test loss:", test_loss)
    print("Test accuracy:", test_accuracy)
    print(f"test_accuracy={test_accuracy:.4f}")
    return test_accuracy


if __name__ == "__main__":
    run_script(main)
