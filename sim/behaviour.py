"""What a reached patient does: book, decline, opt out, call back after a message.

Plain functions of the scenario's probabilities and a generator (the `dialogue` stream).
"""

from __future__ import annotations

import numpy as np

from sim.scenario import RecallConfig

HOUR_S = 3600.0


def answered_outcome(rng: np.random.Generator, cfg: RecallConfig, slots_offered: int) -> str:
    """A live patient's answer to the recall offer: booked, declined or opt_out."""
    u = float(rng.random())
    if u < cfg.p_opt_out_if_reached:
        return "opt_out"
    if slots_offered and u < cfg.p_opt_out_if_reached + cfg.p_book_if_reached:
        return "booked"
    return "declined"


def sms_reply(rng: np.random.Generator, cfg: RecallConfig) -> str:
    """A patient's reply to a text: stop, or nothing for now (bookings come by callback)."""
    return "stop" if rng.random() < cfg.p_stop_reply else "none"


def callback_delay_s(rng: np.random.Generator, cfg: RecallConfig) -> float | None:
    """Seconds until a patient returns a voicemail or text, or None when they never do.

    Exponential with a 17 h mean: about 75 % of returns come within 24 h, close to the
    70 % of recall responses within a day seen in 120 M recall notices (domain.md section 3).
    """
    if rng.random() >= cfg.p_callback_after_message:
        return None
    return float(rng.exponential(17 * HOUR_S))


def answered_call_s(rng: np.random.Generator, mean_s: float) -> int:
    return int(rng.gamma(4.0, mean_s / 4.0))
