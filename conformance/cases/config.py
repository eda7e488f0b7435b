"""Conformance cases: configuration functions."""

import numpy as np

from ..framework import CustomCase, ErrorCase, cases_for


def _restoring(getter, setter, check):
    """A CustomCase body that runs ``check(backend)`` and restores the setting."""
    def run(backend):
        saved = getattr(backend, getter)()
        try:
            check(backend)
        finally:
            getattr(backend, setter)(saved)
    return run


@cases_for("backend")
def _backend(rng):
    def check(b):
        name = b.backend()
        assert isinstance(name, str) and name, f"backend() returned {name!r}"
    yield CustomCase(check, "returns a non-empty name")


@cases_for("floatx", "set_floatx")
def _floatx(rng):
    def roundtrip(b):
        for value in ("float16", "float64", "float32"):
            b.set_floatx(value)
            assert b.floatx() == value, f"floatx() is {b.floatx()!r} after set_floatx({value!r})"
            assert b.dtype(b.variable(np.zeros(2))) == value, "variable() ignores floatx"
    yield CustomCase(_restoring("floatx", "set_floatx", roundtrip),
                     "set then read, used by variable()")

    def rejects(b):
        before = b.floatx()
        for bad in ("float8", "int32", None, 32):
            try:
                b.set_floatx(bad)
            except ValueError as exc:
                assert "floatx" in str(exc) and "float32" in str(exc), str(exc)
            else:
                raise AssertionError(f"set_floatx({bad!r}) did not raise ValueError")
            assert b.floatx() == before, "a rejected set_floatx changed the setting"
    yield CustomCase(_restoring("floatx", "set_floatx", rejects), "bad values rejected, state kept")


@cases_for("epsilon", "set_epsilon")
def _epsilon(rng):
    def roundtrip(b):
        b.set_epsilon(1e-5)
        assert b.epsilon() == 1e-5
        for bad in (-1.0, float("nan"), "x"):
            try:
                b.set_epsilon(bad)
            except ValueError as exc:
                assert "set_epsilon" in str(exc), str(exc)
            else:
                raise AssertionError(f"set_epsilon({bad!r}) did not raise")
        assert b.epsilon() == 1e-5
    yield CustomCase(_restoring("epsilon", "set_epsilon", roundtrip),
                     "set, read, bad values rejected")


@cases_for("image_data_format", "set_image_data_format")
def _image_data_format(rng):
    def roundtrip(b):
        b.set_image_data_format("channels_first")
        assert b.image_data_format() == "channels_first"
        try:
            b.set_image_data_format("channels_middle")
        except ValueError as exc:
            assert "channels_last" in str(exc) and "channels_middle" in str(exc), str(exc)
        else:
            raise AssertionError("set_image_data_format('channels_middle') did not raise")
        assert b.image_data_format() == "channels_first"
    yield CustomCase(_restoring("image_data_format", "set_image_data_format", roundtrip),
                     "set, read, bad value rejected")


@cases_for("normalize_data_format")
def _normalize_data_format(rng):
    def check(b):
        assert b.normalize_data_format("Channels_First") == "channels_first"
        assert b.normalize_data_format(None) == b.image_data_format()
    yield CustomCase(check, "lower-cases, fills None")
    yield ErrorCase(args=("nchw",), raises=ValueError, match="channels_last")


@cases_for("cast_to_floatx")
def _cast_to_floatx(rng):
    def check(b):
        out = b.cast_to_floatx([1, 2, 3])
        assert isinstance(out, np.ndarray) and out.dtype == np.dtype(b.floatx()), repr(out)
        np.testing.assert_array_equal(out, [1.0, 2.0, 3.0])
    yield CustomCase(check, "numpy array of floatx")
