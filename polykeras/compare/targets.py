"""What ``polykeras compare`` runs: a Python file, an importable module, or a bundled example.

A *target* defines two functions:

* ``build_model()`` -> a compiled Keras model (it may take ``input_shape``
  and/or ``num_classes``: they are then given from the data);
* ``get_data()`` -> ``(x, y)`` or ``((x, y), (x_test, y_test))``, NumPy arrays
  (a list of arrays for several inputs/outputs: then return the second form, which
  cannot be mistaken for the first). ``get_data`` may take
  ``data`` (the ``--data`` folder) and ``seed``, and may return
  ``{"data": <one of those>, "note": "where the data came from"}``: the note
  is printed with the report.

The bundled targets are the examples of the repository's ``examples/``
folder that define both functions (``$POLYKERAS_EXAMPLES`` names another
folder); :func:`bundled_targets` lists them, so an example that gains a
``get_data`` joins the list. Only :func:`load_target` imports anything; the
other functions read file names and source text, so the parent process of a
comparison loads no framework.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import inspect
import os
import pathlib
import sys
from types import ModuleType

REQUIRED = ("build_model", "get_data")


class TargetError(ValueError):
    """A target that cannot be found, imported or used (the message says what to do)."""


def examples_dir() -> pathlib.Path:
    """The folder the bundled targets come from: ``$POLYKERAS_EXAMPLES`` or the checkout's
    ``examples/`` (next to the ``polykeras`` package)."""
    configured = os.environ.get("POLYKERAS_EXAMPLES")
    if configured:
        return pathlib.Path(configured)
    return pathlib.Path(__file__).resolve().parents[2] / "examples"


def _defines(path: pathlib.Path) -> set[str]:
    """The names of the module-level functions ``path`` defines (read, not imported)."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    except (OSError, SyntaxError, UnicodeDecodeError):
        return set()
    return {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}


def bundled_targets() -> dict[str, pathlib.Path]:
    """Name -> file of every example defining ``build_model`` and ``get_data``, sorted by name."""
    folder = examples_dir()
    if not folder.is_dir():
        return {}
    found = {}
    for path in sorted(folder.glob("*.py")):
        if not path.name.startswith("_") and set(REQUIRED) <= _defines(path):
            found[path.stem] = path
    return found


def describe_target(target: str) -> dict:
    """Resolve ``target`` without importing it: ``{"kind", "spec", "name"}`` where ``kind`` is
    ``"file"``, ``"module"`` or ``"bundled"``.

    Raises:
        TargetError: a file that does not exist, or a name that is neither a bundled example
            nor an importable module (the message lists the bundled examples).
    """
    if not isinstance(target, str) or not target:
        raise TargetError(f"compare: Expected a target: a Python file, a module or one of the "
                          f"bundled examples {sorted(bundled_targets())}. Received: {target!r}")
    if target.endswith(".py") or os.sep in target or "/" in target:
        path = pathlib.Path(target).expanduser()
        if not path.is_file():
            raise TargetError(f"compare: target file {str(path)!r} does not exist. Expected a "
                              f"Python file defining build_model() and get_data().")
        return {"kind": "file", "spec": str(path.resolve()), "name": path.stem}
    bundled = bundled_targets()
    if target in bundled:
        return {"kind": "bundled", "spec": str(bundled[target]), "name": target}
    try:
        found = importlib.util.find_spec(target)
    except (ImportError, ValueError):
        found = None
    if found is None:
        examples = examples_dir()
        partial = sorted(p.stem for p in examples.glob("*.py")
                         if not p.name.startswith("_") and "build_model" in _defines(p)
                         and p.stem not in bundled) if examples.is_dir() else []
        hint = (f" (the examples {partial} define build_model() but no get_data(), so they "
                "are not comparable yet)") if partial else ""
        raise TargetError(f"compare: Unknown target {target!r}. Expected a Python file, an "
                          f"importable module, or one of the bundled examples {sorted(bundled)}"
                          f"{hint}.")
    return {"kind": "module", "spec": target, "name": target.rsplit(".", 1)[-1]}


def load_target(described: dict) -> ModuleType:
    """Import the target described by :func:`describe_target` and check its two functions.

    Raises:
        TargetError: the import failed, or ``build_model``/``get_data`` is missing.
    """
    kind, spec = described["kind"], described["spec"]
    try:
        if kind == "module":
            module = importlib.import_module(spec)
        else:
            path = pathlib.Path(spec)
            # Examples import their siblings (``_common``): their folder goes on the path.
            if str(path.parent) not in sys.path:
                sys.path.insert(0, str(path.parent))
            module_spec = importlib.util.spec_from_file_location(f"compare_target_{path.stem}",
                                                                 path)
            module = importlib.util.module_from_spec(module_spec)
            module_spec.loader.exec_module(module)
    except Exception as exc:  # noqa: BLE001 - any failure of the user's code is reported
        raise TargetError(f"compare: importing target {spec!r} failed: "
                          f"{type(exc).__name__}: {exc}") from exc
    missing = [name for name in REQUIRED if not callable(getattr(module, name, None))]
    if missing:
        raise TargetError(f"compare: target {spec!r} does not define {', '.join(missing)}. "
                          "Expected build_model() returning a compiled model and get_data() "
                          "returning (x, y) or ((x, y), (x_test, y_test)).")
    return module


def _accepted(fn, available: dict) -> dict:
    """The entries of ``available`` that ``fn`` takes as parameters."""
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return {}
    if any(p.kind is p.VAR_KEYWORD for p in params.values()):
        return dict(available)
    return {k: v for k, v in available.items() if k in params}


def call_get_data(module: ModuleType, data=None, seed=0):
    """``module.get_data`` called with the ``data``/``seed`` it accepts; returns
    ``(x, y), (x_test, y_test)`` as lists of arrays (the test set is the training set when
    the target gives only ``(x, y)``), and a note on where the data came from (or None).

    Raises:
        TargetError: a result of another form.
    """
    import numpy as np

    kwargs = _accepted(module.get_data, {"data": data, "seed": seed})
    if data is not None and "data" not in kwargs:
        raise TargetError("compare: --data was given but the target's get_data() takes no "
                          "'data' argument.")
    result = module.get_data(**kwargs)
    note = getattr(module, "DATA_NOTE", None)
    if isinstance(result, dict):
        note = result.get("note", note)
        result = result["data"]

    def pair(value, what):
        if not isinstance(value, (tuple, list)) or len(value) != 2:
            raise TargetError(f"compare: get_data() must return (x, y) or ((x, y), (x_test, "
                              f"y_test)). Received {what} of type {type(value).__name__}")
        return [as_list(value[0]), as_list(value[1])]

    def as_list(value):
        arrays = list(value) if isinstance(value, (list, tuple)) else [value]
        return [np.asarray(a) for a in arrays]

    if isinstance(result, (tuple, list)) and len(result) == 2 and \
            isinstance(result[0], (tuple, list)) and len(result[0]) == 2 and \
            isinstance(result[1], (tuple, list)) and len(result[1]) == 2 and \
            not hasattr(result[0], "shape"):
        train, test = pair(result[0], "a training pair"), pair(result[1], "a test pair")
    else:
        train = pair(result, "a result")
        test = train
    for x, y in (train, test):
        sizes = {len(a) for a in x + y}
        if len(sizes) != 1:
            raise TargetError(f"compare: get_data() returned arrays with different numbers of "
                              f"samples: {sorted(sizes)}")
    return train, test, note


def call_build_model(module: ModuleType, x, y):
    """``module.build_model`` called with the ``input_shape``/``num_classes`` it accepts."""
    available = {"input_shape": tuple(x[0].shape[1:]),
                 "num_classes": int(y[0].shape[-1]) if y[0].ndim > 1 else int(y[0].max()) + 1}
    return module.build_model(**_accepted(module.build_model, available))
