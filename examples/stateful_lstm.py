"""Shows how to use a stateful LSTM, and how its stateless counterpart performs.

    python examples/stateful_lstm.py                       # Keras's parameters
    python examples/stateful_lstm.py --backend torch --lahead 2 --output-dir stateful_lstm

Keras 2.2.4's ``examples/stateful_lstm.py``. The input is a random sequence,
uniform in [-0.1, 0.1], of ``input_len`` (1,000) points; the output is its
moving average over ``tsteps`` (2) points. Each training sample is the
``lahead`` (1) latest input points, and the target the average at the last
one. Two models, LSTM(20) -> Dense(1), mean squared error, Adam, batch size 1,
10 epochs, 80% of the points to train on, the rest to validate and test:

* stateful (``stateful=True``, ``batch_size`` fixed): the state after sample
  i is the initial state of sample i + 1, so the LSTM sees the points before
  its window; it is trained one epoch at a time, without shuffling, with
  ``model.reset_states()`` between epochs;
* stateless: each sample starts from a zero state, so it sees only ``lahead``
  points.

When ``lahead < tsteps`` only the stateful LSTM converges: the moving average
needs ``tsteps`` points and only its state can carry the earlier ones. When
``lahead >= tsteps`` both converge. (Keras's docstring; it prints which case
applies.)

Like Keras's script it prints the data's head and tail and plots the input
and expected output (``input.png``), then the expected test output and both
models' errors (``results.png``), drawn with matplotlib's Agg backend into
``--output-dir`` (default ``stateful_lstm``; Keras shows them in windows).
It also prints each model's test mean squared error and ends with
``test_loss=X.XXXX``, the stateful model's. ``--smoke`` runs in seconds: 40
points (32 to train on), one epoch each, figures at a fifth of their
resolution in a temporary folder (unless ``--output-dir`` is given).
"""

import argparse
import os
import tempfile

from _common import run_script, start  # examples/_common.py: backend selection and seeding


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("numpy", "torch", "jax"),
                        help="backend to run on (default: KERAS_BACKEND or keras.json)")
    parser.add_argument("--epochs", type=int, default=None, help="training epochs (default 10)")
    parser.add_argument("--input-len", type=int, default=None,
                        help="length of the input sequence (default 1,000)")
    parser.add_argument("--tsteps", type=int, default=2,
                        help="window of the moving average that makes the output (default 2)")
    parser.add_argument("--lahead", type=int, default=1,
                        help="input points of each training sample (default 1)")
    parser.add_argument("--batch-size", type=int, default=1)
    parser.add_argument("--output-dir", help="folder for the figures (default stateful_lstm; "
                                             "with --smoke a temporary one)")
    parser.add_argument("--seed", type=int, default=1986,
                        help="seed of the data (Keras's 1986), the initial weights and dropout")
    parser.add_argument("--verbose", type=int, default=1, choices=(0, 1, 2),
                        help="fit's verbosity: 0 silent, 1 progress bar, 2 one line per epoch")
    parser.add_argument("--smoke", action="store_true",
                        help="a few seconds: 40 points, 1 epoch, figures in a temporary folder")
    args = parser.parse_args(argv)
    if args.epochs is None:
        args.epochs = 1 if args.smoke else 10
    if args.input_len is None:
        args.input_len = 40 if args.smoke else 1000
    for name in ("epochs", "tsteps", "lahead", "batch_size"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be >= 1, got {getattr(args, name)}")
    if args.input_len < 5 * args.batch_size:
        parser.error(f"--input-len must be at least 5 batches ({5 * args.batch_size}), "
                     f"got {args.input_len}")
    return args


def generate_data(rng, input_len, tsteps, lahead, amp=0.1):
    """``(data_input (input_len, lahead), expected_output (input_len, 1))``.

    Uniform noise in [-amp, amp]; the output at t is the mean of the inputs at
    t - tsteps + 1 .. t; column i of the input at t is the input point t - i
    (Keras's "rolling window view"). The first points, whose window reaches
    before the start, are generated in excess and dropped.
    """
    import numpy as np

    to_drop = max(tsteps - 1, lahead - 1)
    series = rng.uniform(-1 * amp, +1 * amp, input_len + to_drop)
    sums = np.cumsum(np.concatenate([[0.0], series]))
    expected = (sums[tsteps:] - sums[:-tsteps]) / tsteps  # mean of series[t - tsteps + 1: t + 1]
    expected = expected[to_drop - (tsteps - 1):]
    windows = np.stack([series[to_drop - i: len(series) - i] for i in range(lahead)], axis=1)
    return windows, expected.reshape(-1, 1)


def split_data(x, y, input_len, batch_size, ratio=0.8):
    """Train and test sets as whole batches: ``x (n, lahead, 1)`` and ``y (n, 1)``."""
    to_train = int(input_len * ratio)
    to_train -= to_train % batch_size
    x_train, y_train = x[:to_train], y[:to_train]
    x_test, y_test = x[to_train:], y[to_train:]
    to_drop = x.shape[0] % batch_size
    if to_drop > 0:
        x_test, y_test = x_test[:-1 * to_drop], y_test[:-1 * to_drop]
    return ((x_train.reshape(x_train.shape + (1,)), y_train),
            (x_test.reshape(x_test.shape + (1,)), y_test))


def show_rows(title, array, first):
    """Print five rows of ``array`` with their indices, as pandas's ``head``/``tail`` do."""
    import numpy as np

    print(title)
    rows = range(5) if first else range(len(array) - 5, len(array))
    print("      " + "  ".join(f"{c:>9}" for c in range(array.shape[1])))
    for r in rows:
        print(f"{r:<6}" + "  ".join(f"{v:9.6f}" for v in np.atleast_1d(array[r])))


def create_model(stateful, lahead, batch_size):
    from polykeras.layers import LSTM, Dense
    from polykeras.models import Sequential

    model = Sequential()
    model.add(LSTM(20, input_shape=(lahead, 1), batch_size=batch_size, stateful=stateful))
    model.add(Dense(1))
    model.compile(loss="mse", optimizer="adam")
    return model


def _pyplot():
    try:
        import matplotlib
    except ImportError:
        print("matplotlib is not installed (pip install polykeras[plot]): no figures written")
        return None
    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt
    return plt


def plot_input(data_input, expected_output, output_dir, dpi=None):
    plt = _pyplot()
    if plt is None:
        return None
    fig = plt.figure()
    plt.plot(data_input[:10, 0], ".")
    plt.plot(expected_output[:10, 0], "-")
    plt.legend(["Input", "Expected output"])
    plt.title("Input")
    filename = os.path.join(output_dir, "input.png")
    fig.savefig(filename, dpi=dpi)
    plt.close(fig)
    return filename


def plot_results(y_test, predicted_stateful, predicted_stateless, tsteps, output_dir, dpi=None):
    plt = _pyplot()
    if plt is None:
        return None
    fig = plt.figure()
    plt.subplot(3, 1, 1)
    plt.plot(y_test)
    plt.title("Expected")
    plt.subplot(3, 1, 2)
    # the first tsteps - 1 points cannot be predicted: their window starts before the test set
    plt.plot((y_test - predicted_stateful).flatten()[tsteps - 1:])
    plt.title("Stateful: Expected - Predicted")
    plt.subplot(3, 1, 3)
    plt.plot((y_test - predicted_stateless).flatten())
    plt.title("Stateless: Expected - Predicted")
    filename = os.path.join(output_dir, "results.png")
    fig.savefig(filename, dpi=dpi)
    plt.close(fig)
    return filename


def run(args, output_dir):
    import numpy as np

    tsteps, lahead, batch_size, epochs = args.tsteps, args.lahead, args.batch_size, args.epochs
    dpi = 20 if args.smoke else None
    print("*" * 33)
    if lahead >= tsteps:
        print("STATELESS LSTM WILL ALSO CONVERGE")
    else:
        print("STATELESS LSTM WILL NOT CONVERGE")
    print("*" * 33)

    print("Generating Data...")
    data_input, expected_output = generate_data(np.random.RandomState(args.seed),
                                                args.input_len, tsteps, lahead)
    print("Input shape:", data_input.shape)
    print("Output shape:", expected_output.shape)
    show_rows("Input head: ", data_input, True)
    show_rows("Output head: ", expected_output, True)
    show_rows("Input tail: ", data_input, False)
    show_rows("Output tail: ", expected_output, False)

    print("Plotting input and expected output")
    written = [plot_input(data_input, expected_output, output_dir, dpi)]

    print("Creating Stateful Model...")
    model_stateful = create_model(True, lahead, batch_size)
    (x_train, y_train), (x_test, y_test) = split_data(data_input, expected_output,
                                                      args.input_len, batch_size)
    print("x_train.shape: ", x_train.shape)
    print("y_train.shape: ", y_train.shape)
    print("x_test.shape: ", x_test.shape)
    print("y_test.shape: ", y_test.shape)

    print("Training")
    for i in range(epochs):
        print("Epoch", i + 1, "/", epochs)
        # The last state of sample i of a batch is the initial state of sample i of the next
        # batch: with batch_size series, each is trained on every batch_size-th point.
        model_stateful.fit(x_train, y_train, batch_size=batch_size, epochs=1,
                           verbose=args.verbose, validation_data=(x_test, y_test),
                           shuffle=False)
        model_stateful.reset_states()

    print("Predicting")
    predicted_stateful = model_stateful.predict(x_test, batch_size=batch_size)

    print("Creating Stateless Model...")
    model_stateless = create_model(False, lahead, batch_size)

    print("Training")
    model_stateless.fit(x_train, y_train, batch_size=batch_size, epochs=epochs,
                        verbose=args.verbose, validation_data=(x_test, y_test), shuffle=False)

    print("Predicting")
    predicted_stateless = model_stateless.predict(x_test, batch_size=batch_size)

    print("Plotting Results")
    written.append(plot_results(y_test, predicted_stateful, predicted_stateless, tsteps,
                                output_dir, dpi))
    written = [os.path.basename(f) for f in written if f]
    if written:
        print("Wrote " + ", ".join(written) + f" into {output_dir}")
    stateful_mse = float(np.mean((y_test - predicted_stateful)[tsteps - 1:] ** 2))
    stateless_mse = float(np.mean((y_test - predicted_stateless) ** 2))
    print(f"Test mean squared error: stateful {stateful_mse:.3e} (without the first "
          f"{tsteps - 1} points), stateless {stateless_mse:.3e}; the output's variance "
          f"{float(np.var(y_test)):.3e}")
    print(f"test_loss={stateful_mse:.4e}")
    return stateful_mse


def main(argv=None):
    args = parse_args(argv)
    start(args)
    if args.output_dir or not args.smoke:
        output_dir = args.output_dir or "stateful_lstm"
        os.makedirs(output_dir, exist_ok=True)
        return run(args, output_dir)
    with tempfile.TemporaryDirectory(prefix="stateful_lstm_") as output_dir:
        return run(args, output_dir)


if __name__ == "__main__":
    run_script(main)
