"""The compliance gate: may this contact be placed at this moment?

The engine asks `permit` for every contact right before it is placed. The audit
(sim/audit.py) re-derives the same rules independently and never imports this module.
"""

from __future__ import annotations

from sim.calendar import Clock

FEDERAL_WINDOW_RULE = "federal_calling_window"
FEDERAL_OPEN_MINUTE = 8 * 60  # 47 CFR 64.1200(c)(1): not before 08:00 ...
FEDERAL_CLOSE_MINUTE = 21 * 60  # ... nor after 21:00, called party's local time


def permit(clock: Clock, zones: tuple[str, ...], t: float) -> str | None:
    """None when the contact may go now; else the id of the rule that refuses it."""
    for zone in zones:
        minute = clock.local_minute_of_day(zone, t)
        if not FEDERAL_OPEN_MINUTE <= minute < FEDERAL_CLOSE_MINUTE:
            return FEDERAL_WINDOW_RULE
    return None
