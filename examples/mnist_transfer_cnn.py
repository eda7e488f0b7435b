"""Keras's mnist_transfer_cnn example: transfer learning on a toy problem.

    python examples/mnist_transfer_cnn.py                     # MNIST from the Keras cache
    python examples/mnist_transfer_cnn.py --backend jax --data ../shared/datasets/mnist

1. Train a small convnet to classify the digits 0-4.
2. Freeze its convolutional (feature) layers and train only the dense (classification) layers,
   from where they are, to classify the digits 5-9.

Features: Conv2D 32 3x3 -> relu -> Conv2D 32 3x3 -> relu -> MaxPooling2D 2x2 -> Dropout 0.25
-> Flatten; classifier: Dense 128 -> relu -> Dropout 0.5 -> Dense 5 -> softmax. Adadelta,
categorical cross-entropy, batch 128, 5 epochs per stage, as Keras 2.2.4's script (which
reports 99.8% test accuracy on the first five digits and 99.2% on the last five after
fine-tuning, on the full MNIST). The model is compiled again after freezing, so that the
change of ``trainable`` takes effect. It ends with the line
``test_accuracy_0_4=0.XXXX test_accuracy_5_9=0.XXXX``.

``--data`` is a folder holding MNIST's IDX files or ``mnist.npz`` (a folder with only the
official test set gives its first 8,000 images for training and the last 2,000 for testing);
without it, MNIST is downloaded once into ``~/.keras/datasets``. ``--smoke`` runs in seconds:
one epoch per stage on 256 generated images of MNIST's shape (or the first 256 of ``--data``),
testing on 128.
"""

import argparse
import datetime

from _common import load_mnist, run_script, start  # examples/_common.py: set-up, MNIST

NUM_CLASSES = 5
IMAGE_ROWS, IMAGE_COLS = 28, 28
FILTERS = 32      # convolution filters
POOL_SIZE = 2     # side of the max pooling window
KERNEL_SIZE = 3   # side of the convolution kernel


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("numpy", "torch", "jax"),
                        help="backend to run on (default: KERAS_BACKEND or keras.json)")
    parser.add_argument("--epochs", type=int, default=None,
                        help="training epochs of each stage (default 5)")
    parser.add_argument("--data", help="folder with MNIST's IDX files or mnist.npz "
                                       "(default: download into the Keras cache)")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--seed", type=int, default=1337,
                        help="seed of the initial weights and dropout")
    parser.add_argument("--verbose", type=int, default=2, choices=(0, 1, 2),
                        help="fit's verbosity: 0 silent, 1 progress bar, 2 one line per epoch")
    parser.add_argument("--smoke", action="store_true",
                        help="a few seconds: 256 images (generated unless --data), 1 epoch each")
    args = parser.parse_args(argv)
    if args.epochs is None:
        args.epochs = 1 if args.smoke else 5
    if args.epochs < 1:
        parser.error(f"--epochs must be >= 1, got {args.epochs}")
    return args


def input_shape():
    from polykeras import backend as K
    if K.image_data_format() == "channels_first":
        return (1, IMAGE_ROWS, IMAGE_COLS)
    return (IMAGE_ROWS, IMAGE_COLS, 1)


def build_layers():
    """The two groups of layers: ``(feature_layers, classification_layers)``."""
    from polykeras.layers import Activation, Conv2D, Dense, Dropout, Flatten, MaxPooling2D

    feature_layers = [
        Conv2D(FILTERS, KERNEL_SIZE, padding="valid", input_shape=input_shape()),
        Activation("relu"),
        Conv2D(FILTERS, KERNEL_SIZE),
        Activation("relu"),
        MaxPooling2D(pool_size=POOL_SIZE),
        Dropout(0.25),
        Flatten(),
    ]
    classification_layers = [
        Dense(128),
        Activation("relu"),
        Dropout(0.5),
        Dense(NUM_CLASSES),
        Activation("softmax"),
    ]
    return feature_layers, classification_layers


def train_model(model, train, test, args):
    """Compile ``model`` (so that frozen layers stay frozen), fit it on ``train`` and return
    its accuracy on ``test``; both are (uint8 images, labels 0-4)."""
    from polykeras.utils import to_categorical

    x_train = train[0].reshape((len(train[0]),) + input_shape()).astype("float32") / 255
    x_test = test[0].reshape((len(test[0]),) + input_shape()).astype("float32") / 255
    print("x_train shape:", x_train.shape)
    print(f"{len(x_train)} train samples, {len(x_test)} test samples")
    y_train = to_categorical(train[1], NUM_CLASSES)
    y_test = to_categorical(test[1], NUM_CLASSES)

    model.compile(loss="categorical_crossentropy", optimizer="adadelta", metrics=["accuracy"])
    start = datetime.datetime.now()
    model.fit(x_train, y_train, batch_size=args.batch_size, epochs=args.epochs,
              verbose=args.verbose, validation_data=(x_test, y_test))
    print(f"Training time: {datetime.datetime.now() - start}")
    score = model.evaluate(x_test, y_test, batch_size=args.batch_size, verbose=0)
    print("Test score:", score[0])
    print("Test accuracy:", score[1])
    return score[1]


def main(argv=None):
    args = parse_args(argv)
    start(args)
    from polykeras.models import Sequential

    (x_train, y_train), (x_test, y_test) = load_mnist(args.data, args.smoke, n_train=256,
                                                      n_test=128)

    # two datasets: the digits below 5, and those from 5 up (labels shifted to start at 0)
    low_train, low_test = y_train < 5, y_test < 5
    first = (x_train[low_train], y_train[low_train]), (x_test[low_test], y_test[low_test])
    second = ((x_train[~low_train], y_train[~low_train] - 5),
              (x_test[~low_test], y_test[~low_test] - 5))

    feature_layers, classification_layers = build_layers()
    model = Sequential(feature_layers + classification_layers)
    model.summary()

    print("Stage 1: the whole network on the digits 0-4")
    accuracy_low = train_model(model, *first, args)

    for layer in feature_layers:
        layer.trainable = False
    print("Stage 2: the classification layers only, on the digits 5-9")
    print(f"Trainable weights now: {len(model.trainable_weights)} "
          f"(of {len(model.weights)})")
    accuracy_high = train_model(model, *second, args)
    print(f"test_accuracy_0_4={accuracy_low:.4f} test_accuracy_5_9={accuracy_high:.4f}")
    return accuracy_low, accuracy_high


if __name__ == "__main__":
    run_script(main)
