"""Keras's mnist_acgan example: an Auxiliary Classifier GAN generating MNIST digits of a
chosen class.

    python examples/mnist_acgan.py                            # MNIST from the Keras cache
    python examples/mnist_acgan.py --backend torch --epochs 5 --data ../shared/datasets/mnist

An ACGAN (Odena et al., https://arxiv.org/abs/1610.09585), as Keras 2.2.4's script builds and
trains it:

* generator: the hadamard product of a latent vector (100 values in [-1, 1]) and a learned
  embedding of the wanted class -> Dense 3*3*384 relu -> Reshape -> Conv2DTranspose 192 5x5
  (to 7x7) relu -> BatchNormalization -> Conv2DTranspose 96 5x5 stride 2 (to 14x14) relu ->
  BatchNormalization -> Conv2DTranspose 1 5x5 stride 2 (to 28x28) tanh;
* discriminator: four Conv2D 3x3 (32 stride 2, 64, 128 stride 2, 256), each followed by
  LeakyReLU(0.2) and Dropout(0.3), then two heads: real/fake (sigmoid, binary cross-entropy)
  and the digit's class (softmax, sparse categorical cross-entropy);
* training, per batch of 100 real images: the discriminator on real and generated images with
  one-sided soft labels (0.95 for real, 0 for fake), its class head weighted 2 on real images
  and 0 on generated ones; then the generator, through the combined model whose discriminator
  is frozen, on 200 latent vectors labelled real. Adam (lr 2e-4, beta_1 0.5), 100 epochs.

Each epoch it prints the train and test losses of both networks, saves both networks'
weights (``params_generator_epoch_NNN.hdf5``, ``params_discriminator_epoch_NNN.hdf5``) and a
picture (``plot_epoch_NNN_generated.png``: generated digits, one column per class, a white
column, then real digits sorted by class) into ``--output-dir`` (default: the current
folder), and at the end the loss history (``acgan-history.pkl``). Keras's script notes that
digits look reasonable after about 5 epochs and good after about 15, on the full MNIST. It
ends with the line ``generator_test_loss=X.XXXX discriminator_test_loss=X.XXXX``.

``--data`` is a folder holding MNIST's IDX files or ``mnist.npz`` (a folder with only the
official test set gives its first 8,000 images for training and the last 2,000 for testing);
without it, MNIST is downloaded once into ``~/.keras/datasets``. ``--smoke`` runs one short
epoch: two batches of 10 images (generated unless ``--data``), tested on 10, a picture of
one digit per class, output into a temporary folder unless ``--output-dir`` is given.
"""

import argparse
import os
import pickle
import tempfile
from collections import defaultdict

import numpy as np
from _common import load_mnist, run_script, start  # examples/_common.py: set-up, MNIST

NUM_CLASSES = 10
LATENT_SIZE = 100       # from the paper
ADAM_LR, ADAM_BETA_1 = 0.0002, 0.5   # suggested by https://arxiv.org/abs/1511.06434
SOFT_ZERO, SOFT_ONE = 0.0, 0.95      # one-sided soft labels (Salimans et al., 2016, sec. 3.4)
SMOKE_BATCH = 10   # --smoke: two batches of 10, and a picture of 1 digit per class (10 again,
                   # so that JAX compiles the generator for one batch size)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("numpy", "torch", "jax"),
                        help="backend to run on (default: KERAS_BACKEND or keras.json)")
    parser.add_argument("--epochs", type=int, default=None, help="training epochs (default 100)")
    parser.add_argument("--data", help="folder with MNIST's IDX files or mnist.npz "
                                       "(default: download into the Keras cache)")
    parser.add_argument("--batch-size", type=int, default=None,
                        help="images per batch (default 100; 10 with --smoke)")
    parser.add_argument("--output-dir", default=None,
                        help="where weights, pictures and history go (default: the current "
                             "folder; with --smoke a temporary folder)")
    parser.add_argument("--seed", type=int, default=1337,
                        help="seed of the initial weights, dropout, noise and sampled classes")
    parser.add_argument("--verbose", type=int, default=1, choices=(0, 1),
                        help="1: a progress bar per epoch; 0: the epoch reports only")
    parser.add_argument("--smoke", action="store_true",
                        help="one short epoch: 20 images (generated unless --data)")
    args = parser.parse_args(argv)
    if args.epochs is None:
        args.epochs = 1 if args.smoke else 100
    if args.batch_size is None:
        args.batch_size = SMOKE_BATCH if args.smoke else 100
    if args.epochs < 1:
        parser.error(f"--epochs must be >= 1, got {args.epochs}")
    if args.batch_size < 1:
        parser.error(f"--batch-size must be >= 1, got {args.batch_size}")
    return args


def build_generator(latent_size):
    """(latent vector, class) -> 28x28x1 image in [-1, 1]."""
    from polykeras import layers
    from polykeras.layers import (
        BatchNormalization,
        Conv2DTranspose,
        Dense,
        Embedding,
        Flatten,
        Input,
        Reshape,
    )
    from polykeras.models import Model, Sequential

    cnn = Sequential()
    cnn.add(Dense(3 * 3 * 384, input_dim=latent_size, activation="relu"))
    cnn.add(Reshape((3, 3, 384)))
    # upsample to (7, 7, ...)
    cnn.add(Conv2DTranspose(192, 5, strides=1, padding="valid", activation="relu",
                            kernel_initializer="glorot_normal"))
    cnn.add(BatchNormalization())
    # upsample to (14, 14, ...)
    cnn.add(Conv2DTranspose(96, 5, strides=2, padding="same", activation="relu",
                            kernel_initializer="glorot_normal"))
    cnn.add(BatchNormalization())
    # upsample to (28, 28, ...)
    cnn.add(Conv2DTranspose(1, 5, strides=2, padding="same", activation="tanh",
                            kernel_initializer="glorot_normal"))

    latent = Input(shape=(latent_size,))               # the "z space" of GAN papers
    image_class = Input(shape=(1,), dtype="int32")     # the class to draw
    cls = Flatten()(Embedding(NUM_CLASSES, latent_size,
                              embeddings_initializer="glorot_normal")(image_class))
    h = layers.multiply([latent, cls])                 # class-conditional latent vector
    fake_image = cnn(h)
    return Model([latent, image_class], fake_image)


def build_discriminator():
    """28x28x1 image -> (probability that it is real, class probabilities)."""
    from polykeras.layers import Conv2D, Dense, Dropout, Flatten, Input, LeakyReLU
    from polykeras.models import Model, Sequential

    cnn = Sequential()
    cnn.add(Conv2D(32, 3, padding="same", strides=2, input_shape=(28, 28, 1)))
    cnn.add(LeakyReLU(0.2))
    cnn.add(Dropout(0.3))
    cnn.add(Conv2D(64, 3, padding="same", strides=1))
    cnn.add(LeakyReLU(0.2))
    cnn.add(Dropout(0.3))
    cnn.add(Conv2D(128, 3, padding="same", strides=2))
    cnn.add(LeakyReLU(0.2))
    cnn.add(Dropout(0.3))
    cnn.add(Conv2D(256, 3, padding="same", strides=1))
    cnn.add(LeakyReLU(0.2))
    cnn.add(Dropout(0.3))
    cnn.add(Flatten())

    image = Input(shape=(28, 28, 1))
    features = cnn(image)
    fake = Dense(1, activation="sigmoid", name="generation")(features)
    aux = Dense(NUM_CLASSES, activation="softmax", name="auxiliary")(features)
    return Model(image, [fake, aux])


def build_models():
    """``(generator, discriminator, combined)``: the discriminator compiled to train itself,
    the combined model (generator -> frozen discriminator) compiled to train the generator."""
    from polykeras.layers import Input
    from polykeras.models import Model
    from polykeras.optimizers import Adam

    losses = ["binary_crossentropy", "sparse_categorical_crossentropy"]
    print("Discriminator model:")
    discriminator = build_discriminator()
    discriminator.compile(optimizer=Adam(lr=ADAM_LR, beta_1=ADAM_BETA_1), loss=losses)
    discriminator.summary()

    generator = build_generator(LATENT_SIZE)
    latent = Input(shape=(LATENT_SIZE,))
    image_class = Input(shape=(1,), dtype="int32")
    fake = generator([latent, image_class])
    # only the generator learns in the combined model (the discriminator was compiled above,
    # with its weights trainable, and keeps training through its own train_on_batch)
    discriminator.trainable = False
    fake, aux = discriminator(fake)
    combined = Model([latent, image_class], [fake, aux])
    print("Combined model:")
    combined.compile(optimizer=Adam(lr=ADAM_LR, beta_1=ADAM_BETA_1), loss=losses)
    combined.summary()
    return generator, discriminator, combined


def train_epoch(generator, discriminator, combined, x_train, y_train, batch_size, rng,
                verbose):
    """One pass over the training images; returns the mean train losses of
    ``(generator, discriminator)``, each ``[total, generation, auxiliary]``."""
    from polykeras.utils.generic_utils import Progbar

    num_batches = int(np.ceil(len(x_train) / float(batch_size)))
    progress_bar = Progbar(target=num_batches) if verbose else None
    gen_losses, disc_losses = [], []
    for index in range(num_batches):
        image_batch = x_train[index * batch_size:(index + 1) * batch_size]
        label_batch = y_train[index * batch_size:(index + 1) * batch_size]
        n = len(image_batch)

        # generated images of sampled classes, the classes fed as length-1 sequences
        noise = rng.uniform(-1, 1, (n, LATENT_SIZE)).astype("float32")
        sampled_labels = rng.integers(0, NUM_CLASSES, n)
        generated_images = generator.predict([noise, sampled_labels.reshape((-1, 1))],
                                             batch_size=n, verbose=0)
        x = np.concatenate((image_batch, generated_images))
        y = np.array([SOFT_ONE] * n + [SOFT_ZERO] * n, dtype="float32")
        aux_y = np.concatenate((label_batch, sampled_labels), axis=0)
        # the discriminator is not trained to classify generated images
        # (https://openreview.net/forum?id=rJXTf9Bxg); real images weigh 2 in the class
        # loss, which keeps the sum of its sample weights
        disc_sample_weight = [np.ones(2 * n), np.concatenate((np.ones(n) * 2, np.zeros(n)))]
        disc_losses.append(discriminator.train_on_batch(x, [y, aux_y],
                                                        sample_weight=disc_sample_weight))

        # the generator, on as many images as the discriminator saw, all labelled real
        noise = rng.uniform(-1, 1, (2 * n, LATENT_SIZE)).astype("float32")
        sampled_labels = rng.integers(0, NUM_CLASSES, 2 * n)
        trick = np.ones(2 * n, dtype="float32") * SOFT_ONE
        gen_losses.append(combined.train_on_batch(
            [noise, sampled_labels.reshape((-1, 1))], [trick, sampled_labels]))
        if progress_bar is not None:
            progress_bar.update(index + 1)
    return np.mean(np.array(gen_losses), axis=0), np.mean(np.array(disc_losses), axis=0)


def test_losses(generator, discriminator, combined, x_test, y_test, batch_size, rng):
    """The test losses of ``(generator, discriminator)`` on fresh latent samples."""
    num_test = len(x_test)
    noise = rng.uniform(-1, 1, (num_test, LATENT_SIZE)).astype("float32")
    sampled_labels = rng.integers(0, NUM_CLASSES, num_test)
    generated_images = generator.predict([noise, sampled_labels.reshape((-1, 1))],
                                         batch_size=batch_size, verbose=0)
    x = np.concatenate((x_test, generated_images))
    y = np.array([1] * num_test + [0] * num_test, dtype="float32")
    aux_y = np.concatenate((y_test, sampled_labels), axis=0)
    discriminator_loss = discriminator.evaluate(x, [y, aux_y], batch_size=batch_size,
                                                verbose=0)

    noise = rng.uniform(-1, 1, (2 * num_test, LATENT_SIZE)).astype("float32")
    sampled_labels = rng.integers(0, NUM_CLASSES, 2 * num_test)
    trick = np.ones(2 * num_test, dtype="float32")
    generator_loss = combined.evaluate([noise, sampled_labels.reshape((-1, 1))],
                                       [trick, sampled_labels], batch_size=batch_size,
                                       verbose=0)
    return np.asarray(generator_loss), np.asarray(discriminator_loss)


def save_picture(generator, x_train, y_train, epoch, num_rows, path, rng):
    """``num_rows`` generated digits of each class (a column per class), a white column, then
    the real training digits of this epoch's slice sorted by class, as one PNG."""
    try:
        from PIL import Image
    except ImportError:
        raise SystemExit("mnist_acgan: the pictures need Pillow: pip install Pillow "
                         "(or polykeras[image])") from None
    count = num_rows * NUM_CLASSES
    noise = np.tile(rng.uniform(-1, 1, (num_rows, LATENT_SIZE)), (NUM_CLASSES, 1))
    sampled_labels = np.repeat(np.arange(NUM_CLASSES), num_rows).reshape(-1, 1)
    generated_images = generator.predict([noise.astype("float32"), sampled_labels],
                                         batch_size=count, verbose=0)
    # this epoch's slice of the training set (wrapping around a small one)
    index = np.arange((epoch - 1) * count, epoch * count) % len(x_train)
    real_images = x_train[index][np.argsort(y_train[index], kind="stable")]
    img = np.concatenate((generated_images,
                          np.repeat(np.ones_like(x_train[:1]), num_rows, axis=0),
                          real_images))
    columns = np.split(img, 2 * NUM_CLASSES + 1)
    img = np.concatenate([column.reshape(-1, 28) for column in columns], axis=-1)
    Image.fromarray((img * 127.5 + 127.5).clip(0, 255).astype(np.uint8)).save(path)


def main(argv=None):
    args = parse_args(argv)
    start(args)
    rng = np.random.default_rng(args.seed)
    generator, discriminator, combined = build_models()

    # MNIST as (..., 28, 28, 1) in [-1, 1]
    (x_train, y_train), (x_test, y_test) = load_mnist(
        args.data, args.smoke, n_train=2 * args.batch_size, n_test=args.batch_size)
    x_train = np.expand_dims((x_train.astype(np.float32) - 127.5) / 127.5, axis=-1)
    x_test = np.expand_dims((x_test.astype(np.float32) - 127.5) / 127.5, axis=-1)
    print(f"{len(x_train)} train samples, {len(x_test)} test samples")

    train_history, test_history = defaultdict(list), defaultdict(list)
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.output_dir or (scratch if args.smoke else os.getcwd())
        os.makedirs(folder, exist_ok=True)
        for epoch in range(1, args.epochs + 1):
            print(f"Epoch {epoch}/{args.epochs}")
            generator_train, discriminator_train = train_epoch(
                generator, discriminator, combined, x_train, y_train, args.batch_size, rng,
                args.verbose)
            print(f"Testing for epoch {epoch}:")
            generator_test, discriminator_test = test_losses(
                generator, discriminator, combined, x_test, y_test, args.batch_size, rng)
            train_history["generator"].append(generator_train)
            train_history["discriminator"].append(discriminator_train)
            test_history["generator"].append(generator_test)
            test_history["discriminator"].append(discriminator_test)

            print("{0:<22s} | {1:4s} | {2:15s} | {3:5s}".format(
                "component", *discriminator.metrics_names))
            print("-" * 65)
            row = "{0:<22s} | {1:<4.2f} | {2:<15.4f} | {3:<5.4f}"
            print(row.format("generator (train)", *generator_train))
            print(row.format("generator (test)", *generator_test))
            print(row.format("discriminator (train)", *discriminator_train))
            print(row.format("discriminator (test)", *discriminator_test))

            generator.save_weights(
                os.path.join(folder, f"params_generator_epoch_{epoch:03d}.hdf5"), True)
            discriminator.save_weights(
                os.path.join(folder, f"params_discriminator_epoch_{epoch:03d}.hdf5"), True)
            picture = os.path.join(folder, f"plot_epoch_{epoch:03d}_generated.png")
            save_picture(generator, x_train, y_train, epoch,
                         SMOKE_BATCH // NUM_CLASSES if args.smoke else 40, picture, rng)
            print(f"Saved the weights and {picture}")

        with open(os.path.join(folder, "acgan-history.pkl"), "wb") as f:
            pickle.dump({"train": dict(train_history), "test": dict(test_history)}, f)
    print(f"generator_test_loss={float(generator_test[0]):.4f} "
          f"discriminator_test_loss={float(discriminator_test[0]):.4f}")
    return float(generator_test[0]), float(discriminator_test[0])


if __name__ == "__main__":
    run_script(main)
