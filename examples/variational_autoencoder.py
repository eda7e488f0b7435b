"""Demonstrates how to build a variational autoencoder (VAE) on MNIST, with a 2-D latent space.

    python examples/variational_autoencoder.py                     # MNIST from the Keras cache
    python examples/variational_autoencoder.py --backend jax --epochs 50 \\
        --data ../shared/datasets/mnist --output-dir vae_mlp

Keras 2.2.4's ``examples/variational_autoencoder.py`` (Kingma and Welling,
"Auto-Encoding Variational Bayes", https://arxiv.org/abs/1312.6114). Three
models share their layers: the encoder (784 -> Dense 512 relu -> the mean
and log-variance of q(z|x), 2 each -> z sampled by a ``Lambda`` layer with
the reparameterization trick), the decoder (z -> Dense 512 relu -> Dense 784
sigmoid) and the VAE (encoder then decoder). The loss, 784 x the per-pixel
binary cross-entropy (``--mse``: mean squared error) plus the KL divergence
of q(z|x) from N(0, I), is attached with ``add_loss``; the model compiles
with Adam and no ``loss`` argument and fits on the images alone (batch 128,
50 epochs, validated on the test images).

Like Keras's script it writes, into ``--output-dir`` (default ``vae_mlp``):
the three models' graphs (``vae_mlp_encoder.png``, ``vae_mlp_decoder.png``,
``vae_mlp.png``, drawn by ``plot_model``; with pydot but without Graphviz's
``dot`` program the DOT sources ``*.dot`` instead), the trained weights
(``vae_mlp_mnist.h5``; ``--weights FILE`` loads weights instead of
training), the test digits' latent means coloured by class (``vae_mean.png``)
and a 30 x 30 grid of digits decoded from z in [-4, 4]^2
(``digits_over_latent.png``). The figures are drawn with matplotlib's Agg
backend (no display needed; ``pip install polykeras[plot]``). It ends with
``test_loss=...``, the VAE loss on the test images.

``--data`` is a folder holding MNIST's IDX files or ``mnist.npz`` (a folder
with only the t10k files gives 8,000 training and 2,000 test images);
without it MNIST is downloaded once into the Keras cache. ``--smoke`` runs
in seconds: one epoch on 256 generated images of MNIST's form (or the first
256 of ``--data``), testing on 128, the figures at a fifth of their
resolution, every output written into a temporary folder that is removed
afterwards (unless ``--output-dir`` is given).
"""

import argparse
import os
import tempfile

import numpy as np

from _common import load_mnist, run_script, start  # examples/_common.py: backend, seeding, MNIST

from polykeras import backend as K

INTERMEDIATE_DIM = 512
LATENT_DIM = 2


def sampling(args):
    """Reparameterization trick: ``z = mean + exp(log_var / 2) * eps`` with eps ~ N(0, I).

    Sampling eps instead of z keeps z differentiable with respect to the
    mean and the log-variance. ``args``: ``[z_mean, z_log_var]``, each
    ``(batch, latent_dim)``; returns z of the same shape.
    """
    z_mean, z_log_var = args
    batch = K.shape(z_mean)[0]
    dim = K.int_shape(z_mean)[1]
    epsilon = K.random_normal(shape=(batch, dim))  # mean 0, stddev 1
    return z_mean + K.exp(0.5 * z_log_var) * epsilon


def build_models(original_dim):
    """``(encoder, decoder, vae, inputs, outputs, z_mean, z_log_var)``, built as in Keras.

    The encoder outputs ``[z_mean, z_log_var, z]``; the VAE decodes the
    sampled z.
    """
    from polykeras.layers import Dense, Input, Lambda
    from polykeras.models import Model

    inputs = Input(shape=(original_dim,), name="encoder_input")
    x = Dense(INTERMEDIATE_DIM, activation="relu")(inputs)
    z_mean = Dense(LATENT_DIM, name="z_mean")(x)
    z_log_var = Dense(LATENT_DIM, name="z_log_var")(x)
    z = Lambda(sampling, output_shape=(LATENT_DIM,), name="z")([z_mean, z_log_var])
    encoder = Model(inputs, [z_mean, z_log_var, z], name="encoder")

    latent_inputs = Input(shape=(LATENT_DIM,), name="z_sampling")
    x = Dense(INTERMEDIATE_DIM, activation="relu")(latent_inputs)
    decoded = Dense(original_dim, activation="sigmoid")(x)
    decoder = Model(latent_inputs, decoded, name="decoder")

    outputs = decoder(encoder(inputs)[2])
    vae = Model(inputs, outputs, name="vae_mlp")
    return encoder, decoder, vae, inputs, outputs, z_mean, z_log_var


def add_vae_loss(vae, inputs, outputs, z_mean, z_log_var, original_dim, use_mse=False):
    """Attach the negative ELBO: ``original_dim`` x reconstruction loss + KL(q(z|x) || N(0, I))."""
    from polykeras.losses import binary_crossentropy, mse

    if use_mse:
        reconstruction_loss = mse(inputs, outputs)
    else:
        reconstruction_loss = binary_crossentropy(inputs, outputs)
    reconstruction_loss *= original_dim
    kl_loss = 1 + z_log_var - K.square(z_mean) - K.exp(z_log_var)
    kl_loss = K.sum(kl_loss, axis=-1)
    kl_loss *= -0.5
    vae.add_loss(K.mean(reconstruction_loss + kl_loss))


def plot_graph(model, path):
    """``plot_model(model, path, show_shapes=True)``; the DOT source when Graphviz is missing.

    Returns the file written, or None (pydot missing: nothing to draw with).
    """
    from polykeras.utils import plot_model

    try:
        plot_model(model, to_file=path, show_shapes=True)
        return path
    except ImportError as error:
        print(f"Not drawing {os.path.basename(path)}: {error}")
        return None
    except OSError:  # pydot is there, Graphviz's dot is not: keep the graph as DOT source
        dot_path = os.path.splitext(path)[0] + ".dot"
        plot_model(model, to_file=dot_path, show_shapes=True)
        print(f"Graphviz's dot program not found: wrote the DOT source {dot_path} instead")
        return dot_path


def latent_grid(decoder, n=30, digit_size=28, limit=4.0):
    """The ``n x n`` digits decoded from z on a regular grid of ``[-limit, limit]^2``.

    Returns ``(figure, grid_x, grid_y)``: a ``(n * digit_size, n * digit_size)``
    image whose row i, column j holds the digit of ``z = (grid_x[j], grid_y[i])``
    (``grid_y`` runs from +limit down, so z[1] grows upwards), and the grids.
    Keras's script calls ``decoder.predict`` once per digit; one batch of
    all ``n * n`` gives the same figure.
    """
    grid_x = np.linspace(-limit, limit, n)
    grid_y = np.linspace(-limit, limit, n)[::-1]
    z_samples = np.array([[xi, yi] for yi in grid_y for xi in grid_x], dtype="float32")
    digits = decoder.predict(z_samples, batch_size=len(z_samples))
    digits = digits.reshape(n, n, digit_size, digit_size)
    figure = digits.transpose(0, 2, 1, 3).reshape(n * digit_size, n * digit_size)
    return figure, grid_x, grid_y


def plot_results(encoder, decoder, x_test, y_test, output_dir, batch_size=128, dpi=None):
    """Write ``vae_mean.png`` (latent means of the test digits) and ``digits_over_latent.png``.

    ``dpi``: the images' resolution (None: matplotlib's default, 100 dots per
    inch of the 12 x 10 and 10 x 10 inch figures).

    The arrays are computed even without matplotlib (the generation path
    runs); only the drawing is skipped then. Returns the files written.
    """
    z_mean, _, _ = encoder.predict(x_test, batch_size=batch_size)
    digit_size = 28
    n = 30
    figure, grid_x, grid_y = latent_grid(decoder, n=n, digit_size=digit_size)
    try:
        import matplotlib
    except ImportError:
        print("matplotlib is not installed (pip install polykeras[plot]): no figures written")
        return []
    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt

    written = []
    filename = os.path.join(output_dir, "vae_mean.png")
    fig = plt.figure(figsize=(12, 10))
    plt.scatter(z_mean[:, 0], z_mean[:, 1], c=y_test)
    plt.colorbar()
    plt.xlabel("z[0]")
    plt.ylabel("z[1]")
    fig.savefig(filename, dpi=dpi)
    plt.close(fig)
    written.append(filename)

    filename = os.path.join(output_dir, "digits_over_latent.png")
    fig = plt.figure(figsize=(10, 10))
    start_range = digit_size // 2
    end_range = n * digit_size + start_range
    pixel_range = np.arange(start_range, end_range, digit_size)
    plt.xticks(pixel_range, np.round(grid_x, 1))
    plt.yticks(pixel_range, np.round(grid_y, 1))
    plt.xlabel("z[0]")
    plt.ylabel("z[1]")
    plt.imshow(figure, cmap="Greys_r")
    fig.savefig(filename, dpi=dpi)
    plt.close(fig)
    written.append(filename)
    return written


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("numpy", "torch", "jax"),
                        help="backend to run on (default: KERAS_BACKEND or keras.json)")
    parser.add_argument("--epochs", type=int, default=None, help="training epochs (default 50)")
    parser.add_argument("--data", help="folder with MNIST's IDX files or mnist.npz "
                                       "(default: download into the Keras cache)")
    parser.add_argument("-w", "--weights", help="load these trained weights (HDF5) instead of "
                                                "training")
    parser.add_argument("-m", "--mse", action="store_true",
                        help="use mean squared error instead of binary cross-entropy")
    parser.add_argument("--output-dir", help="folder for the graphs, weights and figures "
                                             "(default vae_mlp; with --smoke a temporary one)")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--seed", type=int, default=1234,
                        help="seed of the initial weights, the sampling and shuffling")
    parser.add_argument("--verbose", type=int, default=1, choices=(0, 1, 2),
                        help="fit's verbosity: 0 silent, 1 progress bar, 2 one line per epoch")
    parser.add_argument("--smoke", action="store_true",
                        help="a few seconds: 256 images (generated unless --data), 1 epoch, "
                             "outputs in a temporary folder")
    args = parser.parse_args(argv)
    if args.epochs is None:
        args.epochs = 1 if args.smoke else 50
    if args.epochs < 1:
        parser.error(f"--epochs must be >= 1, got {args.epochs}")
    return args


def run(args, output_dir):
    (x_train, _), (x_test, y_test) = load_mnist(args.data, args.smoke, 256, 128)
    original_dim = x_train.shape[1] * x_train.shape[2]
    x_train = x_train.reshape(-1, original_dim).astype("float32") / 255
    x_test = x_test.reshape(-1, original_dim).astype("float32") / 255
    print(f"{len(x_train)} train samples, {len(x_test)} test samples")

    encoder, decoder, vae, inputs, outputs, z_mean, z_log_var = build_models(original_dim)
    encoder.summary()
    written = [plot_graph(encoder, os.path.join(output_dir, "vae_mlp_encoder.png"))]
    decoder.summary()
    written.append(plot_graph(decoder, os.path.join(output_dir, "vae_mlp_decoder.png")))

    add_vae_loss(vae, inputs, outputs, z_mean, z_log_var, original_dim, use_mse=args.mse)
    vae.compile(optimizer="adam")
    vae.summary()
    written.append(plot_graph(vae, os.path.join(output_dir, "vae_mlp.png")))

    if args.weights:
        vae.load_weights(args.weights)
        print(f"Loaded the weights of {args.weights}")
    else:
        vae.fit(x_train, epochs=args.epochs, batch_size=args.batch_size, verbose=args.verbose,
                validation_data=(x_test, None))
        weights = os.path.join(output_dir, "vae_mlp_mnist.h5")
        vae.save_weights(weights)
        written.append(weights)

    test_loss = vae.evaluate(x_test, None, batch_size=args.batch_size, verbose=0)
    written += plot_results(encoder, decoder, x_test, y_test, output_dir,
                            batch_size=args.batch_size, dpi=20 if args.smoke else None)
    print("Wrote " + ", ".join(os.path.basename(f) for f in written if f) + f" into {output_dir}")
    print(f"test_loss={test_loss:.4f}")
    return test_loss


def main(argv=None):
    args = parse_args(argv)
    start(args)
    if args.output_dir or not args.smoke:
        output_dir = args.output_dir or "vae_mlp"
        os.makedirs(output_dir, exist_ok=True)
        return run(args, output_dir)
    with tempfile.TemporaryDirectory(prefix="vae_mlp_") as output_dir:
        return run(args, output_dir)


if __name__ == "__main__":
    run_script(main)
