"""The calibrated scenario: the user's file with the fitted values set, each commented with where
it came from, and a `calibration:` record for the report. Edited as YAML that keeps comments,
key order and every other key (ruamel.yaml's round trip), then loaded back as a scenario
before it replaces anything."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import numpy as np
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap

from dentsim.calibration.figures import NO_SHOW_CONFIRMED
from dentsim.calibration.fit import Calibration
from dentsim.files import write_bytes
from dentsim.scenario import Scenario, apply_overrides, load_scenario
from dentsim.scenario.calibration import CalibrationRecord

HEADER = "# Calibrated by `dentsim calibrate`"


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096  # never fold a long line the user wrote on one
    yaml.indent(mapping=2, sequence=4, offset=2)
    # PyYAML (YAML 1.1) reads what is written: `null`, and floats with a point, no exponent
    yaml.representer.add_representer(
        type(None), lambda r, _: r.represent_scalar("tag:yaml.org,2002:null", "null")
    )
    yaml.representer.add_representer(
        float,
        lambda r, x: r.represent_scalar(
            "tag:yaml.org,2002:float", np.format_float_positional(x, trim="0")
        ),
    )
    return yaml


def _percent(x: float) -> str:
    return f"{100 * x:.1f}%"


def comments(calibration: Calibration, observed_name: str) -> dict[str, str]:
    """The comment of each dotted key written: which figure, the interval, the value before."""
    out = {}
    for p in calibration.parameters:
        o = next(f.observed for f in calibration.figures if f.observed.figure == p.figure)
        interval = f"95 % interval {p.low:.4g}-{p.high:.4g}" if p.sd is not None else "no interval"
        out[p.key] = (
            f"fitted to the {o.label} of {observed_name}, {_percent(o.rate)} of "
            f"{o.n:,} {o.unit} ({interval}; was {p.start:.4g})"
        )
    if NO_SHOW_CONFIRMED in calibration.overrides:
        out[NO_SHOW_CONFIRMED] = (
            f"kept in ratio to p_no_show_unconfirmed, as {observed_name} fits it"
        )
    return out


def record(calibration: Calibration, observed_file: str) -> CalibrationRecord:
    figures = [
        {
            "figure": f.observed.figure,
            "observed": f.observed.rate,
            "n": f.observed.n,
            "simulated": round(f.simulated, 6),
        }
        for f in calibration.figures
    ]
    return CalibrationRecord.model_validate(
        {
            "observed_file": observed_file,
            "replications": calibration.replications,
            "figures": figures,
            "fitted": dict(calibration.overrides),
        }
    )


def _set(doc: CommentedMap, key: str, value: float, comment: str, scenario: Scenario) -> None:
    """Set a dotted key, creating its sections; the comment goes on the line of the key, or
    of its parent when that is a one-line {...} mapping (p_accept)."""
    *parents, leaf = key.split(".")
    node = doc
    for depth, part in enumerate(parents):
        if not isinstance(node.get(part), dict):
            if part == "p_accept":  # every use case is required: start from the scenario's
                node[part] = CommentedMap(scenario.behaviour.p_accept)
                node[part].fa.set_flow_style()
            else:
                node[part] = CommentedMap()
        child = node[part]
        if child.fa.flow_style() and depth < len(parents) - 1:
            child.fa.set_block_style()  # a section written {...}: opened to hold comments
        node = child
    node[leaf] = value
    if node.fa.flow_style():
        parent = doc
        for part in parents[:-1]:
            parent = parent[part]
        parent.yaml_add_eol_comment(comment, parents[-1])
    else:
        node.yaml_add_eol_comment(comment, leaf)


def calibrated_text(
    source: Path, out: Path, scenario: Scenario, calibration: Calibration, observed: Path
) -> str:
    """The calibrated scenario's YAML text, to be written at `out`."""
    yaml = _yaml()
    doc = yaml.load(source.read_text(encoding="utf-8"))
    observed_file = os.path.relpath(observed.resolve(), out.resolve().parent)
    notes = comments(calibration, observed.name)
    p_accept: list[str] = []
    for key, value in calibration.overrides.items():
        note = notes[key]
        if key.startswith("behaviour.p_accept."):
            p_accept.append(f"{key.rsplit('.', 1)[1]}: {note}")
            note = "; ".join(p_accept)
        _set(doc, key, value, note, scenario)
    # keep naming the same rules file and imported practice from the calibrated file's folder
    rules = doc.get("rules_file")
    if isinstance(rules, str) and not Path(rules).is_absolute():
        doc["rules_file"] = _from(source, out, rules)
    population = doc.get("population")
    imported = population.get("from") if isinstance(population, dict) else None
    if isinstance(imported, str) and not Path(imported).is_absolute():
        population["from"] = _from(source, out, imported)
    doc["calibration"] = record(calibration, observed_file).model_dump()
    doc.yaml_set_comment_before_after_key(
        "calibration",
        before="\nWhat the behaviour was fitted to (dentsim calibrate; the report names it)",
    )
    buffer = io.StringIO()
    yaml.dump(doc, buffer)
    names = ", ".join(f.observed.label for f in calibration.figures)
    header = [
        f"{HEADER} to {observed.name} ({names}), over {calibration.replications} replications",
        "# on the scenario's seeds; each fitted value's comment says which figure set it.",
    ]
    body = buffer.getvalue().splitlines()
    if body and body[0].startswith(HEADER):
        body = body[len(header) :]  # a calibrated file calibrated again keeps one header
    return "\n".join([*header, *body]) + "\n"


def expected(scenario: Scenario, calibration: Calibration, observed_file: str) -> dict[str, Any]:
    changed = apply_overrides(scenario, dict(calibration.overrides))
    data = changed.model_dump()
    data["calibration"] = record(calibration, observed_file).model_dump()
    return data


def write_calibrated(
    source: Path, out: Path, scenario: Scenario, calibration: Calibration, observed: Path
) -> None:
    """Write the calibrated scenario at `out`, after loading it back: it must be the scenario
    with the fitted values, and nothing else changed."""
    text = calibrated_text(source, out, scenario, calibration, observed)
    check = out.parent / f".{out.name}.check.yaml"
    write_bytes(check, text.encode("utf-8"))
    try:
        written = load_scenario(check).model_dump()
    finally:
        check.unlink(missing_ok=True)
    want = expected(
        scenario, calibration, os.path.relpath(observed.resolve(), out.resolve().parent)
    )
    if written != want:
        differ = sorted(k for k in want if written.get(k) != want[k])
        raise RuntimeError(f"the calibrated scenario would not load as fitted: {', '.join(differ)}")
    write_bytes(out, text.encode("utf-8"))


def _from(source: Path, out: Path, relative: str) -> str:
    """`relative` (to the source scenario's folder) as seen from the output file's folder."""
    return os.path.relpath((source.parent / relative).resolve(), out.resolve().parent)
