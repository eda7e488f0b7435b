"""The tolerances of a comparison, per dtype of the backend's run (documented in the README).

All are *relative*: the largest absolute difference from the float64 reference divided by
the largest absolute reference value of the same tensor (so one tolerance serves a softmax
output in [0, 1] and a logit of 300).

* ``LAYER`` -- a layer output (or one function's output, recomputed from the same inputs)
  at inference: a few float32 roundings per element, amplified by sums over the inputs
  (a Dense layer over 784 pixels), stays far below 1e-4 for float32.
* ``TRAINING`` -- the loss, gradients and weights during training. Rounding differences
  compound over the steps and adaptive optimizers divide by square roots of small
  accumulators, so training is judged looser.
* ``JUMP`` -- a layer is the likely culprit when its difference is above its tolerance *and*
  more than ``JUMP`` times the largest difference of the layers feeding it (CRADLE's
  inconsistency-propagation rule): the layers before it do not explain it.
"""

from __future__ import annotations

LAYER = {"float16": 1e-2, "bfloat16": 5e-2, "float32": 1e-4, "float64": 1e-9}
TRAINING = {"float16": 5e-2, "bfloat16": 1e-1, "float32": 1e-3, "float64": 1e-8}
JUMP = 10.0


def tolerance(dtype) -> float:
    """Relative tolerance of a layer output or a function's output of ``dtype`` (integer and
    boolean results must match exactly: 0)."""
    return LAYER.get(str(dtype), 0.0)


def training_tolerance(dtype) -> float:
    """Relative tolerance of training values (loss, gradients, weights) of a ``dtype`` run."""
    return TRAINING.get(str(dtype), TRAINING["float32"])
