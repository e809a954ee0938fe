"""One public surface per package: an `__init__.py` is a docstring, re-exports and `__all__`, no logic."""

import ast
import importlib
from pathlib import Path

import pytest

PACKAGES = sorted(p.parent for p in Path(__file__).parents[1].joinpath("minectl").glob("*/__init__.py") if p.parent.name != "conf")


@pytest.mark.parametrize("folder", PACKAGES, ids=lambda p: p.name)
def test_init_holds_only_reexports_and_all(folder):
    body = ast.parse((folder / "__init__.py").read_text()).body
    assert isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant), "a docstring first"
    names = [t.id for node in body if isinstance(node, ast.Assign) for t in node.targets]
    assert names == ["__all__"]
    logic = [type(node).__name__ for node in body[1:] if not isinstance(node, (ast.ImportFrom, ast.Assign))]
    assert not logic, f"minectl.{folder.name}: move {logic} into a module"
    package = importlib.import_module(f"minectl.{folder.name}")
    for name in package.__all__:  # a re-exported name, or a submodule imported on use
        assert hasattr(package, name) or (folder / f"{name}.py").exists(), f"minectl.{folder.name}.{name}"
