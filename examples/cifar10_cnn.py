"""Keras's cifar10_cnn example: a deeper convnet on the CIFAR-10 small images, with real-time
data augmentation.

    python examples/cifar10_cnn.py                         # CIFAR-10 from the Keras cache
    python examples/cifar10_cnn.py --backend torch --epochs 25 --no-augmentation
    python examples/cifar10_cnn.py --smoke                 # generated images of CIFAR's shape

32x32x3 image -> [Conv2D 32 3x3 same, relu, Conv2D 32 3x3, relu, MaxPooling2D 2x2,
Dropout 0.25] -> [the same with 64 filters] -> Flatten -> Dense 512 relu -> Dropout 0.5 ->
Dense 10 softmax; RMSprop (lr 1e-4, decay 1e-6), categorical cross-entropy, batch 32,
100 epochs, as Keras 2.2.4's script (about 75% validation accuracy after 25 epochs, 79%
after 50). With augmentation (the default), ``fit_generator`` trains on
``ImageDataGenerator(width_shift_range=0.1, height_shift_range=0.1,
horizontal_flip=True).flow(...)``, validating on the test set after each epoch. The trained
model is saved as ``keras_cifar10_trained_model.h5`` in ``--output-dir`` (default
``./saved_models``). It ends with the line ``test_accuracy=0.XXXX``.

CIFAR-10 (163 MB) is read from the Keras cache (``~/.keras/datasets``), downloaded on first
use; offline without it, the script stops with a message saying where to put the archive.
``--smoke`` runs in seconds on 32 generated images of CIFAR-10's shape (testing on 16), one
epoch, saving into a temporary folder unless ``--output-dir`` is given.
"""

import argparse
import os
import tempfile

from _common import run_script, start  # examples/_common.py: backend selection and seeding

NUM_CLASSES = 10
MODEL_NAME = "keras_cifar10_trained_model.h5"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("numpy", "torch", "jax"),
                        help="backend to run on (default: KERAS_BACKEND or keras.json)")
    parser.add_argument("--epochs", type=int, default=None, help="training epochs (default 100)")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--no-augmentation", action="store_true",
                        help="train with fit on the images as they are")
    parser.add_argument("--output-dir", default=None,
                        help="where the trained model is saved (default ./saved_models; "
                             "with --smoke a temporary folder)")
    parser.add_argument("--seed", type=int, default=1234,
                        help="seed of the initial weights, dropout and augmentation")
    parser.add_argument("--verbose", type=int, default=2, choices=(0, 1, 2),
                        help="fit's verbosity: 0 silent, 1 progress bar, 2 one line per epoch")
    parser.add_argument("--smoke", action="store_true",
                        help="a few seconds: 32 generated images of CIFAR-10's shape, 1 epoch")
    args = parser.parse_args(argv)
    if args.epochs is None:
        args.epochs = 1 if args.smoke else 100
    if args.epochs < 1:
        parser.error(f"--epochs must be >= 1, got {args.epochs}")
    return args


def generated_cifar10(n_train=32, n_test=16, seed=0):
    """Random uint8 images of CIFAR-10's shape (channels first when ``image_data_format()``
    says so) and labels ``(n, 1)`` covering all 10 classes: ``cifar10.load_data()``'s form,
    for ``--smoke``."""
    import numpy as np

    from polykeras import backend as K

    rng = np.random.default_rng(seed)
    shape = (3, 32, 32) if K.image_data_format() == "channels_first" else (32, 32, 3)
    x = rng.integers(0, 256, size=(n_train + n_test,) + shape, dtype=np.uint8)
    y = np.concatenate([rng.permutation(np.arange(n) % NUM_CLASSES) for n in (n_train, n_test)])
    y = y.reshape(-1, 1)
    return (x[:n_train], y[:n_train].astype(np.uint8)), (x[n_train:], y[n_train:])


def build_model(input_shape):
    """Keras's cifar10_cnn network, compiled with RMSprop(lr=1e-4, decay=1e-6)."""
    from polykeras.layers import Activation, Conv2D, Dense, Dropout, Flatten, MaxPooling2D
    from polykeras.models import Sequential
    from polykeras.optimizers import RMSprop

    model = Sequential()
    model.add(Conv2D(32, (3, 3), padding="same", input_shape=input_shape))
    model.add(Activation("relu"))
    model.add(Conv2D(32, (3, 3)))
    model.add(Activation("relu"))
    model.add(MaxPooling2D(pool_size=(2, 2)))
    model.add(Dropout(0.25))

    model.add(Conv2D(64, (3, 3), padding="same"))
    model.add(Activation("relu"))
    model.add(Conv2D(64, (3, 3)))
    model.add(Activation("relu"))
    model.add(MaxPooling2D(pool_size=(2, 2)))
    model.add(Dropout(0.25))

    model.add(Flatten())
    model.add(Dense(512))
    model.add(Activation("relu"))
    model.add(Dropout(0.5))
    model.add(Dense(NUM_CLASSES))
    model.add(Activation("softmax"))
    model.compile(loss="categorical_crossentropy", optimizer=RMSprop(lr=0.0001, decay=1e-6),
                  metrics=["accuracy"])
    return model


def augmenting_generator():
    """Keras's script's augmentation: random shifts of up to 10% and horizontal flips; every
    other transformation off (spelled out, as the original does)."""
    from polykeras.preprocessing.image import ImageDataGenerator

    return ImageDataGenerator(
        featurewise_center=False,              # set the input mean to 0 over the dataset
        samplewise_center=False,               # set each sample's mean to 0
        featurewise_std_normalization=False,   # divide inputs by the dataset's std
        samplewise_std_normalization=False,    # divide each input by its std
        zca_whitening=False,
        zca_epsilon=1e-06,
        rotation_range=0,                      # random rotations (degrees)
        width_shift_range=0.1,                 # random horizontal shifts (fraction of width)
        height_shift_range=0.1,                # random vertical shifts (fraction of height)
        shear_range=0.,
        zoom_range=0.,
        channel_shift_range=0.,
        fill_mode="nearest",                   # how points outside the boundaries are filled
        cval=0.,                               # the fill value of fill_mode="constant"
        horizontal_flip=True,                  # random horizontal flips
        vertical_flip=False,
        rescale=None,
        preprocessing_function=None,
        data_format=None,                      # image_data_format()
        validation_split=0.0)


def main(argv=None):
    args = parse_args(argv)
    start(args)
    from polykeras.datasets import cifar10
    from polykeras.utils import to_categorical

    # CIFAR-10 (163 MB) from the Keras cache, downloaded on first use; offline without it,
    # run_script ends with the loader's message naming the URL and the cache path
    (x_train, y_train), (x_test, y_test) = (generated_cifar10() if args.smoke
                                            else cifar10.load_data())
    print("x_train shape:", x_train.shape)
    print(f"{len(x_train)} train samples, {len(x_test)} test samples")
    y_train = to_categorical(y_train, NUM_CLASSES)
    y_test = to_categorical(y_test, NUM_CLASSES)
    x_train = x_train.astype("float32") / 255
    x_test = x_test.astype("float32") / 255

    model = build_model(x_train.shape[1:])
    model.summary()
    if args.no_augmentation:
        print("Not using data augmentation.")
        model.fit(x_train, y_train, batch_size=args.batch_size, epochs=args.epochs,
                  verbose=args.verbose, validation_data=(x_test, y_test), shuffle=True)
    else:
        print("Using real-time data augmentation.")
        datagen = augmenting_generator()
        # the statistics of featurewise normalisation and ZCA whitening (off here, as in Keras's
        # script, which calls fit all the same)
        datagen.fit(x_train)
        model.fit_generator(datagen.flow(x_train, y_train, batch_size=args.batch_size,
                                         seed=args.seed),
                            epochs=args.epochs, verbose=args.verbose,
                            validation_data=(x_test, y_test), workers=4)

    with tempfile.TemporaryDirectory() as scratch:
        save_dir = args.output_dir or (scratch if args.smoke else
                                       os.path.join(os.getcwd(), "saved_models"))
        os.makedirs(save_dir, exist_ok=True)
        model_path = os.path.join(save_dir, MODEL_NAME)
        model.save(model_path)
        print(f"Saved trained model at {model_path}")

    test_loss, test_accuracy = model.evaluate(x_test, y_test, batch_size=args.batch_size,
                                              verbose=0)
    print(f"test_loss={test_loss:.4f}")
    print(f"test_accuracy={test_accuracy:.4f}")
    return test_accuracy


if __name__ == "__main__":
    run_script(main)
