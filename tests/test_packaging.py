"""dentsim installs as one package: `dentsim`, with `dentsim.agents` and `dentsim.reports` inside
it, and nothing else at the top of site-packages, so it sits beside a user's own `agents`."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import tomllib
import venv
from pathlib import Path

from tests.conftest import ROOT

FOLDERS = {"sim": "dentsim", "agents": "dentsim.agents", "reports": "dentsim.reports"}


def test_every_package_folder_is_listed_in_pyproject() -> None:
    listed = set(
        tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    found = {
        ".".join([FOLDERS[init.relative_to(ROOT).parts[0]], *init.relative_to(ROOT).parts[1:-1]])
        for folder in FOLDERS
        for init in (ROOT / folder).rglob("__init__.py")
    }
    assert found == listed


def test_the_wheel_installs_beside_a_package_named_agents_and_both_import(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps",
         "-w", str(wheels), str(ROOT)],
        check=True, capture_output=True,
    )  # fmt: skip
    [wheel] = wheels.glob("dentsim-*.whl")
    env = tmp_path / "env"
    venv.create(env, with_pip=False)
    site = Path(sysconfig.get_path("purelib", vars={"base": str(env), "platbase": str(env)}))
    (site / "agents").mkdir()
    (site / "agents" / "__init__.py").write_text('WHOSE = "the user\'s own"\n')
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site), str(wheel)],
        check=True, capture_output=True,
    )  # fmt: skip
    # the libraries dentsim needs come from this test's environment, not dentsim itself
    (site / "libraries.pth").write_text(sysconfig.get_path("purelib") + "\n")
    # (pip --target puts the `dentsim` command in a bin/ folder of its own)
    top = {p.name for p in site.iterdir() if not p.name.endswith((".dist-info", ".pth"))}
    top.discard("bin")
    assert top == {"agents", "dentsim"}
    code = (
        "import agents, dentsim, dentsim.agents.protocol, dentsim.compliance.audit, dentsim.cli\n"
        "print(agents.WHOSE, dentsim.__name__, dentsim.agents.protocol.__name__)\n"
    )
    python = env / "bin" / "python"
    done = subprocess.run(
        [str(python), "-c", code], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["the", "user's", "own", "dentsim", "dentsim.agents.protocol"]


def test_no_module_imports_the_folders_by_their_repository_names() -> None:
    # in the repository the folders are importable as sim, agents and reports too; a module
    # imported under both names would be two modules with two sets of classes
    import re

    old = re.compile(r"^\s*(?:from|import)\s+(?:sim|agents|reports)(?:[.\s]|$)", re.M)
    offenders = [
        str(path.relative_to(ROOT))
        for folder in ("sim", "agents", "reports", "tests", "bench", "tools")
        for path in (ROOT / folder).rglob("*.py")
        if old.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
