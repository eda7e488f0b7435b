"""Gradient agreement computes the gradients it compares, so it holds run alone (``-k``, any
order), and it catches a backend whose gradient rule is wrong while its values are right."""

import types

import numpy as np
import torch

from polykeras.backend.contract import FUNCTIONS
from polykeras.backend.graph import make_graph_aware
from polykeras.backend.loading import load_backend
from polykeras.conformance import gradcheck
from polykeras.conformance.agreement import compare_backends, compare_gradients


class _SinWithWrongGradient(torch.autograd.Function):
    """sin, whose backward pass uses -sin instead of cos (a wrong gradient rule)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return torch.sin(x)

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return -grad * torch.sin(x)


def _wrong_gradient_backend():
    """The PyTorch backend with a ``sin`` whose values are right and whose gradient is wrong,
    built as docs/BACKENDS.md says."""
    base = load_backend("torch")
    module = types.ModuleType("wrong_sin_gradient")
    for name in FUNCTIONS:
        setattr(module, name, getattr(base, name))

    def sin(x):
        return _SinWithWrongGradient.apply(torch.as_tensor(x))
    module.sin = sin
    module.Function, module.seed = base.Function, base.seed
    make_graph_aware(vars(module))
    return module


def test_agreement_keeps_no_gradients_between_runs():
    assert not hasattr(gradcheck, "GRADIENTS")


def test_agreement_alone_catches_a_wrong_gradient_rule():
    numpy_backend, wrong = load_backend("numpy"), _wrong_gradient_backend()
    np.testing.assert_allclose(wrong.eval(wrong.sin(wrong.variable([0.5]))), np.sin([0.5]),
                               rtol=1e-6)
    # run alone: nothing computed sin's gradients before in this test
    failures = compare_backends({"numpy": numpy_backend, "wrong": wrong}, "sin")
    assert failures and all("gradient, numpy vs wrong" in f for f in failures), failures
    # the same comparison of two right backends agrees
    assert compare_gradients({"numpy": numpy_backend, "torch": load_backend("torch")}, "sin") == []
