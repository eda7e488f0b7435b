"""The same computation through the backend API on NumPy, PyTorch and JAX, printed side by side.

    python examples/backends_side_by_side.py
    python examples/backends_side_by_side.py --epochs 5      # and 5 gradient steps on each

A two-layer network's forward pass and cross-entropy on a seeded batch,
computed with `K.*` functions bound to each backend in one process; with
``--epochs N``, N steps of gradient descent on that batch (``K.placeholder``,
``K.gradients``, ``K.function`` with updates), the loss after each step
printed per backend. ``--backend`` runs one backend only; ``--smoke`` (for
the examples' test) takes 2 gradient steps unless ``--epochs`` says
otherwise, so that the training path runs too (the script takes well under a
second per backend).
"""

import argparse

import numpy as np

from polykeras.backend import for_backend


def forward(K, x, w1, b1, w2, b2, labels):
    """Dense -> relu -> Dense -> softmax -> categorical cross-entropy, with API functions only."""
    hidden = K.relu(K.dot(x, w1) + b1)
    probabilities = K.softmax(K.dot(hidden, w2) + b2)
    loss = K.mean(K.categorical_crossentropy(K.one_hot(labels, 10), probabilities))
    return probabilities, loss


def train(K, x, weights, labels, steps, learning_rate=0.5):
    """``steps`` of gradient descent on one batch; the loss after each step."""
    variables = [K.variable(w) for w in weights]
    inputs = K.placeholder(shape=x.shape)
    targets = K.placeholder(shape=labels.shape, dtype="int32")
    _, loss = forward(K, inputs, *variables, targets)
    grads = K.gradients(loss, variables)
    updates = [K.update_sub(v, learning_rate * g) for v, g in zip(variables, grads)]
    step = K.function([inputs, targets], [loss], updates=updates)
    return [float(step([x, labels])[0]) for _ in range(steps)]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="numpy,torch,jax",
                        help="comma-separated backends to compare (default: all three)")
    parser.add_argument("--backend", choices=("numpy", "torch", "jax"),
                        help="run on this backend only (overrides --backends)")
    parser.add_argument("--epochs", type=int, default=None,
                        help="gradient-descent steps on the batch after the forward pass "
                             "(default 0; smoke 2)")
    parser.add_argument("--smoke", action="store_true",
                        help="for the examples' test: 2 gradient steps by default")
    args = parser.parse_args(argv)
    if args.epochs is None:
        args.epochs = 2 if args.smoke else 0
    if args.epochs < 0:
        parser.error(f"--epochs must be >= 0, got {args.epochs}")
    if args.backend:
        args.backends = args.backend
    return args


def main(argv=None):
    args = parse_args(argv)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((8, 784)).astype("float32")
    w1 = (rng.standard_normal((784, 32)) * 0.05).astype("float32")
    b1 = np.zeros(32, "float32")
    w2 = (rng.standard_normal((32, 10)) * 0.2).astype("float32")
    b2 = np.zeros(10, "float32")
    labels = rng.integers(0, 10, size=8).astype("int32")

    rows = {}
    for name in args.backends.split(","):
        K = for_backend(name)
        inputs = [K.constant(a, dtype=str(a.dtype)) for a in (x, w1, b1, w2, b2, labels)]
        probabilities, loss = forward(K, *inputs)
        rows[name] = (K.eval(probabilities), float(K.eval(loss)))

    names = list(rows)
    print(f"{'':24}" + "".join(f"{n:>14}" for n in names))
    print(f"{'cross-entropy':24}" + "".join(f"{rows[n][1]:14.7f}" for n in names))
    print(f"{'predicted class of x[0]':24}" + "".join(f"{int(rows[n][0][0].argmax()):14d}"
                                                      for n in names))
    print(f"{'p(class 0 | x[0])':24}" + "".join(f"{rows[n][0][0, 0]:14.7f}" for n in names))
    reference = rows[names[0]][0]
    for n in names[1:]:
        diff = float(np.abs(rows[n][0] - reference).max())
        print(f"max |p_{n} - p_{names[0]}| = {diff:.2e}")
    if args.epochs:
        losses = {n: train(for_backend(n), x, (w1, b1, w2, b2), labels, args.epochs)
                  for n in names}
        for epoch in range(args.epochs):
            print(f"{f'loss at step {epoch + 1}':24}"
                  + "".join(f"{losses[n][epoch]:14.7f}" for n in names))
    return rows


if __name__ == "__main__":
    main()
