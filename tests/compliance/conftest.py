"""Fixtures: write a hand-made run directory and audit it."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from dentsim.compliance.audit import AuditReport, audit_run
from dentsim.compliance.rules import RuleSet

from .runlog import write_run


@pytest.fixture
def make_run(tmp_path: Path) -> Callable[..., Path]:
    """make_run(patients, attempts, optouts=(), ...) -> a fresh run directory."""
    counter = itertools.count()

    def make(*args: Any, **kwargs: Any) -> Path:
        return write_run(tmp_path / f"run{next(counter)}", *args, **kwargs)

    return make


@pytest.fixture
def audit(make_run: Callable[..., Path]) -> Callable[..., AuditReport]:
    """audit(patients, attempts, optouts=(), rules=None, ...) -> the audit report."""

    def run(*args: Any, rules: RuleSet | None = None, **kwargs: Any) -> AuditReport:
        return audit_run(make_run(*args, **kwargs), rules)

    return run
