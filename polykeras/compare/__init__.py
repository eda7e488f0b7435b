"""``polykeras compare``: run one model on several backends and find where and why they disagree.

    from polykeras.compare import compare
    result = compare("mnist_mlp", backends="numpy,torch,jax", epochs=2)
    print(result.table())
    result.culprit("torch")      # None, or the layer whose difference jumps, with its functions
    result.parting("torch")      # None, or the first step and weight where training parts

Every backend runs in its own process from the same initial weights (one
seeded draw) and the same batch order, and is compared layer by layer and
step by step with a float64 NumPy run of the same model (see
:func:`polykeras.compare.runner.compare` for the arguments and the README's
"Comparing backends" section for what each number means).
"""

from .result import CompareResult
from .runner import compare
from .targets import TargetError, bundled_targets

__all__ = ["CompareResult", "TargetError", "bundled_targets", "compare"]
