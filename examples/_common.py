"""Helpers shared by the examples: backend selection and MNIST in Keras's form.

Not an example itself (tests/run_examples.py skips files starting with ``_``).
Each example keeps its command line and model code in its own file; only the
set-up and data handling that several of them repeat word for word live here.
"""

import os

BACKENDS = ("numpy", "torch", "jax")


def start(args):
    """Select ``args.backend`` (before polykeras first reads it), seed everything, return ``K``."""
    if args.backend:
        os.environ["KERAS_BACKEND"] = args.backend
    from polykeras import backend as K
    from polykeras.utils import set_random_seed

    print(f"Backend: {K.backend()}")
    # After K.backend(): set_random_seed reseeds only the backends loaded so far
    # (their generators drive dropout and K.random_*).
    set_random_seed(args.seed)
    return K


def generated_mnist(n_train, n_test, seed=0):
    """Random 28x28 uint8 images and uint8 digit labels: MNIST's form, for ``--smoke``.

    Every digit occurs in both sets (the Siamese example pairs digits per class).
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    x = rng.integers(0, 256, size=(n_train + n_test, 28, 28), dtype=np.uint8)
    y = np.concatenate([rng.permutation(np.arange(n) % 10) for n in (n_train, n_test)])
    return (x[:n_train], y[:n_train].astype(np.uint8)), (x[n_train:], y[n_train:].astype(np.uint8))


def load_mnist(data=None, smoke=False, n_train=512, n_test=256):
    """MNIST as ``mnist.load_data()`` returns it: uint8 images ``(n, 28, 28)`` and labels ``(n,)``.

    ``data``: a folder with MNIST's IDX files or ``mnist.npz`` (a folder with
    only the t10k files gives 8,000 training and 2,000 test images); None:
    the Keras cache, downloaded on first use (the loader's error names the
    URL and the cache path when offline). ``smoke``: ``n_train``/``n_test``
    generated images without ``data``, the first ones of ``data`` with it.
    """
    from polykeras.datasets import mnist

    if smoke and not data:
        return generated_mnist(n_train, n_test)
    (x_train, y_train), (x_test, y_test) = mnist.load_data(data) if data else mnist.load_data()
    if smoke:
        x_train, y_train, x_test, y_test = (x_train[:n_train], y_train[:n_train],
                                            x_test[:n_test], y_test[:n_test])
    return (x_train, y_train), (x_test, y_test)


def run_script(main):
    """Run an example's ``main()`` as a script: exit status 0 on success.

    A dataset that is neither given, cached nor downloadable ends the script
    with the loader's message (which names the URL and the cache path) and a
    reminder of ``--data`` and ``--smoke``, without a traceback.
    """
    import sys

    try:
        result = main()
    except FileNotFoundError as error:
        sys.exit(f"{error}\n(--data reads a local copy of the dataset; --smoke runs on generated "
                 "data of the same form)")
    sys.exit(0 if result is not None else 1)
