"""IMDB in Keras's form for the IMDB examples: the real loader, or generated reviews for ``--smoke``.

Not an example itself (tests/run_examples.py skips files starting with ``_``).
"""


def generated_imdb(n_train, n_test, num_words, seed=0):
    """Reviews of IMDB's form, for ``--smoke``: what ``imdb.load_data(num_words=...)`` returns.

    Each review is a list of Python int word indices: the start mark 1, then
    10 to 500 indices in ``[2, num_words)`` (2 marks a word cut by
    ``num_words``), so that padding to the examples' ``maxlen`` (80 to 400)
    both pads and truncates. Indices are drawn with a Zipf-like skew (small,
    frequent indices recur, so reviews share words and word pairs, as real
    text does). Labels are int64 0/1, half of each set positive. Returns
    ``(x_train, y_train), (x_test, y_test)`` with 1-D object arrays of lists.
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    ranks = np.arange(2, num_words)
    weights = 1.0 / (ranks - 1)
    weights /= weights.sum()

    def reviews(n):
        xs = np.empty(n, dtype=object)
        for i in range(n):
            words = rng.choice(ranks, size=int(rng.integers(10, 501)), p=weights)
            xs[i] = [1] + words.tolist()
        return xs

    def labels(n):
        return rng.permutation(np.arange(n) % 2).astype(np.int64)

    return (reviews(n_train), labels(n_train)), (reviews(n_test), labels(n_test))


def load_imdb(data, smoke, num_words, n_train, n_test):
    """``(x_train, y_train), (x_test, y_test)`` as ``imdb.load_data(num_words=num_words)`` gives.

    ``data``: the path of a copy of ``imdb.npz`` (checked against Keras's
    md5 like the cached file); None: the Keras cache, downloaded on first use
    (offline, the loader's FileNotFoundError names the URL and the cache
    path). ``smoke``: ``n_train``/``n_test`` generated reviews without
    ``data``, the first ones of ``data`` with it.
    """
    from polykeras.datasets import imdb

    if smoke and not data:
        return generated_imdb(n_train, n_test, num_words)
    kwargs = {"path": data} if data else {}
    (x_train, y_train), (x_test, y_test) = imdb.load_data(num_words=num_words, **kwargs)
    if smoke:
        x_train, y_train = x_train[:n_train], y_train[:n_train]
        x_test, y_test = x_test[:n_test], y_test[:n_test]
    return (x_train, y_train), (x_test, y_test)

