"""docs/python.md is a notebook session: its blocks run, in order, in one namespace."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import ROOT

DOC = ROOT / "docs" / "python.md"


def test_the_python_api_session_runs_top_to_bottom(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert len(blocks) >= 8
    shutil.copytree(ROOT / "scenarios", tmp_path / "scenarios")
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {}
    for n, block in enumerate(blocks, start=1):
        exec(compile(block, f"{DOC}:block {n}", "exec"), namespace)
    assert (tmp_path / "runs" / "quarter3" / "report" / "report.html").is_file()


def test_the_public_names_are_the_documented_ones() -> None:
    import dentsim

    text = DOC.read_text(encoding="utf-8")
    assert all(f"`{name}`" in text for name in dentsim.__all__)
    assert all(getattr(dentsim, name) is not None for name in dentsim.__all__)
