"""Packaging: every package folder is in pyproject's explicit list, mapped to the right import
name."""

import pathlib
import tomllib

ROOT = pathlib.Path(__file__).resolve().parent.parent
MAPPED_FOLDERS = {"polykeras": "polykeras", "backends": "polykeras.backends",
                  "conformance": "polykeras.conformance"}


def _declared():
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    setuptools = data["tool"]["setuptools"]
    return set(setuptools["packages"]), setuptools["package-dir"]


def test_package_dir_maps_the_top_level_folders():
    _, package_dir = _declared()
    assert package_dir == {import_name: folder for folder, import_name in MAPPED_FOLDERS.items()}


def test_every_package_folder_is_listed():
    """A wheel silently drops a subpackage missing from the list: catch it here."""
    declared, _ = _declared()
    found = set()
    for folder, import_name in MAPPED_FOLDERS.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            rel = init.parent.relative_to(ROOT / folder)
            if "__pycache__" in rel.parts:
                continue
            found.add(".".join((import_name, *rel.parts)) if rel.parts else import_name)
    assert found - declared == set(), \
        f"package folders missing from pyproject.toml: {sorted(found - declared)}"
    assert declared - found == set(), f"listed packages with no folder: {sorted(declared - found)}"


def test_modules_without_init_are_not_left_out():
    """Python files in a folder that has no __init__.py would not be installed."""
    orphans = []
    for folder in MAPPED_FOLDERS:
        for py in (ROOT / folder).rglob("*.py"):
            if "__pycache__" not in py.parts and not (py.parent / "__init__.py").exists():
                orphans.append(str(py.relative_to(ROOT)))
    assert not orphans, orphans
