"""The Keras MNIST tutorial: a multi-layer perceptron classifying handwritten digits.

    python examples/mnist_mlp.py               # the configured backend, MNIST from the cache
    python examples/mnist_mlp.py --backend jax --epochs 20 --data ../shared/datasets/mnist

784 pixels -> Dense 256 relu -> Dropout 0.4 -> Dense 128 relu -> Dropout 0.3
-> Dense 10 softmax, trained with RMSprop on categorical cross-entropy
(batch 128, 20% of the training images held out for validation). The same
script runs on every backend; only ``--backend`` (or ``KERAS_BACKEND``)
changes. It ends with the line ``test_accuracy=0.XXXX``.

``--data`` is a folder holding MNIST's IDX files or ``mnist.npz``; a folder
with only the official test set (t10k files) gives its first 8,000 images
for training and the last 2,000 for testing. Without ``--data``, MNIST is
downloaded once into ``~/.keras/datasets`` and read from there afterwards.
``--smoke`` runs in seconds: one epoch on 640 generated images of MNIST's
shape (or the first 640 of ``--data`` when given), testing on 128: 512 train,
128 validate, whole batches of 128, so JAX compiles each function once.
"""

import argparse
import os
import sys
import time

SMOKE_TRAIN, SMOKE_TEST = 640, 128


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("numpy", "torch", "jax"),
                        help="backend to run on (default: KERAS_BACKEND or keras.json)")
    parser.add_argument("--epochs", type=int, default=None, help="training epochs (default 20)")
    parser.add_argument("--data", help="folder with MNIST's IDX files or mnist.npz "
                                       "(default: download into the Keras cache)")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--seed", type=int, default=1234,
                        help="seed of the initial weights and dropout")
    parser.add_argument("--verbose", type=int, default=2, choices=(0, 1, 2),
                        help="fit's verbosity: 0 silent, 1 progress bar, 2 one line per epoch")
    parser.add_argument("--smoke", action="store_true",
                        help=f"a few seconds: {SMOKE_TRAIN} images (generated unless --data), "
                             "1 epoch")
    args = parser.parse_args(argv)
    if args.epochs is None:
        args.epochs = 1 if args.smoke else 20
    if args.epochs < 1:
        parser.error(f"--epochs must be >= 1, got {args.epochs}")
    return args


def generated_mnist(n_train=SMOKE_TRAIN, n_test=SMOKE_TEST, seed=0):
    """Random 28x28 uint8 images and digit labels: MNIST's form, for ``--smoke``."""
    import numpy as np

    rng = np.random.default_rng(seed)
    x = rng.integers(0, 256, size=(n_train + n_test, 28, 28), dtype=np.uint8)
    y = rng.integers(0, 10, size=n_train + n_test).astype(np.uint8)
    return (x[:n_train], y[:n_train]), (x[n_train:], y[n_train:])


def load_mnist(data=None, smoke=False):
    """MNIST as flat float32 pixels in [0, 1] and one-hot labels."""
    from polykeras.datasets import mnist
    from polykeras.utils import to_categorical

    if smoke and not data:
        (x_train, y_train), (x_test, y_test) = generated_mnist()
    else:
        (x_train, y_train), (x_test, y_test) = mnist.load_data(data) if data else mnist.load_data()
    if smoke:
        x_train, y_train = x_train[:SMOKE_TRAIN], y_train[:SMOKE_TRAIN]
        x_test, y_test = x_test[:SMOKE_TEST], y_test[:SMOKE_TEST]
    x_train = x_train.reshape(len(x_train), 784).astype("float32") / 255
    x_test = x_test.reshape(len(x_test), 784).astype("float32") / 255
    return (x_train, to_categorical(y_train, 10)), (x_test, to_categorical(y_test, 10)), y_test


def get_data(data=None):
    """The data of ``polykeras compare mnist_mlp``: ``{"data": ((x, y), (x_test, y_test)),
    "note": where they came from}``.

    MNIST from ``data`` (a folder, as ``--data``) or the Keras cache; when neither has it
    (and it cannot be downloaded), 8,000 + 2,000 generated images of MNIST's shape, which
    compare the backends just as well but make accuracies meaningless: the note says which.
    """
    try:
        (x_train, y_train), (x_test, y_test), _ = load_mnist(data)
        note = f"MNIST from {data}" if data else "MNIST from the Keras cache"
    except (FileNotFoundError, OSError) as error:
        if data:
            raise
        from polykeras.utils import to_categorical

        (x_train, y_train), (x_test, y_test) = generated_mnist(8000, 2000)
        x_train = x_train.reshape(-1, 784).astype("float32") / 255
        x_test = x_test.reshape(-1, 784).astype("float32") / 255
        y_train, y_test = to_categorical(y_train, 10), to_categorical(y_test, 10)
        note = (f"generated images of MNIST's shape (MNIST is not in the Keras cache: "
                f"{str(error).splitlines()[0][:120]}); pass --data DIR for real digits")
    return {"data": ((x_train, y_train), (x_test, y_test)), "note": note}


def build_model():
    """The tutorial's network, compiled with RMSprop and categorical cross-entropy."""
    from polykeras.layers import Dense, Dropout
    from polykeras.models import Sequential
    from polykeras.optimizers import RMSprop

    model = Sequential()
    model.add(Dense(256, activation="relu", input_shape=(784,)))
    model.add(Dropout(0.4))
    model.add(Dense(128, activation="relu"))
    model.add(Dropout(0.3))
    model.add(Dense(10, activation="softmax"))
    model.compile(loss="categorical_crossentropy", optimizer=RMSprop(), metrics=["accuracy"])
    return model


def main(argv=None):
    args = parse_args(argv)
    if args.backend:
        os.environ["KERAS_BACKEND"] = args.backend  # read when K is first used
    from polykeras import backend as K
    from polykeras.utils import set_random_seed

    set_random_seed(args.seed)
    print(f"Backend: {K.backend()}")
    (x_train, y_train), (x_test, y_test), test_labels = load_mnist(args.data, args.smoke)
    print(f"{len(x_train)} train samples, {len(x_test)} test samples")

    model = build_model()
    model.summary()

    start = time.perf_counter()
    history = model.fit(x_train, y_train, batch_size=args.batch_size, epochs=args.epochs,
                        verbose=args.verbose, validation_split=0.2)
    print(f"Trained {args.epochs} epochs in {time.perf_counter() - start:.1f}s; "
          f"final val_acc={history.history['val_acc'][-1]:.4f}")

    test_loss, test_accuracy = model.evaluate(x_test, y_test, batch_size=args.batch_size, verbose=0)
    classes = model.predict_classes(x_test, batch_size=args.batch_size)
    print(f"Predicted classes of the first 20 test images: {classes[:20].tolist()}")
    print(f"True classes:                                  {test_labels[:20].tolist()}")
    print(f"test_loss={test_loss:.4f}")
    print(f"test_accuracy={test_accuracy:.4f}")
    return test_accuracy


if __name__ == "__main__":
    sys.exit(0 if main() is not None else 1)
