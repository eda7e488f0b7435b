"""Contract: symbolic tensors, compiled functions, gradients and the graph state.

polykeras follows Keras 2.2's TensorFlow (graph mode) semantics on every
backend. A *symbolic tensor* (``polykeras.backend.graph.Tensor``) has no
value: it records the API call that made it, with its inferred
``int_shape`` (``None`` for unknown dims) and dtype. Any ``op`` function
called with a symbolic tensor or a *variable* among its arguments returns a
symbolic tensor (so ``K.sum(v)`` is re-evaluated whenever it is computed,
after the variable changes); ``eval``, ``get_value``, ``int_shape``,
``dtype``, ``ndim``, ``is_tensor`` and ``count_params`` accept symbolic
tensors. Python operators and indexing on symbolic tensors and variables
(``x + y``, ``1 - x``, ``-x``, ``x ** 2``, ``x[:, 0]``) record nodes too.
Values come from :func:`function`.
"""

from ._declare import api


@api("symbolic", kind="graph")
def placeholder(shape=None, ndim=None, dtype=None, sparse=False, name=None):
    """A symbolic input tensor, fed when a :func:`function` is called.

    Args:
        shape: tuple of ints and ``None`` (unknown size); an int means ``(int,)``.
        ndim: the rank, used when ``shape`` is None (all dims unknown).
        dtype: Keras dtype string; default :func:`floatx`.
        sparse: whether it is fed sparse values (``scipy.sparse`` matrices are
            accepted and densified: every backend computes dense).
        name: the name feeds may use in a dict; default ``"placeholder_<n>"``
            (prefixed by the active :func:`name_scope`).

    Returns:
        A symbolic tensor with ``int_shape == shape``, ``_keras_shape == shape``
        and ``_uses_learning_phase == False``.

    Raises:
        ValueError: neither ``shape`` nor ``ndim``, a negative dim, or an
            unknown dtype (messages name ``placeholder``).
    """


@api("symbolic", kind="host")
def is_placeholder(x):
    """Whether ``x`` is a placeholder (a symbolic tensor fed by a function); False for anything
    else."""


@api("symbolic", kind="host")
def is_keras_tensor(x):
    """Whether ``x`` is a Keras tensor: a tensor carrying ``_keras_history`` (set by layers).

    Returns:
        bool; False for variables, backend arrays and placeholders made
        outside a layer.

    Raises:
        ValueError: ``x`` is not a tensor at all (``is_tensor(x)`` is False),
            e.g. a NumPy array on a non-NumPy backend or a number.
    """


@api("symbolic", kind="graph")
def function(inputs, outputs, updates=None, **kwargs):
    """Compile a function computing ``outputs`` from fed ``inputs``, then applying ``updates``.

    Args:
        inputs: list of placeholders (any symbolic tensor may be fed).
        outputs: a symbolic tensor or variable, or a list of them.
        updates: list of ``(variable, new_value)`` pairs or results of
            :func:`update`, :func:`update_add`, :func:`update_sub`,
            :func:`moving_average_update`. All new values are computed from
            the values before the call, after the outputs; then every variable
            takes its new value (dtype and shape kept).
        **kwargs: ``name`` (a label), ``fetches`` (extra tensors computed at
            every call, e.g. to run their updates) and ``feed_dict`` (fixed
            values for other placeholders, ``{placeholder: array}``).

    Returns:
        A callable ``f(values)``: ``values`` is a list of arrays in the order
        of ``inputs`` (or a dict keyed by placeholder or placeholder name);
        returns a list of ``numpy.ndarray``, one per output (a list of one for
        a single output). The learning phase, when not an input, is 0 (or the
        phase fixed by :func:`set_learning_phase`). Random ops draw fresh
        numbers at every call.

    Raises:
        TypeError: ``inputs`` not a list, an input that is not symbolic, or a
            fed value whose dtype cannot take the placeholder's without losing
            values (float values for an int placeholder).
        ValueError: an output that needs a placeholder which is not an input
            (the message names it), a bad update, an unknown keyword argument;
            at call time a wrong number of values or an incompatible shape
            (the message names ``function`` and the placeholder).
    """


@api("symbolic", kind="graph")
def gradients(loss, variables):
    """Symbolic gradients of ``loss`` with respect to ``variables``.

    Args:
        loss: a symbolic float tensor; a non-scalar loss is differentiated as
            the sum of its elements.
        variables: a list of variables or symbolic tensors (placeholders,
            intermediate tensors), or a single one.

    Returns:
        A list of symbolic tensors, one per entry of ``variables``, each of
        its shape and dtype. Where ``loss`` does not depend on an entry (or
        the entry is not a float tensor) the gradient is zeros -- where
        Keras's TensorFlow backend gives ``None``.

    Raises:
        TypeError: ``loss`` not symbolic or not float, an entry that is not a
            variable or symbolic tensor.
    """


@api("symbolic", kind="op")
def stop_gradient(variables):
    """The same values, through which no gradient flows.

    Args:
        variables: a tensor or variable, or a list of them.

    Returns:
        A tensor, or a list of tensors for a list.
    """


@api("symbolic", kind="op", differentiable=("then_expression", "else_expression"))
def switch(condition, then_expression, else_expression):
    """Choose between two tensors according to ``condition``.

    Args:
        condition: a scalar (bool or number, 0 meaning False) or a tensor of
            rank k <= the branches' rank: element-wise selection, broadcast
            over the branches' trailing dims.
        then_expression, else_expression: tensors, or callables returning
            tensors. With a concrete scalar condition only the chosen callable
            is called.

    Returns:
        A tensor of the branches' shape; its dtype is the branches' (promoted
        when they differ).

    Raises:
        ValueError: a condition of higher rank than the branches, or (scalar
            condition) branches of different ranks.
    """


@api("symbolic", kind="graph")
def in_train_phase(x, alt, training=None):
    """``x`` in the training phase, ``alt`` otherwise.

    Args:
        x, alt: tensors or callables returning tensors.
        training: ``None`` (use :func:`learning_phase`), the Python values
            ``0``/``1``/``False``/``True`` (choose now), or a symbolic scalar.

    Returns:
        The chosen tensor; with a symbolic phase a :func:`switch` whose
        ``_uses_learning_phase`` is True when ``training`` was None.
    """


@api("symbolic", kind="graph")
def in_test_phase(x, alt, training=None):
    """``x`` in the test phase, ``alt`` otherwise (``in_train_phase(alt, x, training)``)."""


@api("symbolic", kind="graph")
def learning_phase():
    """The learning phase: 0 = test, 1 = train.

    Returns:
        The phase fixed by :func:`set_learning_phase` (a Python int), else the
        session's symbolic scalar ``bool`` placeholder ``keras_learning_phase``,
        which functions are fed (the engine adds it to their inputs) and which
        is 0 in a function that is not fed it.
    """


@api("symbolic", kind="host")
def set_learning_phase(value):
    """Fix the learning phase to ``value`` (0 or 1) until :func:`clear_session`.

    Raises:
        ValueError: ``value`` is not 0 or 1.
    """


@api("symbolic", kind="graph")
def update(x, new_x):
    """Assign ``new_x`` to variable ``x`` when the function holding this update runs.

    Args:
        x: a variable.
        new_x: a tensor, array or number of ``x``'s shape (or broadcasting to
            it); cast to ``x``'s dtype.

    Returns:
        A symbolic tensor: the new value. Passed to :func:`function` as an
        update (or computed as an output, or evaluated), it assigns.

    Raises:
        TypeError: ``x`` is not a variable.
        ValueError: ``new_x``'s shape does not fit ``x``'s.
    """


@api("symbolic", kind="graph")
def update_add(x, increment):
    """Add ``increment`` to variable ``x`` when run (see :func:`update`)."""


@api("symbolic", kind="graph")
def update_sub(x, decrement):
    """Subtract ``decrement`` from variable ``x`` when run (see :func:`update`)."""


@api("symbolic", kind="graph")
def moving_average_update(x, value, momentum):
    """Update variable ``x`` to ``x * momentum + value * (1 - momentum)`` when run.

    This is the plain (not zero-debiased) moving average, as Keras 2.2's
    Theano and CNTK backends compute it (see :func:`update`).

    Raises:
        TypeError: ``x`` is not a variable, or ``momentum`` is not a number.
    """


@api("symbolic", kind="op", differentiable=("x",))
def print_tensor(x, message=""):
    """``x`` itself; prints ``message`` followed by ``x``'s value to stdout whenever it is computed.

    Called on a concrete array it prints at once.
    """


@api("symbolic", kind="host")
def name_scope(name):
    """Context manager: names of tensors and placeholders made inside start with ``name/``.

    Raises:
        ValueError: an empty name.
    """


@api("symbolic", kind="host")
def get_session():
    """The current session: the graph state functions run in.

    polykeras has no framework session; its session object holds the state
    TensorFlow keeps per graph: the learning phase, the name scopes and the
    uid counters. Variables are not part of it (they hold their values).
    """


@api("symbolic", kind="host")
def set_session(session):
    """Make ``session`` (a session obtained from :func:`get_session`) the current one.

    Raises:
        TypeError: ``session`` is not a polykeras session.
    """


@api("symbolic", kind="host")
def clear_session():
    """Forget the graph state: start a new session (new learning-phase placeholder, phase not
    fixed, uid counters reset). Existing variables keep their values."""


@api("symbolic", kind="host")
def get_uid(prefix=""):
    """The next uid for ``prefix`` in this session: 1, 2, 3, ... (layers name themselves with
    it)."""


@api("symbolic", kind="host")
def reset_uids():
    """Restart every ``get_uid`` counter of this session."""


@api("symbolic", kind="host")
def manual_variable_initialization(value):
    """Record whether variables are initialized by the user (Keras 2.2's flag).

    polykeras variables always hold their initial value from creation, so
    the flag changes nothing else; it is kept in the session.
    """
