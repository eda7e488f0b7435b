"""Model code reaches backends only through the abstract API.

Nothing under polykeras/ outside the backend contract (polykeras/backend/)
may import torch, jax or jaxlib.
"""

import ast
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent / "polykeras"
FRAMEWORKS = {"torch", "jax", "jaxlib"}
ALLOWED = ROOT / "backend"


def _framework_imports(path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        elif (isinstance(node, ast.Call)
              and getattr(node.func, "attr", getattr(node.func, "id", ""))
              in ("import_module", "__import__") and node.args
              and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            names = [node.args[0].value]
        else:
            continue
        for name in names:
            if name.split(".")[0] in FRAMEWORKS:
                yield node.lineno, name


def test_model_code_imports_no_framework():
    offenders = []
    for path in sorted(ROOT.rglob("*.py")):
        if ALLOWED in path.parents:
            continue
        for lineno, name in _framework_imports(path):
            offenders.append(f"{path.relative_to(ROOT.parent)}:{lineno} imports {name}")
    assert not offenders, \
        "model code must use the abstract backend API only:\n" + "\n".join(offenders)


def test_the_scan_catches_a_violation(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import numpy\nfrom torch import nn\nimportlib.import_module('jax.numpy')\n")
    assert [name for _, name in _framework_imports(bad)] == ["torch", "jax.numpy"]
