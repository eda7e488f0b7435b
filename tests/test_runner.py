"""The conformance runner: table, JSON report, exit status, and a deliberately broken backend."""

import json
import subprocess
import sys
import textwrap

import pytest

from polykeras.backend.contract import ALL_NAMES, FUNCTIONS
from polykeras.conformance import runner

BROKEN_BACKEND = textwrap.dedent("""
    '''The NumPy backend with `sum` off by one: the runner must name `sum`.'''
    from polykeras.backend.contract import FUNCTIONS
    from polykeras.backend.graph import make_graph_aware
    import polykeras.backends.numpy as _np_backend

    globals().update({n: getattr(_np_backend, n) for n in FUNCTIONS})
    Function, seed = _np_backend.Function, _np_backend.seed
    _real_sum = _np_backend.__raw__.sum

    def sum(x, axis=None, keepdims=False):
        return _real_sum(x, axis=axis, keepdims=keepdims) + 1

    make_graph_aware(globals())
""")


@pytest.fixture
def broken_backend(tmp_path, monkeypatch):
    pkg = tmp_path / "thirdparty"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "broken.py").write_text(BROKEN_BACKEND)
    monkeypatch.syspath_prepend(str(tmp_path))
    return "thirdparty.broken"


def test_report_lists_all_158_names(tmp_path):
    report = runner.run_suite("numpy", names={"floatx", "set_floatx", "sum"})
    assert set(report["functions"]) == {"floatx", "set_floatx", "sum"}
    path = tmp_path / "report.json"
    code = runner.main(["--backend", "numpy", "--only", "floatx,epsilon", "--json", str(path)])
    assert code == 0
    data = json.loads(path.read_text())
    assert data["backend"] == "numpy"
    assert set(data["functions"]) == {"floatx", "epsilon"}
    assert data["summary"] == {"pass": 2, "fail": 0, "missing": 0, "skip": 0}


def test_cli_json_has_every_api_name(tmp_path):
    path = tmp_path / "all.json"
    proc = subprocess.run([sys.executable, "-m", "polykeras.conformance", "--backend", "numpy",
                           "--json", str(path)], capture_output=True, text=True, timeout=600)
    data = json.loads(path.read_text())
    assert list(data["functions"]) == list(ALL_NAMES)
    for name, entry in data["functions"].items():
        assert entry["status"] in ("pass", "fail", "missing", "skip"), name
        assert isinstance(entry["cases"], int) and isinstance(entry["failures"], list)
        if name not in FUNCTIONS:
            assert entry["status"] == "missing"
    counts = data["summary"]
    assert sum(counts.values()) == 158
    assert f"numpy: {counts['pass']}/158 functions conform" in proc.stdout
    assert proc.returncode == (1 if counts["fail"] else 0)


def test_broken_backend_is_named(broken_backend, capsys):
    code = runner.main(["--backend", broken_backend, "--only", "sum,mean,floatx"])
    out = capsys.readouterr().out
    assert code == 1
    rows = {line.split()[0]: line.split()[1] for line in out.splitlines()
            if line and line.split()[0] in ("sum", "mean", "floatx")}
    assert rows == {"sum": "fail", "mean": "pass", "floatx": "pass"}
    assert f"{broken_backend}: 2/158 functions conform" in out


def test_backend_without_the_protocol_is_named(tmp_path, monkeypatch, capsys):
    (tmp_path / "protocolless.py").write_text(textwrap.dedent("""
        from polykeras.backend.contract import FUNCTIONS
        import polykeras.backends.numpy as _np_backend
        globals().update({n: getattr(_np_backend, n) for n in FUNCTIONS})
        def relu(x, alpha=0.0, max_value=None, threshold=0.0):
            return _np_backend.__raw__.relu(x, alpha, max_value, threshold)
    """))
    monkeypatch.syspath_prepend(str(tmp_path))
    code = runner.main(["--backend", "protocolless", "--only", "relu,floatx"])
    out = capsys.readouterr().out
    assert code == 1
    assert "protocol: Function: missing" in out and "protocol: seed: missing" in out
    relu_row = next(line for line in out.splitlines() if line.startswith("relu "))
    assert "fail" in relu_row and "not graph-aware" in relu_row


def test_unknown_backend_exits_2(capsys):
    assert runner.main(["--backend", "theano"]) == 2
    assert "Unknown backend" in capsys.readouterr().err


def test_only_rejects_unknown_names():
    with pytest.raises(SystemExit):
        runner.main(["--backend", "numpy", "--only", "sum,not_a_function"])
