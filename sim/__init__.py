"""dentsim: simulate a year of AI outbound calling in dental practices, offline, and prove that
every contact obeyed the rules.

The public Python API (the `dentsim` command is a thin layer over it; docs/python.md)::

    import dentsim
    scenario = dentsim.load_scenario("scenarios/baseline.yaml", overrides={"strategy.combine": False})
    run = dentsim.simulate(scenario, seed=7)       # one practice-year in memory
    run.attempts                                   # pandas DataFrames, columns of docs/data.md
    run.kpis["overall"]["connect_rate"]
    run.write("runs/mine")                         # the run directory `dentsim run` writes
    dentsim.audit(run).violations                  # the independent compliance audit
    dentsim.replicate(scenario, 10, "runs/b10")    # KPIs with 95 % intervals
    dentsim.group(dso_scenario, "runs/group")      # a dental group, practice by practice
    dentsim.sweep("scenarios/sweep_cadence.yaml", "runs/cadence")
    dentsim.report("runs/cadence")                 # HTML + PDF

The names are loaded on first use, so `import dentsim` stays light for a worker process.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dentsim.api import (
        Audit,
        Run,
        audit,
        group,
        load_scenario,
        replicate,
        report,
        simulate,
        sweep,
    )
    from dentsim.errors import InputError
    from dentsim.experiments.experiment_dir import ExperimentResult
    from dentsim.scenario import Scenario

__all__ = [
    "Audit",
    "ExperimentResult",
    "InputError",
    "Run",
    "Scenario",
    "audit",
    "group",
    "load_scenario",
    "replicate",
    "report",
    "simulate",
    "sweep",
]

_HOMES = {
    "InputError": "dentsim.errors",
    "Scenario": "dentsim.scenario",
    "ExperimentResult": "dentsim.experiments.experiment_dir",
}


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module 'dentsim' has no attribute {name!r}")
    value = getattr(importlib.import_module(_HOMES.get(name, "dentsim.api")), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
