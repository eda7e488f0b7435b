"""Math on torch: what differs from ``backends/common/math.py`` (bound by ``export_topics``)."""

from polykeras.backends.common import math as _shared

from .core import OPS

__all__ = ["sqrt"]


def sqrt(x):
    """Square root, negative inputs clipped to 0 first (as Keras does).

    While autograd records (the gradient region of a compiled function), it is
    written with a guarded ``where`` so the gradient at 0 and at clipped inputs
    is 0, as on the NumPy and JAX backends: ``sqrt(clamp(x, 0))`` would give
    ``inf`` at 0, and NaN through a distance between equal vectors.
    """
    import torch
    x = _shared._float(OPS, x)
    if not (torch.is_grad_enabled() and x.requires_grad):
        return torch.sqrt(torch.clamp(x, min=0.0))
    positive = x > 0
    safe = torch.where(positive, x, torch.ones_like(x))
    return torch.where(positive, torch.sqrt(safe), torch.zeros_like(x))
