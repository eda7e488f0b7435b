"""The same computation through the backend API on NumPy, PyTorch and JAX, printed side by side.

    python examples/backends_side_by_side.py

A two-layer network's forward pass and cross-entropy on a seeded batch,
computed with `K.*` functions bound to each backend in one process.
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


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="numpy,torch,jax")
    args = parser.parse_args(argv)
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
    print(f"{'predicted class of x[0]':24}" + "".join(f"{int(rows[n][0][0].argmax()):14d}" for n in names))
    print(f"{'p(class 0 | x[0])':24}" + "".join(f"{rows[n][0][0, 0]:14.7f}" for n in names))
    reference = rows[names[0]][0]
    for n in names[1:]:
        diff = float(np.abs(rows[n][0] - reference).max())
        print(f"max |p_{n} - p_{names[0]}| = {diff:.2e}")


if __name__ == "__main__":
    main()
