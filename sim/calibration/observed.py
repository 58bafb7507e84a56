"""OBSERVED.yaml: a practice's own figures, each with the number of calls, patients or visits
behind it, and their binomial 95 % intervals (scipy.stats)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from pydantic import Field, model_validator
from scipy import stats

from dentsim.scenario.calibration import FIGURE_LABELS, FIGURES
from dentsim.scenario.fields import Probability, Strict
from dentsim.yamlio import read_yaml, validate_data

MAX_COUNT = 100_000_000
Count = Annotated[int, Field(ge=1, le=MAX_COUNT)]


class CallFigure(Strict):
    rate: Probability
    calls: Count = Field(description="Outbound calls (dials) behind the rate")


class PatientFigure(Strict):
    rate: Probability
    patients: Count = Field(description="Patients contacted behind the rate")


class VisitFigure(Strict):
    rate: Probability
    visits: Count = Field(description="Appointments due (attended or missed) behind the rate")


class Conversions(Strict):
    recall: PatientFigure | None = None
    reactivation: PatientFigure | None = None
    treatment_plan: PatientFigure | None = None


class ObservedFile(Strict):
    """A practice's observed figures: give any of them."""

    connect_rate: CallFigure | None = Field(
        None, description="Calls answered by the patient / calls"
    )
    voicemail_rate: CallFigure | None = Field(None, description="Calls reaching a machine / calls")
    conversion: Conversions | None = Field(
        None, description="Per use case: contacted patients who booked / contacted patients"
    )
    no_show_rate: VisitFigure | None = Field(
        None, description="Missed visits / visits due (attended or missed)"
    )
    opt_out_rate: PatientFigure | None = Field(
        None, description="Contacted patients who asked not to be contacted again / contacted"
    )

    @model_validator(mode="after")
    def _some(self) -> ObservedFile:
        if not observed_figures(self):
            raise ValueError(f"give at least one figure: {', '.join(FIGURES)}")
        connect, machine = self.connect_rate, self.voicemail_rate
        if connect is not None and machine is not None and connect.rate + machine.rate > 1:
            # a call is answered by the patient or reaches a machine, never both
            raise ValueError(
                f"connect_rate {connect.rate:g} and voicemail_rate {machine.rate:g} add up to "
                f"{connect.rate + machine.rate:g}: no calls can be both, so at most 1"
            )
        return self


@dataclass(frozen=True, slots=True)
class Observed:
    """One observed figure: its rate, its count and the count's 95 % binomial interval."""

    figure: str
    rate: float
    n: int
    unit: str  # what n counts: calls, patients or visits
    low: float
    high: float
    where: str  # FILE:LINE: key.path, for messages about it

    @property
    def label(self) -> str:
        return FIGURE_LABELS[self.figure]


def observed_figures(
    data: ObservedFile,
) -> list[tuple[str, CallFigure | PatientFigure | VisitFigure]]:
    """(figure name, its entry) for every figure given, in the order of FIGURES."""
    found: dict[str, CallFigure | PatientFigure | VisitFigure] = {}
    for name in FIGURES:
        section, _, use_case = name.partition(".")
        entry = getattr(data, section)
        if use_case and entry is not None:
            entry = getattr(entry, use_case)
        if entry is not None:
            found[name] = entry
    return list(found.items())


def binomial_interval(rate: float, n: int) -> tuple[float, float]:
    """The 95 % Wilson interval of round(rate * n) successes in n (defined at 0 and n too)."""
    k = min(n, max(0, round(rate * n)))
    ci = stats.binomtest(k, n).proportion_ci(0.95, method="wilson")
    return float(ci.low), float(ci.high)


def load_observed(path: Path | str) -> list[Observed]:
    """The figures of an OBSERVED.yaml file; bad input raises InputError FILE:LINE: key.path."""
    raw, positions = read_yaml(path)
    data = validate_data(raw, positions, ObservedFile, Path(path))
    figures = []
    for name, entry in observed_figures(data):
        unit = next(u for u in ("calls", "patients", "visits") if hasattr(entry, u))
        n = int(getattr(entry, unit))
        low, high = binomial_interval(entry.rate, n)
        key = tuple(name.split("."))
        line = positions[key].line if key in positions else 1
        figures.append(Observed(name, entry.rate, n, unit, low, high, f"{path}:{line}: {name}"))
    return figures
