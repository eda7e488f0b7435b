"""Trains a Siamese MLP on pairs of digits from the MNIST dataset.

    python examples/mnist_siamese.py                      # MNIST from the Keras cache
    python examples/mnist_siamese.py --backend torch --epochs 20 --data ../shared/datasets/mnist

Keras 2.2.4's ``examples/mnist_siamese.py``, after Hadsell, Chopra and LeCun,
"Dimensionality Reduction by Learning an Invariant Mapping" (2006): one base
network (Flatten -> 3 x Dense 128 relu, Dropout 0.1 between them) is applied
to both images of a pair, so both branches share its weights; a ``Lambda``
layer computes the Euclidean distance of the two embeddings and the
contrastive loss pulls pairs of the same digit together and pushes other
pairs at least a margin of 1 apart. Pairs alternate between same-digit
(label 1) and different-digit (label 0). RMSprop, batch 128, 20 epochs,
validated on the test pairs; a pair counts as "same" when its distance is
below 0.5. Keras reports 97.2% test accuracy after 20 epochs on the full
MNIST. It prints Keras's two accuracy lines and ends with
``test_accuracy=0.XXXX``.

``--data`` is a folder holding MNIST's IDX files or ``mnist.npz`` (a folder
with only the t10k files gives 8,000 training and 2,000 test images);
without it MNIST is downloaded once into the Keras cache. ``--smoke`` runs
in seconds: one epoch on the 640 pairs of 330 generated images of MNIST's
form (33 per digit), testing on as many (with ``--data``: the pairs of its
first 330 training and test images). 640 is a multiple of the batch size, so
every batch has one shape and JAX compiles each function once.
"""

import argparse
import random

import numpy as np

from _common import load_mnist, run_script, start  # examples/_common.py: backend, seeding, MNIST

from polykeras import backend as K

NUM_CLASSES = 10


def euclidean_distance(vects):
    """Row-wise L2 distance of two ``(batch, d)`` tensors, as ``(batch, 1)``; at least sqrt(eps)."""
    x, y = vects
    sum_square = K.sum(K.square(x - y), axis=1, keepdims=True)
    return K.sqrt(K.maximum(sum_square, K.epsilon()))


def eucl_dist_output_shape(shapes):
    shape1, _ = shapes
    return (shape1[0], 1)


def contrastive_loss(y_true, y_pred):
    """Hadsell et al.'s contrastive loss with margin 1: ``y d^2 + (1 - y) max(1 - d, 0)^2``."""
    margin = 1
    square_pred = K.square(y_pred)
    margin_square = K.square(K.maximum(margin - y_pred, 0))
    return K.mean(y_true * square_pred + (1 - y_true) * margin_square)


def accuracy(y_true, y_pred):
    """Share of pairs classified right when "same digit" means a distance below 0.5."""
    return K.mean(K.equal(y_true, K.cast(y_pred < 0.5, K.dtype(y_true))))


def compute_accuracy(y_true, y_pred):
    """:func:`accuracy` in NumPy, on predicted distances."""
    pred = y_pred.ravel() < 0.5
    return np.mean(pred == y_true)


def create_pairs(x, digit_indices):
    """Pairs ``(n_pairs, 2, 28, 28)`` and labels: same-digit pairs (1) alternating with others (0).

    For each digit d and each i below the smallest class size minus one: the
    images i and i+1 of digit d, then image i of d with image i of a digit
    drawn uniformly among the nine others (Python's ``random``, as in Keras).
    """
    firsts, seconds, labels = [], [], []
    n = min(len(digit_indices[d]) for d in range(NUM_CLASSES)) - 1
    for d in range(NUM_CLASSES):
        for i in range(n):
            firsts.append(digit_indices[d][i])
            seconds.append(digit_indices[d][i + 1])
            dn = (d + random.randrange(1, NUM_CLASSES)) % NUM_CLASSES
            firsts.append(digit_indices[d][i])
            seconds.append(digit_indices[dn][i])
            labels += [1, 0]
    return np.stack([x[firsts], x[seconds]], axis=1), np.array(labels)


def create_base_network(input_shape):
    """The network shared by both branches: Flatten -> Dense 128 relu (x3), Dropout 0.1 between."""
    from polykeras.layers import Dense, Dropout, Flatten, Input
    from polykeras.models import Model

    input = Input(shape=input_shape)
    x = Flatten()(input)
    x = Dense(128, activation="relu")(x)
    x = Dropout(0.1)(x)
    x = Dense(128, activation="relu")(x)
    x = Dropout(0.1)(x)
    x = Dense(128, activation="relu")(x)
    return Model(input, x)


def build_model(input_shape):
    """Two inputs, one shared base network, their distance; compiled as in Keras."""
    from polykeras.layers import Input, Lambda
    from polykeras.models import Model
    from polykeras.optimizers import RMSprop

    base_network = create_base_network(input_shape)
    input_a = Input(shape=input_shape)
    input_b = Input(shape=input_shape)
    # The same instance on both inputs: the two branches share its weights.
    processed_a = base_network(input_a)
    processed_b = base_network(input_b)
    distance = Lambda(euclidean_distance,
                      output_shape=eucl_dist_output_shape)([processed_a, processed_b])
    model = Model([input_a, input_b], distance)
    model.compile(loss=contrastive_loss, optimizer=RMSprop(), metrics=[accuracy])
    return model


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("numpy", "torch", "jax"),
                        help="backend to run on (default: KERAS_BACKEND or keras.json)")
    parser.add_argument("--epochs", type=int, default=None, help="training epochs (default 20)")
    parser.add_argument("--data", help="folder with MNIST's IDX files or mnist.npz "
                                       "(default: download into the Keras cache)")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--seed", type=int, default=1234,
                        help="seed of the initial weights, dropout, pairs and shuffling")
    parser.add_argument("--verbose", type=int, default=1, choices=(0, 1, 2),
                        help="fit's verbosity: 0 silent, 1 progress bar, 2 one line per epoch")
    parser.add_argument("--smoke", action="store_true",
                        help="a few seconds: 330 images (generated unless --data), 1 epoch")
    args = parser.parse_args(argv)
    if args.epochs is None:
        args.epochs = 1 if args.smoke else 20
    if args.epochs < 1:
        parser.error(f"--epochs must be >= 1, got {args.epochs}")
    return args


def main(argv=None):
    args = parse_args(argv)
    start(args)

    (x_train, y_train), (x_test, y_test) = load_mnist(args.data, args.smoke, 330, 330)
    x_train = x_train.astype("float32") / 255
    x_test = x_test.astype("float32") / 255
    input_shape = x_train.shape[1:]

    digit_indices = [np.where(y_train == i)[0] for i in range(NUM_CLASSES)]
    tr_pairs, tr_y = create_pairs(x_train, digit_indices)
    digit_indices = [np.where(y_test == i)[0] for i in range(NUM_CLASSES)]
    te_pairs, te_y = create_pairs(x_test, digit_indices)
    print(f"{len(tr_pairs)} training pairs, {len(te_pairs)} test pairs")

    model = build_model(input_shape)
    model.summary()
    model.fit([tr_pairs[:, 0], tr_pairs[:, 1]], tr_y, batch_size=args.batch_size,
              epochs=args.epochs, verbose=args.verbose,
              validation_data=([te_pairs[:, 0], te_pairs[:, 1]], te_y))

    y_pred = model.predict([tr_pairs[:, 0], tr_pairs[:, 1]], batch_size=args.batch_size)
    tr_acc = compute_accuracy(tr_y, y_pred)
    y_pred = model.predict([te_pairs[:, 0], te_pairs[:, 1]], batch_size=args.batch_size)
    te_acc = compute_accuracy(te_y, y_pred)
    print("* Accuracy on training set: %0.2f%%" % (100 * tr_acc))
    print("* Accuracy on test set: %0.2f%%" % (100 * te_acc))
    print(f"test_accuracy={te_acc:.4f}")
    return float(te_acc)


if __name__ == "__main__":
    run_script(main)
