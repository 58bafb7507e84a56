"""The strategy comparison: a sweep's summary table, its Pareto front, its KPIs per variant, the
settings its variants change (in words), and each variant's ROI and audit from its practice-years.
"""

from __future__ import annotations

import math
import re
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
from pydantic import BaseModel

from dentsim.errors import InputError
from dentsim.reports.compliance import compliance
from dentsim.reports.fmt import number
from dentsim.reports.results import Results, read_columns, read_json, read_run
from dentsim.reports.roi import (
    USE_CASE_LABELS,
    RoiInputs,
    prepare,
    price,
    run_quantities,
    timeline,
    unit_values,
)
from dentsim.results.stats import Estimate, mean_estimate
from dentsim.scenario import Scenario

SUMMARY_COLUMNS = (
    "variant",
    "scope",
    "kpi",
    "mean",
    "ci_low",
    "ci_high",
    "diff_mean",
    "diff_ci_low",
    "diff_ci_high",
)
RESULTS_COLUMNS = ("variant", "replication", "seed", "scope", "kpi", "value")
# The KPIs of the comparison, in the order a product manager reads them.
TABLE_KPIS = (
    "bookings",
    "conversion",
    "connect_rate",
    "opt_out_rate",
    "realised_revenue",
    "attempts",
)
# higher is better, except for these
LOWER_IS_BETTER = {
    "opt_out_rate", "soft_opt_out_rate", "no_shows", "attempts", "ai_minutes", "cost_usd",
}  # fmt: skip
# The ROI figures compared per variant (dentsim.reports.roi's keys), in reading order.
ROI_KEYS = ("beyond_manual_usd", "cost_usd", "net_return_usd")


@dataclass(frozen=True, slots=True)
class Cell:
    mean: float | None
    low: float | None
    high: float | None
    diff: float | None
    diff_low: float | None
    diff_high: float | None


NO_CELL = Cell(None, None, None, None, None, None)


@dataclass(frozen=True, slots=True)
class Setting:
    """One scenario key the sweep's variants change, in words."""

    key: str  # the dotted key, as the sweep file gives it
    label: str  # what it is, from the scenario schema's description (else the key)
    base: str  # its value in the base variant, in words
    values: dict[str, str]  # variant -> its value there, in words (variants that set it)


@dataclass(frozen=True, slots=True)
class VariantOutcome:
    """A variant's ROI (means over its replications) and audit (summed over them)."""

    n_runs: int
    cells: dict[str, Cell]  # ROI_KEYS, with paired differences from the base
    violations: int
    contacts_checked: int
    steady: bool  # the ROI of a steady year (after the warm-up), else of the simulated period


@dataclass(frozen=True, slots=True)
class Sweep:
    base: str | None
    variants: tuple[str, ...]
    overrides: dict[str, dict[str, Any]]
    replications: int
    kpis: tuple[str, ...]  # overall KPIs shown, in TABLE_KPIS order
    cells: dict[tuple[str, str], Cell]  # (variant, kpi), overall scope
    pareto: tuple[str, ...]
    settings: tuple[Setting, ...] = ()
    run_dirs: dict[str, tuple[Path, ...]] = field(default_factory=dict)  # by replication

    def cell(self, variant: str, kpi: str) -> Cell:
        return self.cells.get((variant, kpi), NO_CELL)

    def override_words(self, variant: str) -> str:
        """'Caller ID: unknown; ...', or '(none)' for a variant that changes nothing."""
        words = [f"{s.label}: {s.values[variant]}" for s in self.settings if variant in s.values]
        return "; ".join(words) or "(none)"


def read_sweep(root: Path, manifest: dict[str, Any], results: Results | None = None) -> Sweep:
    """Read summary.parquet, pareto.json and sweep.json (results.parquet is checked, not needed);
    with `results`, find each variant's practice-years among its runs."""
    summary = _table(root / "summary.parquet", SUMMARY_COLUMNS)
    _table(root / "results.parquet", RESULTS_COLUMNS)
    pareto_path = root / "pareto.json"
    pareto = read_json(pareto_path) if pareto_path.is_file() else []
    if isinstance(pareto, dict):  # {"front": [...], "points": [...]}
        pareto = pareto.get("front")
    if not isinstance(pareto, list) or not all(isinstance(p, str) for p in pareto):
        raise InputError(
            f"{pareto_path}: expected a list of variant names (or an object with a 'front' list)"
        )
    rows = summary.to_pylist()
    cells: dict[tuple[str, str], Cell] = {}
    for r in rows:
        if r["scope"] != "overall":
            continue
        cells[(str(r["variant"]), str(r["kpi"]))] = Cell(
            *(_finite(r[c]) for c in SUMMARY_COLUMNS[3:])
        )
    listed = manifest.get("variants") or []
    if not isinstance(listed, list):
        raise InputError(f"{root / 'sweep.json'}: variants: expected a list")
    listed = [v for v in listed if isinstance(v, dict)]
    names = [str(v.get("name")) for v in listed]
    names += sorted({str(r["variant"]) for r in rows} - set(names))
    overrides = {str(v.get("name")): dict(v.get("overrides") or {}) for v in listed}
    kpis = tuple(k for k in TABLE_KPIS if any((v, k) in cells for v in names))
    base_scenario = manifest.get("base_scenario")
    return Sweep(
        base=_base(manifest.get("base_variant", manifest.get("base")), names, cells),
        variants=tuple(names),
        overrides=overrides,
        replications=int(manifest.get("replications") or 0),
        kpis=kpis,
        cells=cells,
        pareto=tuple(pareto),
        settings=settings(overrides, base_scenario if isinstance(base_scenario, dict) else {}),
        run_dirs=_variant_runs(listed, results) if results is not None else {},
    )


def _variant_runs(listed: list[dict[str, Any]], results: Results) -> dict[str, tuple[Path, ...]]:
    """Each variant's practice-years, in replication order: the runs under its folder
    (sweep.json's `folder`, else variants/NAME as the sweep names folders)."""
    out: dict[str, tuple[Path, ...]] = {}
    for v in listed:
        name = str(v.get("name"))
        folder = v.get("folder") or "variants/" + re.sub(r"[^A-Za-z0-9_.=,-]", "_", name)[:120]
        mine = [r for r in results.runs if r.key.rsplit("/", 1)[0] == folder]
        out[name] = tuple(r.path for r in sorted(mine, key=lambda r: _replication(r.key)))
    return out


def _replication(key: str) -> int:
    digits = re.search(r"r(\d+)$", key)
    return int(digits.group(1)) if digits else 0


def _base(given: Any, names: list[str], cells: dict[tuple[str, str], Cell]) -> str | None:
    """The base variant: named by sweep.json, or the one whose paired differences are all zero."""
    if isinstance(given, str) and given in names:
        return given
    if "base" in names:
        return "base"
    for name in names:
        diffs = [c.diff for (v, _), c in cells.items() if v == name]
        if diffs and all(d == 0 for d in diffs):
            return name
    return None


def _table(path: Path, columns: tuple[str, ...]) -> pa.Table:
    return read_columns(path, columns, "docs/reports.md")


def _finite(value: Any) -> float | None:
    if value is None:
        return None
    x = float(value)
    return x if math.isfinite(x) else None


# ----------------------------------------------------------------------------- settings in words


def settings(
    overrides: dict[str, dict[str, Any]], base_scenario: dict[str, Any]
) -> tuple[Setting, ...]:
    """The keys any variant overrides, each with its words, its base value and its values."""
    keys = list(dict.fromkeys(k for o in overrides.values() for k in o))
    out = []
    for key in keys:
        label, value_words = describe_key(key)
        base = _lookup(base_scenario, key)
        out.append(
            Setting(
                key=key,
                label=label,
                base="-" if base is _MISSING else value_words(base),
                values={v: value_words(o[key]) for v, o in overrides.items() if key in o},
            )
        )
    return tuple(out)


_MISSING = object()


def _lookup(data: Any, key: str) -> Any:
    for part in key.split("."):
        if not isinstance(data, dict) or part not in data:
            return _MISSING
        data = data[part]
    return data


def describe_key(key: str) -> tuple[str, typing.Callable[[Any], str]]:
    """What a dotted scenario key is, in words, and how to say its values.

    The words are the scenario schema's field description; a description that explains each
    choice ("spread: over the calling hours; best_hour: ...") says the values instead, and the
    field's name labels it. A key the schema does not describe is shown as it is written.
    """
    info = _field(key)
    parts = key.split(".")
    prefix = (
        f"{USE_CASE_LABELS[parts[1]]}: "
        if len(parts) > 2 and parts[0] == "campaigns" and parts[1] in USE_CASE_LABELS
        else ""
    )
    description = (info.description or "").strip() if info is not None else ""
    choices = _choices(info.annotation) if info is not None else ()
    meanings = _choice_meanings(description, choices)
    if meanings:
        name = re.sub(r"\bid\b", "ID", parts[-1].replace("_", " "))
        label = prefix + (name if prefix else name[0].upper() + name[1:])
    elif description:
        label = prefix + (description if prefix == "" else description[0].lower() + description[1:])
    else:
        label = key
    return label, lambda value: _value_words(value, meanings)


def _field(key: str) -> Any:
    """The pydantic field a dotted key names in the scenario schema, or None."""
    model: Any = Scenario
    info = None
    for part in key.split("."):
        fields = getattr(model, "model_fields", None)
        if not isinstance(fields, dict) or part not in fields:
            return None
        info = fields[part]
        model = _model_of(info.annotation)
    return info


def _model_of(annotation: Any) -> Any:
    """The model class inside an annotation (`X`, `X | None`), else None."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_of(arg)
        if found is not None:
            return found
    return None


def _choices(annotation: Any) -> tuple[str, ...]:
    """The string choices of a Literal annotation (inside Optional or Annotated too)."""
    if typing.get_origin(annotation) is typing.Literal:
        return tuple(str(a) for a in typing.get_args(annotation))
    if typing.get_origin(annotation) in (typing.Union, types.UnionType, typing.Annotated):
        for arg in typing.get_args(annotation):
            found = _choices(arg)
            if found:
                return found
    return ()


def _choice_meanings(description: str, choices: tuple[str, ...]) -> dict[str, str]:
    """{'spread': 'over the calling hours', ...} from 'spread: over the calling hours; ...'
    when the description explains every choice, else {}."""
    if not choices:
        return {}
    meanings = {}
    for part in description.split(";"):
        name, sep, words = part.partition(":")
        if sep and name.strip() in choices:
            meanings[name.strip()] = words.strip()
    return meanings if set(meanings) == set(choices) else {}


def _value_words(value: Any, meanings: dict[str, str]) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, str):
        return meanings.get(value) or value.replace("_", " ")
    if isinstance(value, int | float):
        return number(float(value))
    if isinstance(value, dict):
        return ", ".join(f"{k} {_value_words(v, {})}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(_value_words(v, {}) for v in value)
    return "-" if value is None else str(value)


# ----------------------------------------------------------------------------- ROI and audit per variant


def variant_outcomes(
    s: Sweep, inputs: RoiInputs, rules_file: Path | None
) -> dict[str, VariantOutcome]:
    """Per variant: recovered revenue, cost and net return (dentsim.reports.roi, averaged over
    its replications), violations (the audit, summed), and paired differences from the base
    (replication r against the base's replication r: same seed, same patients)."""
    per_rep: dict[str, dict[int, dict[str, float]]] = {}
    out: dict[str, VariantOutcome] = {}
    for name in s.variants:
        dirs = s.run_dirs.get(name) or ()
        if not dirs:
            continue
        runs = [read_run(d) for d in dirs]
        tl = timeline(runs[0].scenario)
        units = unit_values(inputs, runs[0].scenario)
        audits = [compliance([(r.path, r)], rules_file) for r in runs]
        # each replication with the variant's warm-up, so the mean of the paired differences is
        # the difference of the means shown
        prepared = prepare([run_quantities(r, tl) for r in runs], inputs, "mean")
        values, each = price(prepared, inputs, units, tl)
        # the steady year leads, as on a run's ROI page; a run too short for one shows its period
        steady = bool(np.isfinite(values["steady:net_return_usd"].value))
        pre = "steady:" if steady else ""
        per_rep[name] = {
            _replication(path.name): {k: float(one[pre + k]) for k in ROI_KEYS}
            for path, one in zip(dirs, each, strict=True)
        }
        out[name] = VariantOutcome(
            n_runs=len(runs),
            cells={k: _cell(values[pre + k]) for k in ROI_KEYS},
            violations=sum(a.violations for a in audits),
            contacts_checked=sum(a.contacts_checked for a in audits),
            steady=steady,
        )
        del runs  # one variant's tables in memory at a time
    base = per_rep.get(s.base or "")
    if base is None:
        return out
    for name, outcome in out.items():
        if name == s.base:
            continue
        for key, cell in outcome.cells.items():
            diffs = [[per_rep[name][r][key] - base[r][key]] for r in per_rep[name] if r in base]
            if diffs:
                d = mean_estimate(diffs)
                outcome.cells[key] = Cell(cell.mean, cell.low, cell.high, *_bounds(d))
    return out


def _cell(e: Estimate) -> Cell:
    return Cell(*_bounds(e), None, None, None)


def _bounds(e: Estimate) -> tuple[float | None, float | None, float | None]:
    value = float(np.ravel(e.value)[0])
    low = None if e.low is None else _finite(np.ravel(e.low)[0])
    high = None if e.high is None else _finite(np.ravel(e.high)[0])
    return _finite(value), low, high
