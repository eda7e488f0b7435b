"""Generates text from Nietzsche's writings with a character-level LSTM.

    python examples/lstm_text_generation.py                # the text from the Keras cache
    python examples/lstm_text_generation.py --backend jax --data /path/to/nietzsche.txt

Keras 2.2.4's ``examples/lstm_text_generation.py``. The text (lower-cased,
about 600,000 characters) is cut into sequences of 40 characters every 3
characters, each labelled with the character that follows; characters are
one-hot encoded. The model: LSTM(128) -> Dense(softmax over the characters),
RMSprop (lr 0.01), categorical cross-entropy, batch 128, 60 epochs. After
each epoch a ``LambdaCallback`` generates 400 characters from a random
40-character seed of the text at the temperatures ("diversities") 0.2, 0.5,
1.0 and 1.2, one character at a time: predict the next character's
distribution, reweight it by the temperature, sample, shift the window.

Keras's notes: at least 20 epochs are needed before the generated text starts
sounding coherent; a corpus for this should have at least ~100k characters,
~1M is better.

The text is read from ``--data`` or from the Keras cache (``nietzsche.txt``),
downloaded once; offline without it the script stops with a message naming
the URL and the cache path to put the file at. It ends with
``train_loss=X.XXXX``, the last epoch's training loss (Keras's script keeps
no test set). ``--smoke`` runs in seconds: one epoch on a generated text of
about 5,000 characters (or the first 5,000 of ``--data``), each sequence
length a multiple of the batch size, and 20 generated characters per
temperature.
"""

import argparse
import io
import random
import sys

from _common import run_script, start  # examples/_common.py: backend selection and seeding

ORIGIN = "https://s3.amazonaws.com/text-datasets/nietzsche.txt"
MAXLEN = 40  # characters a prediction reads
STEP = 3  # characters between the starts of two sequences
DIVERSITIES = (0.2, 0.5, 1.0, 1.2)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("numpy", "torch", "jax"),
                        help="backend to run on (default: KERAS_BACKEND or keras.json)")
    parser.add_argument("--epochs", type=int, default=None, help="training epochs (default 60)")
    parser.add_argument("--data", help="path of a text file (default: nietzsche.txt from the "
                                       "Keras cache)")
    parser.add_argument("--generate", type=int, default=None,
                        help="characters generated per temperature after each epoch "
                             "(default 400)")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--seed", type=int, default=1234,
                        help="seed of the initial weights, shuffling, seeds and sampling")
    parser.add_argument("--verbose", type=int, default=1, choices=(0, 1, 2),
                        help="fit's verbosity: 0 silent, 1 progress bar, 2 one line per epoch")
    parser.add_argument("--smoke", action="store_true",
                        help="a few seconds: ~5,000 characters (generated unless --data), "
                             "1 epoch, 20 generated characters per temperature")
    args = parser.parse_args(argv)
    if args.epochs is None:
        args.epochs = 1 if args.smoke else 60
    if args.generate is None:
        args.generate = 20 if args.smoke else 400
    if args.epochs < 1:
        parser.error(f"--epochs must be >= 1, got {args.epochs}")
    if args.generate < 0:
        parser.error(f"--generate must be >= 0, got {args.generate}")
    return args


def generated_text(rng, length=5000):
    """About ``length`` characters of lower-case sentences from a small vocabulary: the form of
    the corpus (letters, spaces, punctuation, line breaks), for ``--smoke``."""
    words = ("the truth is a woman and philosophers have been dogmatists who understood how to "
             "win her heart what if every great philosophy has so far been the confession of "
             "its author").split()
    parts = []
    while sum(len(p) for p in parts) < length:
        sentence = " ".join(rng.choice(words) for _ in range(rng.randint(4, 12)))
        parts.append(sentence + rng.choice([". ", ", ", "? ", "!\n", ".\n"]))
    return "".join(parts)[:length]


def load_text(data=None, smoke=False, rng=None):
    """The corpus, lower-cased: ``data``, else nietzsche.txt from the Keras cache (or, with
    ``smoke`` and no ``data``, a generated text); with ``smoke``, its first 5,000 characters.

    Raises:
        FileNotFoundError: ``data`` missing, or the text neither cached nor downloadable (the
            message names the URL and the cache path).
    """
    from polykeras.utils.data_utils import FetchError, get_file

    if smoke and not data:
        return generated_text(rng)
    if data:
        path = data
    else:
        try:
            path = get_file("nietzsche.txt", origin=ORIGIN)
        except FetchError as error:
            raise FileNotFoundError(str(error)) from error
    with io.open(path, encoding="utf-8") as f:
        text = f.read().lower()
    return text[:5000] if smoke else text


def vectorize(text, chars, char_indices, smoke):
    """One-hot ``x (sequences, MAXLEN, chars)`` and ``y (sequences, chars)``, as booleans: the
    text cut into sequences of ``MAXLEN`` characters every ``STEP``, and the character after
    each. With ``smoke``, the number of sequences is cut to a multiple of 128."""
    import numpy as np

    sentences, next_chars = [], []
    for i in range(0, len(text) - MAXLEN, STEP):
        sentences.append(text[i: i + MAXLEN])
        next_chars.append(text[i + MAXLEN])
    if smoke and len(sentences) > 128:
        keep = len(sentences) - len(sentences) % 128
        sentences, next_chars = sentences[:keep], next_chars[:keep]
    print("nb sequences:", len(sentences))

    print("Vectorization...")
    x = np.zeros((len(sentences), MAXLEN, len(chars)), dtype=bool)
    y = np.zeros((len(sentences), len(chars)), dtype=bool)
    for i, sentence in enumerate(sentences):
        for t, char in enumerate(sentence):
            x[i, t, char_indices[char]] = 1
        y[i, char_indices[next_chars[i]]] = 1
    return x, y


def build_model(num_chars):
    """A single LSTM(128) and a softmax over the characters, RMSprop(lr=0.01)."""
    from polykeras.layers import LSTM, Dense
    from polykeras.models import Sequential
    from polykeras.optimizers import RMSprop

    model = Sequential()
    model.add(LSTM(128, input_shape=(MAXLEN, num_chars)))
    model.add(Dense(num_chars, activation="softmax"))
    model.compile(loss="categorical_crossentropy", optimizer=RMSprop(lr=0.01))
    return model


def sample(preds, temperature=1.0, rng=None):
    """An index drawn from the probabilities ``preds`` reweighted by ``temperature`` (below 1:
    sharper, above 1: flatter)."""
    import numpy as np

    rng = np.random if rng is None else rng
    preds = np.asarray(preds).astype("float64")
    preds = np.log(preds) / temperature
    exp_preds = np.exp(preds)
    preds = exp_preds / np.sum(exp_preds)
    probas = rng.multinomial(1, preds, 1)
    return int(np.argmax(probas))


def text_generator(model, text, chars, char_indices, length, seed):
    """The ``on_epoch_end(epoch, logs)`` of the callback: prints ``length`` generated
    characters at each temperature, from one random seed sentence of ``text``."""
    import numpy as np

    pick = random.Random(seed)
    draws = np.random.RandomState(seed)
    indices_char = dict(enumerate(chars))

    def on_epoch_end(epoch, _):
        print()
        print("----- Generating text after Epoch: %d" % epoch)
        start_index = pick.randint(0, len(text) - MAXLEN - 1)
        for diversity in DIVERSITIES:
            print("----- diversity:", diversity)
            sentence = text[start_index: start_index + MAXLEN]
            generated = sentence
            print('----- Generating with seed: "' + sentence + '"')
            sys.stdout.write(generated)
            for _ in range(length):
                x_pred = np.zeros((1, MAXLEN, len(chars)))
                for t, char in enumerate(sentence):
                    x_pred[0, t, char_indices[char]] = 1.0
                preds = model.predict(x_pred, verbose=0)[0]
                next_char = indices_char[sample(preds, diversity, draws)]
                generated += next_char
                sentence = sentence[1:] + next_char
                sys.stdout.write(next_char)
                sys.stdout.flush()
            print()
    return on_epoch_end


def main(argv=None):
    args = parse_args(argv)
    start(args)
    from polykeras.callbacks import LambdaCallback

    text = load_text(args.data, args.smoke, random.Random(args.seed))
    print("corpus length:", len(text))
    chars = sorted(set(text))
    print("total chars:", len(chars))
    char_indices = {c: i for i, c in enumerate(chars)}
    x, y = vectorize(text, chars, char_indices, args.smoke)

    print("Build model...")
    model = build_model(len(chars))
    print_callback = LambdaCallback(on_epoch_end=text_generator(
        model, text, chars, char_indices, args.generate, args.seed))
    history = model.fit(x, y, batch_size=args.batch_size, epochs=args.epochs,
                        verbose=args.verbose, callbacks=[print_callback])
    loss = history.history["loss"][-1]
    print(f"train_loss={loss:.4f}")
    return loss


if __name__ == "__main__":
    run_script(main)
