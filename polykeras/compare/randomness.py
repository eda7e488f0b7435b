"""``--same-randomness``: dropout and noise masks from one backend-independent stream.

While a model is built, the random functions of ``K`` (``dropout``,
``random_uniform``, ``random_normal``, ``random_binomial``,
``truncated_normal``) called on symbolic tensors record a *placeholder*
instead of a draw of the backend's generator. Every compiled function of the
comparison feeds these placeholders with arrays drawn by one seeded NumPy
generator, in the order the layers asked for them, so every backend (and the
float64 reference) trains with the same masks: the differences that remain
come from arithmetic alone.
"""

from __future__ import annotations

import numpy as np

from polykeras.backend.graph.tensor import Tensor, is_symbolic

PATCHED = ("dropout", "random_uniform", "random_normal", "random_binomial", "truncated_normal")


class NoiseFeed:
    """One recorded draw: its placeholder, the distribution and the static shape (None: batch)."""

    def __init__(self, placeholder, kind, shape, params, dtype):
        self.placeholder, self.kind, self.shape, self.params = placeholder, kind, shape, params
        self.dtype = dtype

    def draw(self, rng: np.random.Generator, batch_size: int) -> np.ndarray:
        shape = tuple(batch_size if d is None else d for d in self.shape)
        p = self.params
        if self.kind == "dropout":
            retain = 1.0 - p["level"]
            value = (rng.random(shape) < retain) / retain
        elif self.kind == "random_uniform":
            value = rng.uniform(p["minval"], p["maxval"], shape)
        elif self.kind == "random_normal":
            value = rng.normal(p["mean"], p["stddev"], shape)
        elif self.kind == "truncated_normal":
            value = rng.normal(0.0, 1.0, shape)
            outside = np.abs(value) > 2
            while outside.any():  # redraw beyond two standard deviations, as TensorFlow does
                value[outside] = rng.normal(0.0, 1.0, int(outside.sum()))
                outside = np.abs(value) > 2
            value = p["mean"] + p["stddev"] * value
        else:  # random_binomial
            value = (rng.random(shape) < p["p"]).astype(np.float64)
        return value.astype(self.dtype)


class SharedNoise:
    """Installs the recording random functions on ``K`` and feeds their placeholders.

    Args:
        K: the ``polykeras.backend`` module (active backend loaded).
        seed: seed of the shared stream.
    """

    def __init__(self, K, seed: int):
        self.K = K
        self.feeds: list[NoiseFeed] = []
        self.rng = np.random.default_rng([int(seed), 0x5EED])
        self._originals = {}

    # -- recording -------------------------------------------------------------------------
    def _static_shape(self, shape, like, caller):
        """``shape`` (ints, symbolic entries, ``K.shape(x)``) as a tuple of ints and None."""
        like_shape = tuple(like.shape) if like is not None else None
        if isinstance(shape, Tensor):
            if shape.op == "shape":
                dims = tuple(shape.params["x"].shape)
            else:
                dims = (None,) * int(shape.shape[0])
        else:
            dims = []
            for i, d in enumerate(shape):
                if isinstance(d, (int, np.integer)):
                    dims.append(int(d))
                elif like_shape is not None and i < len(like_shape):
                    dims.append(like_shape[i])
                else:
                    dims.append(None)
            dims = tuple(dims)
        if any(d is None for d in dims[1:]):
            raise ValueError(f"{caller} (--same-randomness): only the batch dimension of a noise "
                             f"shape may be unknown; a backend-independent mask cannot be drawn "
                             f"for shape {dims}")
        return dims

    def _record(self, kind, shape, params, dtype):
        K = self.K
        placeholder = K.placeholder(shape=shape, dtype=dtype,
                                    name=f"shared_noise_{len(self.feeds) + 1}")
        placeholder._shared_noise = True
        self.feeds.append(NoiseFeed(placeholder, kind, shape, params, dtype))
        return placeholder

    def install(self):
        """Replace ``K``'s random functions by the recording ones (until :meth:`uninstall`)."""
        K = self.K
        for name in PATCHED:
            self._originals[name] = getattr(K, name)
        originals = self._originals

        def dropout(x, level, noise_shape=None, seed=None):
            if not is_symbolic(x):
                return originals["dropout"](x, level, noise_shape, seed)
            if not 0 <= float(level) < 1:
                raise ValueError(f"dropout: Expected level in [0, 1). Received: level={level!r}")
            shape = self._static_shape(x.shape if noise_shape is None else noise_shape, x,
                                       "dropout")
            mask = self._record("dropout", shape, {"level": float(level)}, K.dtype(x))
            return x * mask

        def make(name, kind_params):
            def recording(shape, *args, **kwargs):
                import inspect
                bound = inspect.signature(originals[name]).bind(shape, *args, **kwargs)
                bound.apply_defaults()
                values = dict(bound.arguments)
                if not is_symbolic(shape):
                    return originals[name](**values)
                dims = self._static_shape(shape, None, name)
                dtype = values.get("dtype") or K.floatx()
                return self._record(name, dims, {k: float(values[k]) for k in kind_params}, dtype)
            recording.__name__ = name
            return recording

        replacements = {
            "dropout": dropout,
            "random_uniform": make("random_uniform", ("minval", "maxval")),
            "random_normal": make("random_normal", ("mean", "stddev")),
            "truncated_normal": make("truncated_normal", ("mean", "stddev")),
            "random_binomial": make("random_binomial", ("p",)),
        }
        for name, fn in replacements.items():
            setattr(K, name, fn)
        return self

    def uninstall(self):
        for name, fn in self._originals.items():
            setattr(self.K, name, fn)
        self._originals = {}

    # -- feeding ---------------------------------------------------------------------------
    @property
    def placeholders(self) -> list:
        return [f.placeholder for f in self.feeds]

    def draw(self, batch_size: int) -> list[np.ndarray]:
        """The next values of every placeholder, for a batch of ``batch_size`` samples."""
        return [f.draw(self.rng, batch_size) for f in self.feeds]

    def dummy(self, batch_size: int) -> list[np.ndarray]:
        """Values for functions run in the test phase (the masks are not used): ones."""
        return [np.ones(tuple(batch_size if d is None else d for d in f.shape), f.dtype)
                for f in self.feeds]
