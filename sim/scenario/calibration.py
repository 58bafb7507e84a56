"""The `calibration:` record of a scenario: which of a practice's observed figures its behaviour
parameters were fitted to (written by `dentsim calibrate`, read by the report). It changes nothing
in a run."""

from __future__ import annotations

from typing import Annotated, Literal, get_args

from pydantic import Field

from dentsim.scenario.fields import Probability, Strict

# The figures a practice can observe and `dentsim calibrate` fits, in the order it lists them.
FigureName = Literal[
    "connect_rate",
    "voicemail_rate",
    "conversion.recall",
    "conversion.reactivation",
    "conversion.treatment_plan",
    "no_show_rate",
    "opt_out_rate",
]
FIGURES: tuple[str, ...] = get_args(FigureName)
FIGURE_LABELS: dict[str, str] = {
    "connect_rate": "connect rate",
    "voicemail_rate": "voicemail rate",
    "conversion.recall": "recall conversion",
    "conversion.reactivation": "reactivation conversion",
    "conversion.treatment_plan": "treatment-plan conversion",
    "no_show_rate": "no-show rate",
    "opt_out_rate": "opt-out rate",
}


class CalibratedFigure(Strict):
    figure: FigureName
    observed: Probability = Field(description="The practice's own figure")
    n: Annotated[int, Field(ge=1)] = Field(description="Calls, patients or visits behind it")
    simulated: Probability = Field(description="Mean over the calibration's replications")


class CalibrationRecord(Strict):
    """What `dentsim calibrate` fitted this scenario to; the report names the figures."""

    observed_file: str = Field(description="The observed figures' file (relative to this file)")
    replications: Annotated[int, Field(ge=1)] = Field(description="Replications fitted over")
    figures: list[CalibratedFigure] = Field(min_length=1)
    fitted: dict[str, float] = Field(
        description="Each fitted behaviour parameter (dotted scenario key) and its value"
    )


def calibrated_to(scenario: dict[str, object]) -> str | None:
    """'connect rate, no-show rate' for a resolved scenario (run.json) holding a record, else None."""
    record = scenario.get("calibration")
    if not isinstance(record, dict) or not record.get("figures"):
        return None
    names = [f.get("figure") for f in record["figures"] if isinstance(f, dict)]
    return ", ".join(FIGURE_LABELS.get(str(n), str(n)) for n in names)
