"""The audit's own time-zone arithmetic agrees with zoneinfo, and the audit shares no code with the gate."""

from __future__ import annotations

import ast
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import dentsim.compliance.audit
from dentsim.compliance.audit import local_seconds

ZONES = [
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Anchorage",
    "America/Adak",
    "Pacific/Honolulu",
    "America/Boise",
    "America/Indiana/Knox",
]
START_2026 = int(datetime(2026, 1, 1, tzinfo=UTC).timestamp())
END_2027 = int(datetime(2028, 1, 1, tzinfo=UTC).timestamp())


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(START_2026, END_2027), st.integers(0, len(ZONES) - 1)),
        min_size=1,
        max_size=40,
    )
)
def test_local_seconds_agree_with_zoneinfo_at_any_instant(instants):
    t = np.array([s for s, _ in instants], np.int64)
    z = np.array([k for _, k in instants], np.int64)
    got = local_seconds(t, z, ZONES)
    for s, k, g in zip(t, z, got, strict=True):
        wall = datetime.fromtimestamp(int(s), ZoneInfo(ZONES[k])).replace(tzinfo=UTC)
        assert g == int(wall.timestamp()), (ZONES[k], int(s))


def test_local_seconds_step_on_the_second_of_a_dst_change():
    # 2026-03-08 07:00:00Z is 02:00 EST -> 03:00 EDT in New York
    change = int(datetime(2026, 3, 8, 7, tzinfo=UTC).timestamp())
    t = np.array([change - 1, change], np.int64)
    local = local_seconds(t, np.zeros(2, np.int64), ["America/New_York"])
    assert [int(x % 86400) for x in local] == [1 * 3600 + 3599, 3 * 3600]


def test_the_audit_imports_nothing_of_the_gate_or_the_calendar():
    # every module of the audit package, which may import its own modules and nothing else of
    # the project but these
    modules = sorted(Path(dentsim.compliance.audit.__file__).parent.glob("*.py"))
    assert len(modules) > 1
    imported = set()
    for path in modules:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                imported |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom):
                assert node.level == 0, f"{path.name}: a relative import hides what it imports"
                imported.add(node.module)
    own = "dentsim.compliance.audit"
    project = {
        m
        for m in imported
        if m.split(".")[0] in {"dentsim", "sim", "agents", "reports"}
        and m != own
        and not m.startswith(own + ".")
    }
    # dentsim.files only writes a file atomically: no rule, no time zone
    allowed = {"dentsim.errors", "dentsim.compliance.rules", "dentsim.files"}
    assert project <= allowed
