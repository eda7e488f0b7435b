"""Sequence-to-sequence learning of addition: an LSTM reads "535+61" and writes "596".

    python examples/addition_rnn.py                          # 199 iterations, as in Keras
    python examples/addition_rnn.py --backend jax --stop-at 0.9

Keras 2.2.4's ``examples/addition_rnn.py``. Questions ``a+b`` with numbers of
1 to 3 digits are generated (50,000 distinct ones, X+Y and Y+X counted once),
padded with spaces to 7 characters, reversed (Sutskever et al. and Zaremba
and Sutskever found reversed inputs easier to learn) and one-hot encoded over
the 12 characters ``0123456789+ ``; answers are padded to 4 characters. The
model: an LSTM(128) encoder, ``RepeatVector(4)`` feeding its last output to
every step of an LSTM(128) decoder (``return_sequences=True``), then
``TimeDistributed(Dense(12, softmax))``; Adam, categorical cross-entropy,
batch 128, 10% of the questions held out for validation. Each iteration
trains one epoch and prints 10 random validation questions with the model's
answers (☑ right, ☒ wrong), as Keras's script does.

Keras's docstring: with 3 digits reversed, one LSTM layer of 128 units and
50k examples reach 99% train/test accuracy in 100 epochs. ``--stop-at ACC``
stops after the first iteration whose validation accuracy reaches ``ACC``.
The script ends with ``test_accuracy=0.XXXX``, the last validation accuracy
(the per-character accuracy of Keras's ``accuracy`` metric), after a line
naming the first iteration that reached 0.9.

``--smoke`` runs in seconds: 1,280 questions (1,152 to train on, 128 to
validate: whole batches, so JAX compiles each function once), one iteration,
two printed questions.
"""

import argparse

from _common import run_script, start  # examples/_common.py: backend selection and seeding

CHARS = "0123456789+ "


class CharacterTable:
    """One-hot encoding of strings over a fixed set of characters, and decoding back.

    ``encode(text, num_rows)`` -> float array ``(num_rows, len(chars))`` (rows past the
    text stay zero); ``decode(x)`` -> the string of the arg-max of each row, or, with
    ``calc_argmax=False``, of the indices ``x`` themselves.
    """

    def __init__(self, chars):
        self.chars = sorted(set(chars))
        self.char_indices = {c: i for i, c in enumerate(self.chars)}
        self.indices_char = dict(enumerate(self.chars))

    def encode(self, text, num_rows):
        import numpy as np

        x = np.zeros((num_rows, len(self.chars)))
        for i, c in enumerate(text):
            x[i, self.char_indices[c]] = 1
        return x

    def decode(self, x, calc_argmax=True):
        if calc_argmax:
            x = x.argmax(axis=-1)
        return "".join(self.indices_char[int(i)] for i in x)


class colors:  # noqa: N801 - Keras's name
    ok = "\033[92m"
    fail = "\033[91m"
    close = "\033[0m"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("numpy", "torch", "jax"),
                        help="backend to run on (default: KERAS_BACKEND or keras.json)")
    parser.add_argument("--epochs", type=int, default=None,
                        help="iterations, one epoch each (default 199, Keras's range(1, 200))")
    parser.add_argument("--training-size", type=int, default=None,
                        help="questions generated (default 50,000)")
    parser.add_argument("--digits", type=int, default=3, help="digits per number (default 3)")
    parser.add_argument("--no-reverse", dest="reverse", action="store_false",
                        help="feed the questions in reading order instead of reversed")
    parser.add_argument("--stop-at", type=float, default=None, metavar="ACC",
                        help="stop after the first iteration with validation accuracy >= ACC")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--seed", type=int, default=1234,
                        help="seed of the questions, initial weights, shuffling and samples")
    parser.add_argument("--verbose", type=int, default=1, choices=(0, 1, 2),
                        help="fit's verbosity: 0 silent, 1 progress bar, 2 one line per epoch")
    parser.add_argument("--smoke", action="store_true",
                        help="a few seconds: 1,280 questions, 1 iteration")
    args = parser.parse_args(argv)
    if args.epochs is None:
        args.epochs = 1 if args.smoke else 199
    if args.training_size is None:
        args.training_size = 1280 if args.smoke else 50000
    if args.epochs < 1:
        parser.error(f"--epochs must be >= 1, got {args.epochs}")
    if args.digits < 1:
        parser.error(f"--digits must be >= 1, got {args.digits}")
    # two numbers of at most `digits` digits, X+Y and Y+X counted once
    distinct = (10 ** args.digits) * (10 ** args.digits + 1) // 2
    if not 10 <= args.training_size <= distinct:
        parser.error(f"--training-size must be in [10, {distinct}] for {args.digits} digits, "
                     f"got {args.training_size}")
    return args


def generate_questions(rng, training_size, digits, reverse):
    """``(questions, answers)``: ``training_size`` distinct padded questions ``"a+b"`` (reversed
    when ``reverse``) of length ``2 * digits + 1`` and their padded sums of length ``digits + 1``."""
    maxlen = digits + 1 + digits
    questions, expected, seen = [], [], set()
    numbers = list("0123456789")
    while len(questions) < training_size:
        def number():
            return int("".join(rng.choice(numbers) for _ in range(rng.randint(1, digits + 1))))
        a, b = number(), number()
        # skip questions seen already, and X+Y when Y+X was (hence the sorting)
        key = tuple(sorted((a, b)))
        if key in seen:
            continue
        seen.add(key)
        query = f"{a}+{b}"
        query += " " * (maxlen - len(query))
        answer = str(a + b)
        answer += " " * (digits + 1 - len(answer))
        if reverse:
            query = query[::-1]  # '12+345  ' becomes '  543+21'
        questions.append(query)
        expected.append(answer)
    return questions, expected


def vectorize(ctable, questions, expected, digits):
    """One-hot ``x (n, 2 * digits + 1, 12)`` and ``y (n, digits + 1, 12)``, as booleans."""
    import numpy as np

    maxlen = digits + 1 + digits
    x = np.zeros((len(questions), maxlen, len(CHARS)), dtype=bool)
    y = np.zeros((len(questions), digits + 1, len(CHARS)), dtype=bool)
    for i, sentence in enumerate(questions):
        x[i] = ctable.encode(sentence, maxlen)
    for i, sentence in enumerate(expected):
        y[i] = ctable.encode(sentence, digits + 1)
    return x, y


def build_model(digits, hidden_size=128, layers=1):
    """Encoder LSTM -> RepeatVector(digits + 1) -> ``layers`` decoder LSTMs -> softmax per step."""
    from polykeras import layers as L
    from polykeras.models import Sequential

    rnn = L.LSTM  # Keras: "Try replacing GRU, or SimpleRNN."
    model = Sequential()
    # "Encode" the input sequence into one vector of hidden_size.
    model.add(rnn(hidden_size, input_shape=(digits + 1 + digits, len(CHARS))))
    # The decoder's input: that vector at each of its digits + 1 steps (999+999=1998).
    model.add(L.RepeatVector(digits + 1))
    for _ in range(layers):
        model.add(rnn(hidden_size, return_sequences=True))
    # One character per output step.
    model.add(L.TimeDistributed(L.Dense(len(CHARS), activation="softmax")))
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    return model


def main(argv=None):
    args = parse_args(argv)
    start(args)
    import numpy as np

    rng = np.random.RandomState(args.seed)
    ctable = CharacterTable(CHARS)
    print("Generating data...")
    questions, expected = generate_questions(rng, args.training_size, args.digits, args.reverse)
    print("Total addition questions:", len(questions))

    print("Vectorization...")
    x, y = vectorize(ctable, questions, expected, args.digits)
    # Shuffle (x, y) together: the later questions have mostly larger numbers.
    indices = np.arange(len(y))
    rng.shuffle(indices)
    x, y = x[indices], y[indices]
    # Set 10% apart for validation, never trained on.
    split_at = len(x) - len(x) // 10
    (x_train, x_val), (y_train, y_val) = (x[:split_at], x[split_at:]), (y[:split_at], y[split_at:])

    print("Training Data:")
    print(x_train.shape)
    print(y_train.shape)
    print("Validation Data:")
    print(x_val.shape)
    print(y_val.shape)

    print("Build model...")
    model = build_model(args.digits)
    model.summary()

    samples = 2 if args.smoke else 10
    val_accuracy, reached = None, None
    for iteration in range(1, args.epochs + 1):
        print()
        print("-" * 50)
        print("Iteration", iteration)
        history = model.fit(x_train, y_train, batch_size=args.batch_size, epochs=1,
                            verbose=args.verbose, validation_data=(x_val, y_val))
        val_accuracy = history.history["val_acc"][-1]
        # A few validation questions, drawn at random, to see the errors.
        for _ in range(samples):
            ind = rng.randint(0, len(x_val))
            row_x, row_y = x_val[np.array([ind])], y_val[np.array([ind])]
            preds = model.predict_classes(row_x, verbose=0)
            q = ctable.decode(row_x[0])
            correct = ctable.decode(row_y[0])
            guess = ctable.decode(preds[0], calc_argmax=False)
            print("Q", q[::-1] if args.reverse else q)
            print("T", correct)
            if correct == guess:
                print(colors.ok + "☑" + colors.close, end=" ")
            else:
                print(colors.fail + "☒" + colors.close, end=" ")
            print(guess)
            print("---")
        if reached is None and val_accuracy >= 0.9:
            reached = iteration
        if args.stop_at is not None and val_accuracy >= args.stop_at:
            print(f"Validation accuracy {val_accuracy:.4f} >= {args.stop_at}: stopping.")
            break
    print("First iteration with validation accuracy >= 0.9:",
          reached if reached is not None else f"none in {iteration}")
    print(f"test_accuracy={val_accuracy:.4f}")
    return val_accuracy


if __name__ == "__main__":
    run_script(main)
