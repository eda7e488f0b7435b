"""Choosing the backend: KERAS_BACKEND, keras.json, KERAS_HOME, errors, and lazy framework imports.

These are the only tests that set KERAS_BACKEND, each in a subprocess.
"""

import json
import pathlib
import os
import subprocess
import sys
import textwrap

import pytest

from polykeras.backend.config import DEFAULT_BACKEND


def run_python(code, tmp_path, backend=None, keras_home=None, check=True):
    env = {k: v for k, v in os.environ.items() if k != "KERAS_BACKEND"}
    env["KERAS_HOME"] = str(keras_home if keras_home is not None else tmp_path / "home")
    if backend is not None:
        env["KERAS_BACKEND"] = backend
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)
    if check and proc.returncode != 0:
        raise AssertionError(f"subprocess failed:\n{proc.stdout}\n{proc.stderr}")
    return proc


@pytest.mark.parametrize("name", ["numpy", "torch", "jax"])
def test_keras_backend_variable_selects_backend(tmp_path, name):
    out = run_python("""
        from polykeras import backend as K
        import numpy as np
        x = K.constant(np.arange(6.0).reshape(2, 3))
        print(K.backend(), type(x).__module__.split('.')[0], K.int_shape(x))
    """, tmp_path, backend=name).stdout.split()
    assert out[0] == name
    assert out[1] == {"numpy": "numpy", "torch": "torch", "jax": "jaxlib"}[name]


def test_numpy_backend_imports_neither_torch_nor_jax(tmp_path):
    out = run_python("""
        import sys
        import polykeras
        from polykeras import backend as K
        K.eval(K.constant([1.0, 2.0]))
        print(K.backend(), 'torch' in sys.modules, 'jax' in sys.modules)
    """, tmp_path, backend="numpy").stdout.split()
    assert out == ["numpy", "False", "False"]


def test_torch_backend_does_not_import_jax(tmp_path):
    out = run_python("""
        import sys
        from polykeras import backend as K
        K.floatx(); print(K.backend(), 'jax' in sys.modules)
    """, tmp_path, backend="torch").stdout.split()
    assert out == ["torch", "False"]


def test_keras_json_is_created_with_defaults_and_read(tmp_path):
    home = tmp_path / "kh"
    run_python("from polykeras import backend as K; K.floatx()", tmp_path, keras_home=home)
    config = json.loads((home / "keras.json").read_text())
    assert config == {"floatx": "float32", "epsilon": 1e-07, "backend": "jax",
                      "image_data_format": "channels_last"}
    config.update(backend="torch", floatx="float64", image_data_format="channels_first")
    (home / "keras.json").write_text(json.dumps(config))
    out = run_python("""
        from polykeras import backend as K
        print(K.backend(), K.floatx(), K.image_data_format())
    """, tmp_path, keras_home=home).stdout.split()
    assert out == ["torch", "float64", "channels_first"]


def test_environment_variable_wins_over_keras_json(tmp_path):
    home = tmp_path / "kh"
    home.mkdir()
    (home / "keras.json").write_text(json.dumps({"backend": "torch"}))
    out = run_python("from polykeras import backend as K; print(K.backend())",
                     tmp_path, backend="jax", keras_home=home).stdout.split()
    assert out == ["jax"]


def test_unwritable_keras_home_falls_back_to_a_private_folder(tmp_path, monkeypatch):
    """Not the shared /tmp/.keras, where anyone could plant a keras.json (issue 15 item 11)."""
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setenv("TMPDIR", str(temp))
    out = run_python("""
        import os
        from polykeras.backend import config
        from polykeras import backend as K
        print(config.keras_home(), oct(os.stat(config.keras_home()).st_mode & 0o777), K.backend())
    """, tmp_path, keras_home=blocker / "sub").stdout.split()
    fallback = temp / f".keras-{os.getuid()}"
    configured = json.loads((fallback / "keras.json").read_text())["backend"]
    assert out == [str(fallback), "0o700", configured]


def test_broken_keras_json_is_not_overwritten(tmp_path):
    home = tmp_path / "kh"
    home.mkdir()
    (home / "keras.json").write_text("{not json")
    proc = run_python("from polykeras import backend as K; print(K.backend())", tmp_path, keras_home=home)
    assert proc.stdout.split() == [DEFAULT_BACKEND]
    assert "Ignoring unreadable Keras config" in proc.stderr
    assert (home / "keras.json").read_text() == "{not json"


def test_unknown_backend_is_a_clear_error(tmp_path):
    proc = run_python("from polykeras import backend as K; K.floatx()", tmp_path,
                      backend="theano", check=False)
    assert proc.returncode != 0
    assert "Unknown backend" in proc.stderr
    for expected in ("'theano'", "numpy", "torch", "jax", "KERAS_BACKEND"):
        assert expected in proc.stderr


_THIRD_PARTY_SOURCE = """
    from polykeras.backend.contract import FUNCTIONS
    from polykeras.backend.graph import make_graph_aware
    import polykeras.backends.numpy as _np_backend
    globals().update({n: getattr(_np_backend, n) for n in FUNCTIONS})
    Function, seed = _np_backend.Function, _np_backend.seed
    def backend():
        return "acme"
    make_graph_aware(globals())
"""


def test_third_party_backend_by_dotted_path(tmp_path):
    pkg = tmp_path / "acme"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "mybackend.py").write_text(textwrap.dedent(_THIRD_PARTY_SOURCE))
    out = run_python("""
        from polykeras import backend as K
        import acme.mybackend as module
        print(K.backend(), module.backend(), K.eval(K.sum(K.variable([1.0, 1.0]) * 2)))
    """, tmp_path, backend="acme.mybackend").stdout.split()
    # K.backend() is the name the backend was selected by, as in Keras 2.2.4
    assert out == ["acme.mybackend", "acme", "4.0"]


def test_third_party_backend_by_module_name_without_a_dot(tmp_path):
    (tmp_path / "plainbackend.py").write_text(textwrap.dedent(_THIRD_PARTY_SOURCE))
    out = run_python("from polykeras import backend as K; print(K.backend(), K.floatx())",
                     tmp_path, backend="plainbackend").stdout.split()
    assert out == ["plainbackend", "float32"]


def test_third_party_backend_without_the_protocol_is_refused_naming_what_is_missing(tmp_path):
    (tmp_path / "bare.py").write_text(textwrap.dedent("""
        from polykeras.backend.contract import FUNCTIONS
        import polykeras.backends.numpy as _np_backend
        globals().update({n: getattr(_np_backend, n) for n in FUNCTIONS})
    """))
    proc = run_python("from polykeras import backend as K; K.floatx()", tmp_path,
                      backend="bare", check=False)
    assert proc.returncode != 0
    for member in ("__raw__: missing", "Function: missing", "evaluate: missing",
                   "seed: missing", "docs/BACKENDS.md"):
        assert member in proc.stderr


def test_backends_side_by_side_in_one_process(tmp_path):
    out = run_python("""
        import numpy as np
        from polykeras import backend as K
        import polykeras.backends.torch as KT
        import polykeras.backends.jax as KJ
        x = np.arange(6.0).reshape(2, 3)
        print(K.backend(), KT.backend(), KJ.backend(),
              float(K.eval(K.constant(x)).sum()), float(KT.eval(KT.constant(x)).sum()),
              float(KJ.eval(KJ.constant(x)).sum()))
        with K.use_backend("torch"):
            print(K.backend())
        print(K.backend())
    """, tmp_path, backend="numpy").stdout.split()
    assert out == ["numpy", "torch", "jax", "15.0", "15.0", "15.0", "torch", "numpy"]


def test_config_setters_validate(tmp_path):
    from polykeras.backend import config
    with pytest.raises(ValueError, match=r"Expected one of .*Received: floatx='float8'"):
        config.set_floatx("float8")
    with pytest.raises(ValueError, match=r"Received: data_format='nhwc'"):
        config.set_image_data_format("nhwc")
    with pytest.raises(ValueError, match="set_epsilon"):
        config.set_epsilon(-1)
