"""What the steady-state net return depends on: each ROI assumption moved to a low and a high
value, the others kept, and the steady year priced again (the tornado chart and roi.json).

Acceptance and the no-show rate are not re-simulated: acceptance scales the bookings and the
no-show rate scales the missed visits, a first-order approximation (more bookings would also
mean more confirmations, fewer patients left to call, and so on).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from typing import Any, cast

import numpy as np

from dentsim.reports import fmt
from dentsim.reports.roi import Prepared, Sensitivity, SensitivityRow
from dentsim.reports.roi_inputs import RoiInputs, UnitValues
from dentsim.reports.roi_steady import steady_figures

RELATIVE_CHANGE = 0.25  # fees, prices, acceptance and no-shows: -25% and +25%
MANUAL_SHARE_RANGE = (0.2, 0.6)  # the share of the list a practice works by hand

# (inputs, units, acceptance factor, no-show factor) -> the steady net of one set of counts
Case = tuple[RoiInputs, UnitValues, float, float]


def sensitivity(p: Prepared, inputs: RoiInputs, units: UnitValues) -> Sensitivity | None:
    """The tornado's rows, largest swing first; None when the run has no steady state."""

    def net(case: Case) -> float:
        nets = [steady_figures(q, case[0], case[1], p.warm, case[2], case[3]) for q in p.quantities]
        return float(np.mean([n["net_return_usd"] for n in nets]))

    base = net((inputs, units, 1.0, 1.0))
    if not math.isfinite(base):
        return None
    rows = [
        SensitivityRow(label, low_text, high_text, net(low), net(high))
        for label, (low_text, low), (high_text, high) in _cases(inputs, units)
    ]
    rows.sort(key=lambda r: -r.swing)
    return Sensitivity(base, tuple(rows))


def _cases(inputs: RoiInputs, units: UnitValues) -> list[tuple[str, tuple[str, Case], tuple[str, Case]]]:  # fmt: skip
    lo, hi = 1 - RELATIVE_CHANGE, 1 + RELATIVE_CHANGE
    cases = []

    def unit(label: str, name: str) -> None:
        value = float(getattr(units, name))

        def at(f: float) -> tuple[str, Case]:
            changed = dataclasses.replace(units, **cast(dict[str, Any], {name: value * f}))
            return fmt.usd(value * f), (inputs, changed, 1.0, 1.0)

        cases.append((label, at(lo), at(hi)))

    def price(label: str, name: str, text: Callable[[float], str]) -> None:
        value = float(getattr(inputs.ai, name))

        def at(f: float) -> tuple[str, Case]:
            ai = inputs.ai.model_copy(update={name: value * f})
            return text(value * f), (inputs.model_copy(update={"ai": ai}), units, 1.0, 1.0)

        cases.append((label, at(lo), at(hi)))

    unit("Hygiene recall visit value", "hygiene_visit")
    unit("Reactivated patient value", "reactivated_patient")
    unit("Treatment-plan value", "treatment_plan")
    unit("Chair hour kept by a prevented no-show", "chair_hour")
    pct = f"{100 * RELATIVE_CHANGE:.0f}%"
    cases.append(("Patients accepting a visit", (f"{pct} fewer", (inputs, units, lo, 1.0)),
                  (f"{pct} more", (inputs, units, hi, 1.0))))  # fmt: skip
    cases.append(("No-show rate", (f"{pct} lower", (inputs, units, 1.0, lo)),
                  (f"{pct} higher", (inputs, units, 1.0, hi))))  # fmt: skip
    price("Platform fee per practice and month", "platform_fee_monthly_usd", fmt.usd)
    price("AI price per voice minute", "cost_per_minute_usd", lambda x: f"${x:.3f}")

    def manual(share: float) -> tuple[str, Case]:
        staff = inputs.staff.model_copy(update={"manual_share_worked": share})
        return fmt.pct(share), (inputs.model_copy(update={"staff": staff}), units, 1.0, 1.0)

    low_share, high_share = MANUAL_SHARE_RANGE
    cases.append(("Share of the list worked by hand", manual(low_share), manual(high_share)))
    return cases
