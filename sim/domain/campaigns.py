"""The five use cases: who is eligible when, which cadence step is due, what ends a cadence.

Pure functions over the practice state; they never dial. Confirmations are anchored to an
appointment's hour rather than to a day, so the planner handles their timing itself.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dentsim.domain.pms import NONE, PracticeState
from dentsim.domain.population import MONTH_DAYS
from dentsim.scenario import CampaignsConfig, OutreachConfig, PostOpConfig

RECALL = "recall"
REACTIVATION = "reactivation"
CONFIRMATION = "confirmation"
POST_OP = "post_op"
TREATMENT_PLAN = "treatment_plan"
CADENCED = (RECALL, REACTIVATION, TREATMENT_PLAN, POST_OP)
PAUSABLE = (RECALL, REACTIVATION, TREATMENT_PLAN)  # a soft opt-out pauses outreach, not care
BOOKING = {RECALL: "hygiene", REACTIVATION: "reactivation", TREATMENT_PLAN: "treatment"}


@dataclass(frozen=True, slots=True)
class Due:
    """Cadence steps of one use case falling due by some day."""

    use_case: str
    patients: np.ndarray
    steps: np.ndarray
    due_days: np.ndarray


def config_of(campaigns: CampaignsConfig, use_case: str) -> OutreachConfig | PostOpConfig:
    return getattr(campaigns, use_case)  # type: ignore[no-any-return]


def step_days(cfg: OutreachConfig | PostOpConfig) -> np.ndarray:
    return np.array([s.day for s in cfg.cadence] + [10**6], dtype=np.int32)


def wanted(state: PracticeState, campaigns: CampaignsConfig, use_case: str, day: int) -> np.ndarray:
    """Patients the use case wants to reach today (before caps, channels and rules)."""
    # only the practice's own plan: who must not be contacted is the gate's to decide
    base = state.active
    if use_case in PAUSABLE:
        base = base & (state.paused_until_day <= day)
    if use_case == RECALL:
        cfg = campaigns.recall
        due = state.recall_due_day
        return (
            base
            & (state.hygiene_appt < 0)
            & (due - cfg.lead_days <= day)
            & (due + cfg.max_overdue_days >= day)
        )
    if use_case == REACTIVATION:
        months = campaigns.reactivation.last_seen_months
        since = day - state.last_visit_day
        return (
            base
            & (state.hygiene_appt < 0)
            & (since >= months.min * MONTH_DAYS)
            & (since <= months.max * MONTH_DAYS)
        )
    if use_case == TREATMENT_PLAN:
        return base & (state.plan_value > 0) & (state.treatment_appt < 0)
    if use_case == POST_OP:
        last = campaigns.post_op.cadence[-1].day
        return base & (state.procedure_day >= 0) & (day <= state.procedure_day + last)
    raise ValueError(use_case)


def lapse(state: PracticeState, campaigns: CampaignsConfig, day: int) -> None:
    """Patients unseen for `inactive_after_months` become inactive."""
    limit = campaigns.reactivation.inactive_after_months * MONTH_DAYS
    state.active &= ~((day - state.last_visit_day > limit) & (state.hygiene_appt < 0))


def due(
    state: PracticeState, campaigns: CampaignsConfig, use_case: str, day: int, horizon_days: int = 0
) -> Due:
    """Start cadences for newly wanted patients; return the steps due by `day + horizon_days`."""
    cfg = config_of(campaigns, use_case)
    episodes = state.episodes[use_case]
    want = wanted(state, campaigns, use_case, day) & ~episodes.pending
    starting = want & (episodes.anchor_day == NONE) & (episodes.retry_day <= day)
    if starting.any():
        first = cfg.cadence[0].day
        if use_case == TREATMENT_PLAN:
            anchor = np.maximum(state.plan_day, day - first)
        elif use_case == POST_OP:
            anchor = state.procedure_day
        else:
            anchor = np.full(state.n, day - first, dtype=np.int32)
        episodes.start(starting, anchor)
    days = step_days(cfg)
    n_steps = len(cfg.cadence)
    steps = episodes.step
    due_day = episodes.anchor_day + days[np.minimum(steps, n_steps)]
    mask = (
        want & (episodes.anchor_day != NONE) & (steps < n_steps) & (due_day <= day + horizon_days)
    )
    idx = np.flatnonzero(mask)
    return Due(use_case, idx, steps[idx].astype(np.int64), due_day[idx])


def touch_placed(
    state: PracticeState, campaigns: CampaignsConfig, use_case: str, patient: int, day: int
) -> None:
    """Advance the cadence after a placed touch; an exhausted one waits `retry_after_days`."""
    if use_case not in state.episodes:
        return
    cfg = config_of(campaigns, use_case)
    episodes = state.episodes[use_case]
    episodes.step[patient] += 1
    if episodes.step[patient] >= len(cfg.cadence):
        if use_case == POST_OP:
            state.procedure_day[patient] = -1
            episodes.end(patient)
        else:
            episodes.end(patient, day + cfg.retry_after_days)  # type: ignore[union-attr]


def given_up(
    state: PracticeState, campaigns: CampaignsConfig, use_case: str, patient: int, day: int
) -> None:
    """The gate will never let this patient's touch through (opted out, wrong number, no
    consent): end the cadence, to be tried again only after `retry_after_days`."""
    if use_case not in state.episodes:
        return
    cfg = config_of(campaigns, use_case)
    if use_case == POST_OP:
        state.procedure_day[patient] = -1
        state.episodes[use_case].end(patient)
    else:
        state.episodes[use_case].end(patient, day + cfg.retry_after_days)  # type: ignore[union-attr]


def succeeded(state: PracticeState, use_case: str, patient: int) -> None:
    """The use case got what it wanted (a booking, a check-in): its cadence ends."""
    if use_case in state.episodes:
        state.episodes[use_case].end(patient)
    if use_case == POST_OP:
        state.procedure_day[patient] = -1
