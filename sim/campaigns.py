"""The use cases: who is eligible when, which cadence step is due, and what ends an episode.

Pure functions over the practice state; they never dial.
"""

from __future__ import annotations

import numpy as np

from sim.pms import PracticeState
from sim.scenario import RecallConfig

RECALL = "recall"


def recall_due(state: PracticeState, cfg: RecallConfig, day: int) -> tuple[np.ndarray, np.ndarray]:
    """Patients whose next recall touch is due today, and the cadence step of each.

    A cadence starts `lead_days` before the recall due date for patients with no visit
    booked; its steps fall on `cadence[i].day` days after the start.
    """
    if not cfg.enabled:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    wanted = (
        state.reachable()
        & (state.booked_day < 0)
        & ~state.pending
        & (state.recall_due_day - cfg.lead_days <= day)
        & (state.recall_due_day + cfg.max_overdue_days >= day)
    )
    starting = wanted & (state.episode_start_day < 0) & (state.episode_retry_day <= day)
    state.episode_start_day[starting] = day
    state.episode_step[starting] = 0
    step_days = np.array([s.day for s in cfg.cadence] + [10**6], dtype=np.int32)
    steps = state.episode_step
    due = (
        wanted
        & (state.episode_start_day >= 0)
        & (steps < len(cfg.cadence))
        & (state.episode_start_day + step_days[np.minimum(steps, len(cfg.cadence))] <= day)
    )
    idx = np.flatnonzero(due)
    return idx, steps[idx].astype(np.int64)


def recall_touch_placed(state: PracticeState, cfg: RecallConfig, patient: int, day: int) -> None:
    """Advance the cadence after a placed touch; an exhausted cadence waits `retry_after_days`."""
    state.episode_step[patient] += 1
    if state.episode_step[patient] >= len(cfg.cadence):
        state.episode_start_day[patient] = -1
        state.episode_step[patient] = 0
        state.episode_retry_day[patient] = day + cfg.retry_after_days


def visit_booked(state: PracticeState, patient: int, day: int) -> None:
    state.booked_day[patient] = day
    state.episode_start_day[patient] = -1
    state.episode_step[patient] = 0


def visit_attended(state: PracticeState, patient: int, day: int) -> None:
    """An attended hygiene visit sets the next recall: the loop that closes the year."""
    state.booked_day[patient] = -1
    state.last_visit_day[patient] = day
    state.recall_due_day[patient] = day + state.recall_interval_days[patient]
    state.episode_retry_day[patient] = -(10**6)


def visit_missed(state: PracticeState, patient: int) -> None:
    """A no-show leaves the recall due: the cadence starts again the next morning."""
    state.booked_day[patient] = -1
    state.episode_retry_day[patient] = -(10**6)
