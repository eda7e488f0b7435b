"""Trains two recurrent networks, one reading a story and one a question, to answer bAbI tasks.

    python examples/babi_rnn.py                            # bAbI from the Keras cache
    python examples/babi_rnn.py --backend torch --data /path/to/tasks_1-20_v1-2.tar.gz

Keras 2.2.4's ``examples/babi_rnn.py``. The story's words are embedded (50
dimensions, dropout 0.3); the question's words are embedded, read by an
LSTM(50) and its last output repeated for every word of the story; the two are
added and read by a second LSTM(50), then dropout 0.3 and a softmax over the
vocabulary. Adam, categorical cross-entropy, batch 32, 20 epochs, 5% of the
training questions held out for validation; then the test set is evaluated.
The task is QA2, "two supporting facts", with 1,000 training questions
(``--challenge`` picks another file of the tarball).

Keras's figures for this network (its docstring, FB LSTM baseline / Keras):
QA1 50 / 100.0, QA2 20 / 50.0, QA3 20 / 20.5, ..., QA20 91 / 90.7; "the GRU
model achieves 100% test accuracy on QA1 in 20 epochs, 50% on QA2".

The tarball (``tasks_1-20_v1-2.tar.gz``) is read from ``--data`` or from the
Keras cache (``babi-tasks-v1-2.tar.gz``), downloaded once; offline without it
the script stops with a message naming the URL and the cache path to put the
file at. It ends with ``test_accuracy=0.XXXX``. ``--smoke`` runs in seconds:
one epoch on 640 training and 64 test questions of generated stories in the
same file format, written to a temporary tarball and read through the same
code; the training, validation and test sets are whole batches of 32.
"""

import argparse
import tempfile

import _babi  # examples/_babi.py: reading (and, for --smoke, generating) the bAbI tasks
from _common import run_script, start  # examples/_common.py: backend selection and seeding

# Keras's choices of task file (QA2 with 1,000 questions is its default).
CHALLENGES = {
    "qa1": "tasks_1-20_v1-2/en/qa1_single-supporting-fact_{}.txt",
    "qa1_10k": "tasks_1-20_v1-2/en-10k/qa1_single-supporting-fact_{}.txt",
    "qa2": "tasks_1-20_v1-2/en/qa2_two-supporting-facts_{}.txt",
    "qa2_10k": "tasks_1-20_v1-2/en-10k/qa2_two-supporting-facts_{}.txt",
}
EMBED_HIDDEN_SIZE = 50
SENT_HIDDEN_SIZE = 100
QUERY_HIDDEN_SIZE = 100


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("numpy", "torch", "jax"),
                        help="backend to run on (default: KERAS_BACKEND or keras.json)")
    parser.add_argument("--epochs", type=int, default=None, help="training epochs (default 20)")
    parser.add_argument("--data", help="path of tasks_1-20_v1-2.tar.gz (default: the Keras cache)")
    parser.add_argument("--challenge", choices=sorted(CHALLENGES), default="qa2",
                        help="task file of the tarball (default qa2: two supporting facts, "
                             "1,000 questions)")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--seed", type=int, default=1234,
                        help="seed of the initial weights, dropout and shuffling")
    parser.add_argument("--verbose", type=int, default=1, choices=(0, 1, 2),
                        help="fit's verbosity: 0 silent, 1 progress bar, 2 one line per epoch")
    parser.add_argument("--smoke", action="store_true",
                        help="a few seconds: 640 generated questions (unless --data), 1 epoch")
    args = parser.parse_args(argv)
    if args.epochs is None:
        args.epochs = 1 if args.smoke else 20
    if args.epochs < 1:
        parser.error(f"--epochs must be >= 1, got {args.epochs}")
    return args


def vectorize_stories(data, word_idx, story_maxlen, query_maxlen):
    """Word indices of the stories and questions, left-padded with 0 to a fixed length, and
    one-hot answers over ``len(word_idx) + 1`` classes (index 0 is the padding)."""
    import numpy as np
    from polykeras.preprocessing.sequence import pad_sequences

    xs, xqs, ys = [], [], []
    for story, query, answer in data:
        xs.append([word_idx[w] for w in story])
        xqs.append([word_idx[w] for w in query])
        y = np.zeros(len(word_idx) + 1)
        y[word_idx[answer]] = 1
        ys.append(y)
    return (pad_sequences(xs, maxlen=story_maxlen), pad_sequences(xqs, maxlen=query_maxlen),
            np.array(ys))


def build_model(vocab_size, story_maxlen, query_maxlen, rnn):
    """The two-branch network, compiled with Adam and categorical cross-entropy."""
    from polykeras import layers
    from polykeras.models import Model

    sentence = layers.Input(shape=(story_maxlen,), dtype="int32")
    encoded_sentence = layers.Embedding(vocab_size, EMBED_HIDDEN_SIZE)(sentence)
    encoded_sentence = layers.Dropout(0.3)(encoded_sentence)

    question = layers.Input(shape=(query_maxlen,), dtype="int32")
    encoded_question = layers.Embedding(vocab_size, EMBED_HIDDEN_SIZE)(question)
    encoded_question = layers.Dropout(0.3)(encoded_question)
    encoded_question = rnn(EMBED_HIDDEN_SIZE)(encoded_question)
    encoded_question = layers.RepeatVector(story_maxlen)(encoded_question)

    merged = layers.add([encoded_sentence, encoded_question])
    merged = rnn(EMBED_HIDDEN_SIZE)(merged)
    merged = layers.Dropout(0.3)(merged)
    preds = layers.Dense(vocab_size, activation="softmax")(merged)

    model = Model([sentence, question], preds)
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    return model


def run(args, path):
    from polykeras.layers import recurrent

    rnn = recurrent.LSTM
    print(f"RNN / Embed / Sent / Query = {rnn}, {EMBED_HIDDEN_SIZE}, {SENT_HIDDEN_SIZE}, "
          f"{QUERY_HIDDEN_SIZE}")
    train, test = _babi.read_challenge(path, CHALLENGES[args.challenge])
    if args.smoke and args.data:
        train, test = train[:640], test[:64]

    vocab = set()
    for story, q, answer in train + test:
        vocab |= set(story + q + [answer])
    vocab = sorted(vocab)
    # index 0 is kept for the padding of pad_sequences
    vocab_size = len(vocab) + 1
    word_idx = {c: i + 1 for i, c in enumerate(vocab)}
    story_maxlen = max(len(x) for x, _, _ in train + test)
    query_maxlen = max(len(x) for _, x, _ in train + test)

    x, xq, y = vectorize_stories(train, word_idx, story_maxlen, query_maxlen)
    tx, txq, ty = vectorize_stories(test, word_idx, story_maxlen, query_maxlen)

    print(f"vocab = {vocab}")
    print(f"x.shape = {x.shape}")
    print(f"xq.shape = {xq.shape}")
    print(f"y.shape = {y.shape}")
    print(f"story_maxlen, query_maxlen = {story_maxlen}, {query_maxlen}")

    print("Build model...")
    model = build_model(vocab_size, story_maxlen, query_maxlen, rnn)

    print("Training")
    model.fit([x, xq], y, batch_size=args.batch_size, epochs=args.epochs, verbose=args.verbose,
              validation_split=0.05)
    loss, acc = model.evaluate([tx, txq], ty, batch_size=args.batch_size,
                               verbose=min(args.verbose, 1))
    print(f"Test loss / test accuracy = {loss:.4f} / {acc:.4f}")
    print(f"test_accuracy={acc:.4f}")
    return acc


def main(argv=None):
    args = parse_args(argv)
    start(args)
    if args.smoke and not args.data:
        with tempfile.TemporaryDirectory(prefix="babi_rnn_") as folder:
            path = _babi.generated_tarball(folder, CHALLENGES[args.challenge], 640, 64)
            return run(args, path)
    return run(args, _babi.fetch(args.data))


if __name__ == "__main__":
    run_script(main)
