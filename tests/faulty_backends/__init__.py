"""Third-party backends with one injected fault, for the proof that ``polykeras compare`` finds
bugs (tests/test_compare.py). Each module is the NumPy backend with one function replaced,
selected like any backend: ``KERAS_BACKEND=tests.faulty_backends.softmax_axis``.

* ``softmax_axis``    -- ``softmax`` normalises over the batch axis instead of ``axis``.
* ``conv2d_flipped``  -- ``conv2d`` flips the kernel (a true convolution, not Keras's
  cross-correlation).
* ``sqrt_blocked``    -- ``sqrt`` of an array of 100 or more elements returns the first
  half's roots for the second half too (a blocked loop that reuses its first block).
* ``pow_late``        -- ``pow`` with exponents of 3 or more raises to one less (Adam's
  bias correction ``beta ** t`` goes wrong from the third step).
* ``no_crossentropy`` -- ``categorical_crossentropy`` is not implemented (models using it
  do not compile on this backend).
"""
