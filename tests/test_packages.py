"""One public surface per package: an `__init__.py` is a docstring, re-exports and `__all__`, no logic."""

import ast
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
PACKAGES = sorted(p.parent for p in ROOT.joinpath("minectl").glob("*/__init__.py"))


def test_pyproject_ships_every_package_and_conf_as_minectl_conf():
    tomllib = pytest.importorskip("tomllib")  # Python >= 3.11
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    tree = {".".join(p.parent.relative_to(ROOT).parts) for p in ROOT.joinpath("minectl").rglob("__init__.py")}
    assert sorted(setuptools["packages"]) == sorted(tree | {"minectl.conf"})
    assert setuptools["package-dir"] == {"minectl.conf": "conf"} and (ROOT / "conf/__init__.py").is_file()
    shipped = {f"**/*{p.suffix}" for p in ROOT.joinpath("conf").rglob("*.*") if p.suffix != ".py" and "__pycache__" not in p.parts}
    assert shipped <= set(setuptools["package-data"]["minectl.conf"])  # a wheel holds every config and table


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


@pytest.mark.parametrize("args, key, default", [
    (["uncertainty", "debug=quick"], "dataset.path", "examples/data/pinksheet_coal/coal_monthly_usd_mt.csv"),
    (["factors", "extract", "debug=quick"], "factors.extract.corpus", "examples/data/maintie/gold_release.json"),
])
def test_a_default_example_file_missing_from_an_installed_package_says_where_it_ships(args, key, default, tmp_path, monkeypatch):
    """An installed wheel has no examples/ (third-party data, with the checkout only): its default
    inputs were "input not found" and no more."""
    from typer.testing import CliRunner

    import minectl.data.sources
    from minectl.cli import app

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(minectl.data.sources, "_ROOTS", ())  # as in site-packages: no checkout around the package
    result = CliRunner().invoke(app, [*args, f"hydra.run.dir={tmp_path / 'run'}"])
    assert result.exit_code == 2
    assert result.output.strip() == (f"error: {key}: {default}: not found; expected a file (examples/ comes with minectl's source checkout, not with an installed package: "
                                     "run from a clone of the repository, or name a file of your own)")
