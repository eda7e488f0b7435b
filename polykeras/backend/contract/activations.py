"""Contract: activation functions (element-wise unless stated).

Float inputs keep their dtype; integer inputs give floatx.
"""

from ._declare import api


@api("core", differentiable=('x',), elementwise=True)
def relu(x, alpha=0.0, max_value=None, threshold=0.0):
    """Rectified linear unit, as Keras 2.2.4's TensorFlow backend computes it.

    The positive part is ``x * (x > threshold)`` (``max(x, 0)`` when threshold is 0); with
    ``max_value`` it is clipped into ``[0, max_value]``; then ``alpha * max(threshold - x, 0)``
    is subtracted. So with a negative ``threshold`` and a ``max_value``, values in
    ``(threshold, 0)`` give 0, and a negative ``max_value`` leaves only the negative part.
    With only ``alpha``: ``x`` for x > 0, ``alpha * x`` otherwise.
    """


@api("core", differentiable=('x',), elementwise=True)
def elu(x, alpha=1.0):
    """Exponential linear unit: ``x`` for x > 0, ``alpha * (exp(x) - 1)`` otherwise.
    """


@api("core", differentiable=('x',), elementwise=True)
def sigmoid(x):
    """``1 / (1 + exp(-x))``, stable for large |x|.
    """


@api("core", differentiable=('x',), elementwise=True)
def hard_sigmoid(x):
    """``clip(0.2 * x + 0.5, 0, 1)``.
    """


@api("core", differentiable=('x',))
def softmax(x, axis=-1):
    """Softmax along ``axis``, stable for large inputs (the maximum is subtracted).

    Raises:
        ValueError: axis out of range.
    """


@api("core", differentiable=('x',), elementwise=True)
def softplus(x):
    """``log(1 + exp(x))``, stable for large |x|.
    """


@api("core", differentiable=('x',), elementwise=True)
def softsign(x):
    """``x / (1 + |x|)``.
    """


@api("core", differentiable=('x',), elementwise=True)
def tanh(x):
    """Hyperbolic tangent.
    """
