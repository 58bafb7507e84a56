"""The ROI of a result directory's runs: one practice, its replications, or a group and each of
its practices (every practice priced on its own, so the group pays one platform fee per practice).
"""

from __future__ import annotations

import numpy as np

from dentsim.reports.results import Results, Run
from dentsim.reports.roi import (
    PracticeRow,
    Roi,
    RoiInputs,
    prepare,
    price,
    run_quantities,
    timeline,
    unit_values,
)
from dentsim.reports.sensitivity import sensitivity

COMBINED = {
    "single": "one simulated run",
    "replicated": "mean of {n} replications",
    "group": "sum of {n} practices",
}


def roi_from_runs(results: Results, runs: list[Run], inputs: RoiInputs) -> Roi:
    """Price the runs of `results` with the practice's inputs."""
    scenario = runs[0].scenario
    tl = timeline(scenario)
    units = unit_values(inputs, scenario)
    how = "sum" if results.kind == "group" else "mean"
    prepared = prepare([run_quantities(r, tl) for r in runs], inputs, how)
    values, parts = price(prepared, inputs, units, tl)
    practices: tuple[PracticeRow, ...] = ()
    if results.kind == "group":
        # each practice on its own, with the group's warm-up: the group's figures are their sums
        practices = tuple(
            PracticeRow(
                _run_name(run) or f"Practice {i + 1}",
                {k: float(v) for k, v in part.items() if np.ndim(v) == 0},
            )
            for i, (run, part) in enumerate(zip(runs, parts, strict=True))
        )
    return Roi(
        values=values,
        units=units,
        inputs=inputs,
        timeline=tl,
        practice_name=_practice_name(inputs, results, runs),
        active_patients=inputs.practice.active_patients or prepared.simulated,
        simulated_patients=prepared.simulated,
        scale=prepared.scale,
        n_runs=len(runs),
        combined=COMBINED[results.kind].format(n=len(runs)),
        kind=results.kind,
        practices=practices,
        sensitivity=sensitivity(prepared, inputs, units),
    )


def _run_name(run: Run) -> str:
    names = run.tables["practices"]["name"].to_pylist()
    return str(names[0]) if len(names) == 1 and names[0] else ""


def _practice_name(inputs: RoiInputs, results: Results, runs: list[Run]) -> str:
    if inputs.practice.name:
        return inputs.practice.name
    scenario = runs[0].scenario
    if results.kind == "group":
        named = results.manifest.get("group")
        group = (results.manifest.get("scenario") or {}).get("group") or {}
        name = named if isinstance(named, str) else group.get("name")
        return str(name or scenario.get("name") or "the group")
    practice = scenario.get("practice") or {}
    return _run_name(runs[0]) or str(practice.get("name") or scenario.get("name") or "the practice")
