"""One vocabulary: use cases, postures, channels, results and outcomes are declared once.

Every module takes them from sim/vocabulary.py; the audit keeps a deliberate copy, pinned equal
here; docs/data.md lists the same values; an agent receives only values the protocol defines.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import get_args

import pyarrow.parquet as pq
import pytest

import dentsim.agents.protocol
import dentsim.compliance.audit.vocabulary
import dentsim.domain.campaigns
import dentsim.reports.roi
import dentsim.results.metrics
from dentsim import vocabulary as v
from dentsim.experiments.tasks import run_scenario
from dentsim.scenario import load_scenario
from tests.agents import foreign
from tests.conftest import BASELINE, ROOT, small

VALUE_SETS = {
    name: frozenset(getattr(v, name))
    for name in (
        "USE_CASES",
        "BOOKING_USE_CASES",
        "LEGAL_POSTURES",
        "CHANNELS",
        "VOICE_RESULTS",
        "SMS_RESULTS",
        "RESULTS",
        "ANSWERED_BY",
        "OPT_OUT_SCOPES",
        "OPT_OUT_KINDS",
        "CALL_OUTCOMES",
        "CONTACT_OUTCOMES",
        "OUTCOMES",
    )
}


def test_each_tuple_holds_the_values_of_its_literal_type() -> None:
    for tuple_name, literal in (
        ("USE_CASES", v.UseCase),
        ("LEGAL_POSTURES", v.LegalPosture),
        ("CHANNELS", v.Channel),
        ("RESULTS", v.Result),
        ("ANSWERED_BY", v.AnsweredBy),
        ("OUTCOMES", v.Outcome),
    ):
        assert getattr(v, tuple_name) == get_args(literal)
    assert set(v.OUTCOMES) == set(v.CALL_OUTCOMES) | set(v.CONTACT_OUTCOMES)
    assert set(v.BOOKING_USE_CASES) < set(v.USE_CASES)


@pytest.mark.parametrize(
    ("module", "name", "vocabulary_name"),
    [
        (dentsim.agents.protocol, "USE_CASES", "USE_CASES"),
        (dentsim.agents.protocol, "LEGAL_POSTURES", "LEGAL_POSTURES"),
        (dentsim.agents.protocol, "ANSWERED_BY", "ANSWERED_BY"),
        (dentsim.agents.protocol, "CALL_OUTCOMES", "CALL_OUTCOMES"),
        (dentsim.results.metrics, "USE_CASES", "USE_CASES"),
        (dentsim.results.metrics, "BOOKING_USE_CASES", "BOOKING_USE_CASES"),
        (dentsim.reports.roi, "USE_CASES", "USE_CASES"),
        (dentsim.reports.roi, "BOOKING_USE_CASES", "BOOKING_USE_CASES"),
    ],
)
def test_modules_take_their_words_from_the_vocabulary(
    module: object, name: str, vocabulary_name: str
) -> None:
    # the same object, not an equal copy (Literal types are cached by typing, so equal ones
    # are always the same object: the next test finds copied Literals in the source instead)
    assert getattr(module, name) is getattr(v, vocabulary_name)


def _string_sets(tree: ast.AST) -> list[tuple[int, frozenset[str]]]:
    """Every tuple, list or set display, and every Literal[...], of two or more strings."""
    found = []
    for node in ast.walk(tree):
        items: list[ast.expr] = []
        if isinstance(node, ast.Tuple | ast.List | ast.Set):
            items = node.elts
        elif isinstance(node, ast.Subscript) and getattr(node.value, "id", "") == "Literal":
            s = node.slice
            items = s.elts if isinstance(s, ast.Tuple) else [s]
        strings = [i.value for i in items if isinstance(i, ast.Constant)]
        if (
            len(strings) >= 2
            and len(strings) == len(items)
            and all(isinstance(x, str) for x in strings)
        ):
            found.append((node.lineno, frozenset(strings)))
    return found


def test_no_module_declares_a_vocabulary_of_its_own() -> None:
    # the audit keeps its own copy on purpose (independence), pinned by the next test
    allowed = {
        ROOT / "sim" / "vocabulary.py",
        ROOT / "sim" / "compliance" / "audit" / "vocabulary.py",
    }
    copies: set[str] = set()
    for package in ("sim", "agents", "reports"):
        for path in sorted((ROOT / package).rglob("*.py")):
            if path in allowed:
                continue
            for line, strings in _string_sets(ast.parse(path.read_text(encoding="utf-8"))):
                for name, values in VALUE_SETS.items():
                    if strings == values:
                        copies.add(f"{path.relative_to(ROOT)}:{line}: {name}")
    assert not copies, "import these from dentsim.vocabulary:\n" + "\n".join(sorted(copies))


def test_the_audit_keeps_its_own_copy_equal_to_the_vocabulary() -> None:
    audit = dentsim.compliance.audit.vocabulary
    assert audit.CHANNELS == v.CHANNELS  # the audit codes channels by position: order too
    assert set(audit.RESULTS) == set(v.RESULTS) and len(audit.RESULTS) == len(v.RESULTS)
    assert audit.ANSWERED_BY[1:] == v.ANSWERED_BY and audit.ANSWERED_BY[0] == ""  # nobody
    assert audit.USE_CASES == v.USE_CASES
    assert set(audit.POSTURES) == set(v.LEGAL_POSTURES)
    assert set(audit.SCOPES) == set(v.OPT_OUT_SCOPES)
    assert set(audit.KINDS) == set(v.OPT_OUT_KINDS)


def _data_md() -> str:
    return (ROOT / "docs" / "data.md").read_text(encoding="utf-8")


def _cell(table_row: str) -> set[str]:
    """The backticked values of the meaning cell of a row of attempts.parquet's table."""
    row = next(line for line in _data_md().splitlines() if line.startswith(table_row))
    meaning = re.split(r"(?<!\\)\|", row)[3]  # cells split at unescaped pipes
    return set(re.findall(r"`([a-z_]+)`", meaning))


def _documented_outcomes() -> set[str]:
    """The first column of the table of the section "Outcomes"."""
    section = _data_md().split("### Outcomes", 1)[1].split("\n#", 1)[0]
    rows = [line.split("|")[1] for line in section.splitlines() if line.startswith("| `")]
    return {value for row in rows for value in re.findall(r"`([a-z_]+)`", row)}


def test_docs_list_every_result_answerer_and_outcome_and_no_other() -> None:
    assert _cell("| `result` |") == set(v.RESULTS)
    assert _cell("| `answered_by` |") == set(v.ANSWERED_BY)
    assert _documented_outcomes() == set(v.OUTCOMES)


@pytest.fixture(scope="module")
def written_consent_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A short year in which every use case runs under written consent, with a recording agent."""
    scenario = small(
        load_scenario(BASELINE),
        days=45,
        population__share_written_consent=1.0,
        dialogue__agent="tests.agents.foreign:recording",
        **{f"campaigns__{u}__legal_posture": "written_consent" for u in v.USE_CASES},
    )
    foreign.SEEN.clear()
    out = tmp_path_factory.mktemp("vocabulary") / "run"
    run_scenario(scenario, out)
    return out


def test_an_agent_receives_only_postures_and_purposes_the_protocol_defines(
    written_consent_run: Path,
) -> None:
    postures = {posture for posture, _ in foreign.SEEN}
    purposes = {p for _, ps in foreign.SEEN for p in ps}
    assert postures == {"written_consent"}
    assert postures <= set(dentsim.agents.protocol.LEGAL_POSTURES)
    assert purposes and purposes <= set(dentsim.agents.protocol.USE_CASES)


def test_every_value_a_run_writes_is_in_the_vocabulary(written_consent_run: Path) -> None:
    attempts = pq.read_table(written_consent_run / "attempts.parquet").to_pylist()
    assert {a["channel"] for a in attempts} <= set(v.CHANNELS)
    assert {a["result"] for a in attempts} <= set(v.RESULTS)
    assert {a["answered_by"] for a in attempts} <= {"", *v.ANSWERED_BY}
    assert {o for a in attempts for o in a["outcome"].split("|")} <= set(v.OUTCOMES)
    assert {p for a in attempts for p in a["purposes"].split("|")} <= {
        *v.USE_CASES,
        "optout_confirmation",
    }


def test_the_vocabulary_is_data_that_imports_nothing_of_dentsim() -> None:
    tree = ast.parse((ROOT / "sim" / "vocabulary.py").read_text(encoding="utf-8"))
    imported = {
        n.module if isinstance(n, ast.ImportFrom) else a.name
        for n in ast.walk(tree)
        if isinstance(n, ast.Import | ast.ImportFrom)
        for a in n.names
    }
    assert imported <= {"__future__", "typing"}
