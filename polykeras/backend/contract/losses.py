"""Contract: cross-entropies and in_top_k.

Without ``from_logits``, ``output`` holds probabilities, clipped to
``[epsilon(), 1 - epsilon()]`` as Keras 2.2 does; with it, raw logits.
"""

from ._declare import api


@api("core", differentiable=('output',))
def binary_crossentropy(target, output, from_logits=False):
    """Element-wise binary cross-entropy.

    Returns:
        Tensor of ``output``'s shape and float dtype.
    """


@api("core", differentiable=('output',))
def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Categorical cross-entropy along the class axis ``axis``.

    ``output`` probabilities are first normalised to sum to 1 along ``axis``.

    Returns:
        Tensor of ``output``'s shape without ``axis``.

    Raises:
        ValueError: ``target`` and ``output`` of different shapes, or ``axis``
        out of range.
    """


@api("core", differentiable=('output',))
def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Categorical cross-entropy with integer class targets.

    Args:
        target: integer (or integer-valued float) tensor of ``output``'s shape
            without ``axis`` (a trailing dimension of 1 is accepted).
        axis: the class axis of ``output``.

    Returns:
        Tensor of ``output``'s shape without ``axis``.

    Raises:
        ValueError: a target of another shape, or ``axis`` out of range.
    """


@api("core")
def in_top_k(predictions, targets, k):
    """Whether ``targets[i]`` is among the ``k`` largest of ``predictions[i]``.

    Ties straddling the boundary count as in (as TensorFlow); a row with a
    non-finite prediction gives False.

    Args:
        predictions: float tensor (batch, classes).
        targets: integer tensor (batch,).

    Returns:
        bool tensor (batch,).

    Raises:
        ValueError: shapes other than those above.
    """
