"""Third-party backends with one injected fault, for the proof that ``polykeras compare`` finds
bugs (tests/test_compare.py). Each module is the NumPy backend with one function replaced,
selected like any backend: ``KERAS_BACKEND=tests.faulty_backends.softmax_axis``.

* ``softmax_axis``    -- ``softmax`` normalises over the batch axis instead of ``axis``.
* ``conv2d_flipped``  -- ``conv2d`` flips the kernel (a true convolution, not Keras's
  cross-correlation).
* ``maximum_blocked`` -- ``maximum`` with a result of 100 or more elements returns the
  first half's values for the second half too (a blocked loop that reuses its first
  block); Adamax's update takes ``maximum(beta_2 * u, abs(g))``.
* ``pow_late``        -- ``pow`` with exponents of 3 or more raises to one less (the bias
  correction ``beta ** t`` of Adam and Adamax goes wrong from the third step).

(Not ``sqrt``: the NumPy executor computes ``sqrt``, ``square`` and the arithmetic
operators of an optimizer update itself, in place, so a replaced ``sqrt`` never runs there.)
* ``crashes``         -- the process dies while the backend is imported.
* ``unchanged``       -- nothing replaced: the control, equal to ``numpy`` bit for bit.
"""
