"""A convolutional LSTM network predicting the next frames of generated movies of moving squares.

    python examples/conv_lstm.py                           # Keras's 300 epochs
    python examples/conv_lstm.py --backend jax --epochs 20 --output-dir conv_lstm

Keras 2.2.4's ``examples/conv_lstm.py``. The model maps a movie of frames
(frames, 40, 40, 1) to a movie of the same shape: four ``ConvLSTM2D`` layers
(40 filters of 3 x 3, ``padding='same'``, ``return_sequences=True``), each
followed by ``BatchNormalization``, then a ``Conv3D`` of one 3 x 3 x 3 filter
with a sigmoid; binary cross-entropy, Adadelta. The data: 1,200 generated
movies of 15 frames with 3 to 7 squares (2 to 3 pixels from their centre)
moving in straight lines, with noise around them; the target of each frame
is the next frame without noise. It trains on the first 1,000 movies (batch
10, 300 epochs, 5% held out for validation), then feeds the first 7 frames
of movie 1,004 and predicts 16 more, one at a time, each prediction's last
frame appended to the input of the next. As Keras's script does, it draws
the predicted track next to the ground truth, one figure per frame
(``1_animate.png`` ... ``15_animate.png``, matplotlib's Agg backend) into
``--output-dir`` (default ``conv_lstm``; Keras writes into the working
folder).

It ends with ``test_loss=X.XXXX``: the binary cross-entropy of the model's
one-frame-ahead predictions on the 200 movies it did not train on (Keras's
script prints only ``fit``'s losses). ``--smoke`` runs in seconds on the same
code with smaller shapes: 22 movies of 4 frames of 16 x 16 pixels, 8 filters
per ConvLSTM2D, one epoch on 20 movies (batch 10, so 19 train and 1
validates), 2 seed frames and 2 predicted ones, figures at a fifth of their
resolution in a temporary folder (unless ``--output-dir`` is given).
"""

import argparse
import os
import tempfile

from _common import run_script, start  # examples/_common.py: backend selection and seeding

# Keras's sizes, and the smaller ones of --smoke.
FULL = dict(samples=1200, train=1000, frames=15, size=40, filters=40, seed_frames=7, predicted=16,
            which=1004, plotted=15)
SMOKE = dict(samples=22, train=20, frames=4, size=16, filters=8, seed_frames=2, predicted=2,
             which=21, plotted=4)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("numpy", "torch", "jax"),
                        help="backend to run on (default: KERAS_BACKEND or keras.json)")
    parser.add_argument("--epochs", type=int, default=None, help="training epochs (default 300)")
    parser.add_argument("--batch-size", type=int, default=10)
    parser.add_argument("--output-dir", help="folder for the figures (default conv_lstm; with "
                                             "--smoke a temporary one)")
    parser.add_argument("--seed", type=int, default=1234,
                        help="seed of the movies, the initial weights and shuffling")
    parser.add_argument("--verbose", type=int, default=1, choices=(0, 1, 2),
                        help="fit's verbosity: 0 silent, 1 progress bar, 2 one line per epoch")
    parser.add_argument("--smoke", action="store_true",
                        help="a few seconds: 22 small movies, a smaller network, 1 epoch")
    args = parser.parse_args(argv)
    if args.epochs is None:
        args.epochs = 1 if args.smoke else 300
    if args.epochs < 1:
        parser.error(f"--epochs must be >= 1, got {args.epochs}")
    return args


def build_model(size=40, filters=40):
    """Four ConvLSTM2D + BatchNormalization, then a sigmoid Conv3D: movies (frames, size, size,
    1) to movies of the same shape; binary cross-entropy, Adadelta."""
    from polykeras.layers import BatchNormalization, Conv3D, ConvLSTM2D
    from polykeras.models import Sequential

    seq = Sequential()
    seq.add(ConvLSTM2D(filters=filters, kernel_size=(3, 3), input_shape=(None, size, size, 1),
                       padding="same", return_sequences=True))
    seq.add(BatchNormalization())
    for _ in range(3):
        seq.add(ConvLSTM2D(filters=filters, kernel_size=(3, 3), padding="same",
                           return_sequences=True))
        seq.add(BatchNormalization())
    seq.add(Conv3D(filters=1, kernel_size=(3, 3, 3), activation="sigmoid", padding="same",
                   data_format="channels_last"))
    seq.compile(loss="binary_crossentropy", optimizer="adadelta")
    return seq


def generate_movies(rng, n_samples=1200, n_frames=15, size=40):
    """``(noisy_movies, shifted_movies)``, float arrays ``(n_samples, n_frames, size, size, 1)``.

    Each movie has 3 to 7 squares moving by -1, 0 or 1 pixel per frame along each
    axis, drawn on a canvas twice the size and cut to its central window (so
    squares enter and leave it); with probability 1/2 per frame a square gets a
    border of +-0.1 noise. ``shifted_movies[:, t]`` is frame t + 1 without noise.
    Values are clipped at 1. With ``size=40``: Keras's 80 x 80 canvas and
    positions in [20, 60).
    """
    import numpy as np

    canvas = 2 * size
    low, high = size // 2, size // 2 + size
    noisy_movies = np.zeros((n_samples, n_frames, canvas, canvas, 1), dtype=np.float64)
    shifted_movies = np.zeros((n_samples, n_frames, canvas, canvas, 1), dtype=np.float64)
    for i in range(n_samples):
        for _ in range(rng.randint(3, 8)):  # 3 to 7 moving squares
            xstart, ystart = rng.randint(low, high), rng.randint(low, high)
            directionx, directiony = rng.randint(0, 3) - 1, rng.randint(0, 3) - 1
            w = rng.randint(2, 4)  # half the side of the square
            for t in range(n_frames):
                x_shift = xstart + directionx * t
                y_shift = ystart + directiony * t
                noisy_movies[i, t, x_shift - w: x_shift + w, y_shift - w: y_shift + w, 0] += 1
                # Noise around the square: the network must learn that a pixel not
                # exactly 1 may still belong to a square.
                if rng.randint(0, 2):
                    noise_f = (-1) ** rng.randint(0, 2)
                    noisy_movies[i, t, x_shift - w - 1: x_shift + w + 1,
                                 y_shift - w - 1: y_shift + w + 1, 0] += noise_f * 0.1
                # the ground truth, one frame later
                x_shift = xstart + directionx * (t + 1)
                y_shift = ystart + directiony * (t + 1)
                shifted_movies[i, t, x_shift - w: x_shift + w, y_shift - w: y_shift + w, 0] += 1
    noisy_movies = noisy_movies[:, :, low:high, low:high, :]
    shifted_movies = shifted_movies[:, :, low:high, low:high, :]
    noisy_movies[noisy_movies >= 1] = 1
    shifted_movies[shifted_movies >= 1] = 1
    return noisy_movies, shifted_movies


def predict_track(seq, movie, seed_frames, predicted):
    """The first ``seed_frames`` frames of ``movie`` followed by ``predicted`` frames, each the
    last frame of the model's prediction on the frames so far."""
    import numpy as np

    track = movie[:seed_frames]
    for _ in range(predicted):
        new_pos = seq.predict(track[np.newaxis])
        track = np.concatenate((track, new_pos[:, -1]), axis=0)
    return track


def plot_tracks(track, noisy_movie, shifted_movie, seed_frames, frames, output_dir, dpi=None):
    """Write ``{i}_animate.png`` for frames 1..``frames``: the track (seed, then predictions)
    beside the ground truth. Returns the files written."""
    try:
        import matplotlib
    except ImportError:
        print("matplotlib is not installed (pip install polykeras[plot]): no figures written")
        return []
    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt

    written = []
    for i in range(frames):
        fig = plt.figure(figsize=(10, 5))
        ax = fig.add_subplot(121)
        if i >= seed_frames:
            ax.text(1, 3, "Predictions !", fontsize=20, color="w")
        else:
            ax.text(1, 3, "Initial trajectory", fontsize=20)
        plt.imshow(track[i, :, :, 0])
        ax = fig.add_subplot(122)
        plt.text(1, 3, "Ground truth", fontsize=20)
        toplot = noisy_movie[i, :, :, 0]
        if i >= 2:
            toplot = shifted_movie[i - 1, :, :, 0]
        plt.imshow(toplot)
        filename = os.path.join(output_dir, "%i_animate.png" % (i + 1))
        fig.savefig(filename, dpi=dpi)
        plt.close(fig)
        written.append(filename)
    return written


def run(args, output_dir):
    import numpy as np

    sizes = SMOKE if args.smoke else FULL
    seq = build_model(sizes["size"], sizes["filters"])
    seq.summary()

    noisy_movies, shifted_movies = generate_movies(np.random.RandomState(args.seed),
                                                   sizes["samples"], sizes["frames"],
                                                   sizes["size"])
    train = sizes["train"]
    seq.fit(noisy_movies[:train], shifted_movies[:train], batch_size=args.batch_size,
            epochs=args.epochs, verbose=args.verbose, validation_split=0.05)

    # One movie the model did not train on: 7 known frames, then 16 predicted ones.
    which = sizes["which"]
    track = predict_track(seq, noisy_movies[which], sizes["seed_frames"], sizes["predicted"])
    print(f"Predicted {sizes['predicted']} frames of movie {which} after "
          f"{sizes['seed_frames']}: track of shape {track.shape}")
    written = plot_tracks(track, noisy_movies[which], shifted_movies[which],
                          sizes["seed_frames"], sizes["plotted"], output_dir,
                          dpi=20 if args.smoke else None)
    if written:
        print(f"Wrote {os.path.basename(written[0])} ... {os.path.basename(written[-1])} "
              f"into {output_dir}")
    test_loss = seq.evaluate(noisy_movies[train:], shifted_movies[train:],
                             batch_size=args.batch_size, verbose=0)
    print(f"test_loss={test_loss:.4f}")
    return test_loss


def main(argv=None):
    args = parse_args(argv)
    start(args)
    if args.output_dir or not args.smoke:
        output_dir = args.output_dir or "conv_lstm"
        os.makedirs(output_dir, exist_ok=True)
        return run(args, output_dir)
    with tempfile.TemporaryDirectory(prefix="conv_lstm_") as output_dir:
        return run(args, output_dir)


if __name__ == "__main__":
    run_script(main)
