"""The README's Python snippets run on what the project installs, as a newcomer would paste them."""

from __future__ import annotations

import ast
import re
import shutil
import sys
from importlib.metadata import requires

import pytest

from dentsim.experiments.tasks import run_scenario
from tests.conftest import ROOT, small

README = ROOT / "README.md"


def python_snippets() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def imported_top_level(code: str) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


def declared_dependencies() -> set[str]:
    """The distributions a plain `pip install dentsim` brings (no extras)."""
    out = set()
    for req in requires("dentsim") or []:
        if "extra ==" in req:
            continue
        out.add(re.split(r"[\s<>=!~;\[]", req, maxsplit=1)[0].lower().replace("-", "_"))
    return out


def test_the_readme_has_python_snippets() -> None:
    assert python_snippets()


@pytest.mark.parametrize("code", python_snippets())
def test_every_library_a_readme_snippet_imports_is_installed_by_dentsim(code: str) -> None:
    third_party = imported_top_level(code) - set(sys.stdlib_module_names) - {"dentsim", "sim"}
    assert third_party <= declared_dependencies(), third_party - declared_dependencies()


@pytest.mark.parametrize("code", python_snippets())
def test_readme_snippet_runs_on_a_fresh_run_directory(code, baseline, tmp_path, monkeypatch):
    run_scenario(small(baseline, days=14, population__patients=120), tmp_path / "runs" / "baseline")
    shutil.copytree(ROOT / "scenarios", tmp_path / "scenarios")
    monkeypatch.chdir(tmp_path)
    exec(compile(code, str(README), "exec"), {})
