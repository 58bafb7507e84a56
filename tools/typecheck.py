"""Type-check dentsim as it installs: `sim/` as `dentsim`, `agents/` as `dentsim.agents`,
`reports/` as `dentsim.reports`.

    .venv/bin/python tools/typecheck.py [MYPY OPTIONS]

mypy names modules after their folders, and the repository's folders keep the names the
project started with, so mypy is run on a tree of links named as the package (under
`build/typecheck/`, rebuilt each time); its messages name the repository's own files.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TREE = ROOT / "build" / "typecheck"
FOLDERS = {"sim": "dentsim", "agents": "dentsim/agents", "reports": "dentsim/reports"}


def link_tree() -> dict[str, str]:
    """Link every .py file of the package into TREE; return link path -> repository path."""
    shutil.rmtree(TREE, ignore_errors=True)
    links = {}
    for folder, package in FOLDERS.items():
        for source in sorted((ROOT / folder).rglob("*.py")):
            target = TREE / package / source.relative_to(ROOT / folder)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.symlink_to(source)
            links[str(target.relative_to(ROOT))] = str(source.relative_to(ROOT))
    return links


def main() -> int:
    links = link_tree()
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "-p", "dentsim", *sys.argv[1:]],
        cwd=ROOT,
        env={**os.environ, "MYPYPATH": str(TREE)},
        capture_output=True,
        text=True,
        check=False,
    )
    for line in (done.stdout + done.stderr).splitlines():
        path, sep, rest = line.partition(":")
        print(links.get(path, path) + sep + rest)
    return done.returncode


if __name__ == "__main__":
    sys.exit(main())
