"""Keras's variational_autoencoder_deconv example: a convolutional VAE on MNIST.

    python examples/variational_autoencoder_deconv.py                 # MNIST from the cache
    python examples/variational_autoencoder_deconv.py --backend jax --data ../shared/datasets/mnist
    python examples/variational_autoencoder_deconv.py --weights vae_cnn/vae_cnn_mnist.h5

The encoder, decoder and VAE are three models sharing weights (Keras 2.2.4's script, after
Kingma and Welling, "Auto-Encoding Variational Bayes", https://arxiv.org/abs/1312.6114):

* encoder: 28x28x1 -> Conv2D 32 3x3 stride 2 relu -> Conv2D 64 3x3 stride 2 relu -> Flatten
  -> Dense 16 relu -> (z_mean, z_log_var), each Dense 2, and z sampled from them by the
  reparameterization trick (a ``Lambda`` layer drawing ``K.random_normal``);
* decoder: z -> Dense 7*7*64 relu -> Reshape -> Conv2DTranspose 64 3x3 stride 2 relu ->
  Conv2DTranspose 32 3x3 stride 2 relu -> Conv2DTranspose 1 3x3 sigmoid;
* loss, added with ``add_loss``: 784 * binary cross-entropy of the flattened images (mean
  squared error with ``--mse``) plus the KL divergence from the unit Gaussian; RMSprop, batch
  128, 30 epochs.

After training it saves the weights (``vae_cnn_mnist.h5``) and two figures into
``--output-dir`` (default ``./vae_cnn``): ``vae_mean.png``, the test digits' latent means
coloured by class, and ``digits_over_latent.png``, the digits decoded from a 30x30 grid of
latent points in [-4, 4]^2 (decoded in one ``predict`` call rather than Keras's 900), plus the
three models' graphs when pydot is installed (``.png`` with Graphviz, ``.dot`` without).
Figures are written with matplotlib's Agg backend, never shown. It ends with the line
``test_loss=X.XXXX`` (the VAE loss on the test images).

``--data`` is a folder holding MNIST's IDX files or ``mnist.npz`` (a folder with only the
official test set gives its first 8,000 images for training and the last 2,000 for testing);
without it, MNIST is downloaded once into ``~/.keras/datasets``. ``--smoke`` runs in seconds:
one epoch on 128 generated images of MNIST's shape (or the first 128 of ``--data``), testing
on 64, a 4x4 latent grid, output into a temporary folder unless ``--output-dir`` is given.
"""

import argparse
import os
import tempfile

import numpy as np
from _common import load_mnist, run_script, start  # examples/_common.py: set-up, MNIST

IMAGE_SIZE = 28
KERNEL_SIZE = 3
FIRST_FILTERS = 16   # doubled before each encoder convolution: 32, then 64
LATENT_DIM = 2


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("numpy", "torch", "jax"),
                        help="backend to run on (default: KERAS_BACKEND or keras.json)")
    parser.add_argument("--epochs", type=int, default=None, help="training epochs (default 30)")
    parser.add_argument("--data", help="folder with MNIST's IDX files or mnist.npz "
                                       "(default: download into the Keras cache)")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("-w", "--weights", help="load these trained weights (an .h5 file "
                                                "this script saved) instead of training")
    parser.add_argument("-m", "--mse", action="store_true",
                        help="mean squared error as reconstruction loss instead of binary "
                             "cross-entropy")
    parser.add_argument("--output-dir", default=None,
                        help="where weights and figures go (default ./vae_cnn; with --smoke a "
                             "temporary folder)")
    parser.add_argument("--seed", type=int, default=1234,
                        help="seed of the initial weights and of the latent samples")
    parser.add_argument("--verbose", type=int, default=2, choices=(0, 1, 2),
                        help="fit's verbosity: 0 silent, 1 progress bar, 2 one line per epoch")
    parser.add_argument("--smoke", action="store_true",
                        help="a few seconds: 128 images (generated unless --data), 1 epoch")
    args = parser.parse_args(argv)
    if args.epochs is None:
        args.epochs = 1 if args.smoke else 30
    if args.epochs < 1:
        parser.error(f"--epochs must be >= 1, got {args.epochs}")
    return args


def sampling(args):
    """The reparameterization trick: ``z = z_mean + exp(z_log_var / 2) * epsilon`` with
    ``epsilon`` drawn from the unit Gaussian, so that the sample is differentiable in the
    mean and the variance."""
    from polykeras import backend as K

    z_mean, z_log_var = args
    batch = K.shape(z_mean)[0]
    dim = K.int_shape(z_mean)[1]
    epsilon = K.random_normal(shape=(batch, dim))
    return z_mean + K.exp(0.5 * z_log_var) * epsilon


def build_models(use_mse=False):
    """``(encoder, decoder, vae)``; the VAE is compiled with its loss added by ``add_loss``."""
    from polykeras import backend as K
    from polykeras.layers import Conv2D, Conv2DTranspose, Dense, Flatten, Input, Lambda, Reshape
    from polykeras.losses import binary_crossentropy, mse
    from polykeras.models import Model

    inputs = Input(shape=(IMAGE_SIZE, IMAGE_SIZE, 1), name="encoder_input")
    x = inputs
    filters = FIRST_FILTERS
    for _ in range(2):
        filters *= 2
        x = Conv2D(filters=filters, kernel_size=KERNEL_SIZE, activation="relu", strides=2,
                   padding="same")(x)
    shape = K.int_shape(x)  # what the decoder must rebuild: (None, 7, 7, 64)

    x = Flatten()(x)
    x = Dense(16, activation="relu")(x)
    z_mean = Dense(LATENT_DIM, name="z_mean")(x)
    z_log_var = Dense(LATENT_DIM, name="z_log_var")(x)
    z = Lambda(sampling, output_shape=(LATENT_DIM,), name="z")([z_mean, z_log_var])
    encoder = Model(inputs, [z_mean, z_log_var, z], name="encoder")

    latent_inputs = Input(shape=(LATENT_DIM,), name="z_sampling")
    x = Dense(shape[1] * shape[2] * shape[3], activation="relu")(latent_inputs)
    x = Reshape((shape[1], shape[2], shape[3]))(x)
    for _ in range(2):
        x = Conv2DTranspose(filters=filters, kernel_size=KERNEL_SIZE, activation="relu",
                            strides=2, padding="same")(x)
        filters //= 2
    outputs = Conv2DTranspose(filters=1, kernel_size=KERNEL_SIZE, activation="sigmoid",
                              padding="same", name="decoder_output")(x)
    decoder = Model(latent_inputs, outputs, name="decoder")

    outputs = decoder(encoder(inputs)[2])
    vae = Model(inputs, outputs, name="vae")

    reconstruction = mse if use_mse else binary_crossentropy
    reconstruction_loss = reconstruction(K.flatten(inputs), K.flatten(outputs))
    reconstruction_loss *= IMAGE_SIZE * IMAGE_SIZE
    kl_loss = 1 + z_log_var - K.square(z_mean) - K.exp(z_log_var)
    kl_loss = K.sum(kl_loss, axis=-1)
    kl_loss *= -0.5
    vae.add_loss(K.mean(reconstruction_loss + kl_loss))
    vae.compile(optimizer="rmsprop")
    return encoder, decoder, vae


def save_graph(model, folder):
    """The model's graph as PNG (pydot and Graphviz), else as DOT source (pydot only)."""
    from polykeras.utils import plot_model

    path = os.path.join(folder, f"vae_cnn_{model.name}.png")
    try:
        plot_model(model, to_file=path, show_shapes=True)
    except ImportError:
        print(f"pydot is not installed: no graph of the {model.name}")
        return
    except OSError:  # no Graphviz: the DOT source needs none
        path = path[:-len(".png")] + ".dot"
        plot_model(model, to_file=path, show_shapes=True)
    print(f"Saved the {model.name}'s graph at {path}")


def plot_results(encoder, decoder, x_test, y_test, folder, batch_size, grid_size):
    """The latent means of the test digits by class, and the digits decoded over a
    ``grid_size`` x ``grid_size`` grid of latent points; returns the two file paths."""
    try:
        import matplotlib
    except ImportError:
        raise SystemExit("variational_autoencoder_deconv: the figures need matplotlib: "
                         "pip install matplotlib (or polykeras[plot])") from None
    matplotlib.use("Agg")  # files only, no window
    import matplotlib.pyplot as plt

    means_path = os.path.join(folder, "vae_mean.png")
    z_mean, _, _ = encoder.predict(x_test, batch_size=batch_size)
    plt.figure(figsize=(12, 10))
    plt.scatter(z_mean[:, 0], z_mean[:, 1], c=y_test)
    plt.colorbar()
    plt.xlabel("z[0]")
    plt.ylabel("z[1]")
    plt.savefig(means_path)
    plt.close()

    digits_path = os.path.join(folder, "digits_over_latent.png")
    grid_x = np.linspace(-4, 4, grid_size)
    grid_y = np.linspace(-4, 4, grid_size)[::-1]
    # row i holds latent y = grid_y[i], column j latent x = grid_x[j]
    z_grid = np.stack(np.meshgrid(grid_x, grid_y), axis=-1).reshape(-1, LATENT_DIM)
    decoded = decoder.predict(z_grid.astype("float32"), batch_size=len(z_grid))
    figure = (decoded.reshape(grid_size, grid_size, IMAGE_SIZE, IMAGE_SIZE)
              .transpose(0, 2, 1, 3).reshape(grid_size * IMAGE_SIZE, grid_size * IMAGE_SIZE))
    plt.figure(figsize=(10, 10))
    start = IMAGE_SIZE // 2
    ticks = np.arange(start, grid_size * IMAGE_SIZE + start + 1, IMAGE_SIZE)[:grid_size]
    plt.xticks(ticks, np.round(grid_x, 1))
    plt.yticks(ticks, np.round(grid_y, 1))
    plt.xlabel("z[0]")
    plt.ylabel("z[1]")
    plt.imshow(figure, cmap="Greys_r")
    plt.savefig(digits_path)
    plt.close()
    return means_path, digits_path


def main(argv=None):
    args = parse_args(argv)
    start(args)
    (x_train, _), (x_test, y_test) = load_mnist(args.data, args.smoke, n_train=128, n_test=64)
    x_train = x_train.reshape(-1, IMAGE_SIZE, IMAGE_SIZE, 1).astype("float32") / 255
    x_test = x_test.reshape(-1, IMAGE_SIZE, IMAGE_SIZE, 1).astype("float32") / 255
    print(f"{len(x_train)} train samples, {len(x_test)} test samples")

    encoder, decoder, vae = build_models(args.mse)
    for model in (encoder, decoder, vae):
        model.summary()

    with tempfile.TemporaryDirectory() as scratch:
        folder = args.output_dir or (scratch if args.smoke else os.path.join(os.getcwd(),
                                                                             "vae_cnn"))
        os.makedirs(folder, exist_ok=True)
        for model in (encoder, decoder, vae):
            save_graph(model, folder)
        if args.weights:
            vae.load_weights(args.weights)
        else:
            vae.fit(x_train, epochs=args.epochs, batch_size=args.batch_size,
                    verbose=args.verbose, validation_data=(x_test, None))
            weights_path = os.path.join(folder, "vae_cnn_mnist.h5")
            vae.save_weights(weights_path)
            print(f"Saved the weights at {weights_path}")
        paths = plot_results(encoder, decoder, x_test, y_test, folder, args.batch_size,
                             grid_size=4 if args.smoke else 30)
        print(f"Saved the figures at {', '.join(paths)}")
    test_loss = vae.evaluate(x_test, None, batch_size=args.batch_size, verbose=0)
    print(f"test_loss={float(test_loss):.4f}")
    return float(test_loss)


if __name__ == "__main__":
    run_script(main)
