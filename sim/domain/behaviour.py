"""How patients behave: traits drawn once, fatigue that builds with contact, and their choices.

Traits come from the `traits` stream, which no strategy touches, so two strategies meet the
same patients. Choices are plain functions of traits, state and a generator (the `dialogue`
stream). Nothing here knows SimPy.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from dentsim.scenario import BehaviourConfig
from dentsim.streams import Draws

HOUR_S = 3600.0
DAY_S = 86_400.0


@dataclass(frozen=True, slots=True)
class Traits:
    """Per-patient traits, one array each (index = patient)."""

    answer_propensity: np.ndarray  # multiplies the answer curve; mean 1
    best_hour: np.ndarray  # int: local hour at which the patient most often picks up
    prefers_sms: np.ndarray  # bool
    responsiveness: np.ndarray  # Beta; multiplies acceptance relative to its mean
    annoyance_threshold: np.ndarray  # contact pressure at which opt-out hazards double
    trust_known_caller: np.ndarray  # scales how much a known caller ID helps

    @classmethod
    def draw(cls, cfg: BehaviourConfig, n: int, rng: np.random.Generator) -> Traits:
        sigma = cfg.answer_propensity_sigma
        propensity = (
            np.exp(rng.normal(-sigma * sigma / 2, sigma, n)) * cfg.own_practice_answer_factor
        )
        # best hours lean to the evening, as answer rates do (23.4 % at 6-7 pm vs 17.6 % at 8-9 am)
        hours = np.arange(9, 20)
        weights = np.linspace(1.0, 1.6, len(hours))
        best_hour = rng.choice(hours, size=n, p=weights / weights.sum())
        m, c = cfg.responsiveness_mean, cfg.responsiveness_concentration
        responsiveness = rng.beta(m * c, (1 - m) * c, n)
        shape = cfg.annoyance_threshold_shape
        threshold = rng.gamma(shape, cfg.annoyance_threshold_mean / shape, n)
        trust = np.exp(rng.normal(0, 0.3, n))
        return cls(
            propensity,
            best_hour,
            rng.random(n) < cfg.p_prefers_sms,
            responsiveness,
            threshold,
            trust,
        )


def answer_multiplier(
    propensity: float, best_hour: int, local_hour: int, best_hour_boost: float
) -> float:
    """How much likelier than the answer curve this patient is to pick up at this local hour."""
    return propensity * (best_hour_boost if abs(local_hour - best_hour) <= 1 else 1.0)


def decayed_pressure(pressure: float, since_s: float, half_life_days: float) -> float:
    return pressure * 0.5 ** (max(0.0, since_s) / (half_life_days * DAY_S))


def pressure_added(
    cfg: BehaviourConfig, kind: str, repeat_script: bool, off_hours: bool, same_day: bool
) -> float:
    """Contact pressure one contact adds: by what reached the patient, and how it was timed."""
    p = cfg.pressure
    base = (
        p.answered if kind == "answered"
        else p.voicemail if kind == "voicemail"
        else p.household_message if kind == "household"
        else p.sms if kind == "sms"
        else p.no_answer
    )  # fmt: skip
    if repeat_script:
        base *= p.repeat_script_factor
    if off_hours:
        base *= p.off_hours_factor
    if same_day:
        base *= p.same_day_factor
    return base


def fatigue_multiplier(cfg: BehaviourConfig, pressure: float, threshold: float) -> float:
    return 1.0 + (pressure / threshold) ** cfg.fatigue_exponent


def opt_out_choice(rng: Draws, cfg: BehaviourConfig, fatigue: float) -> str | None:
    """A reached patient's reaction to being contacted: 'hard', 'soft' or None."""
    u = rng.random()
    p_hard = min(1.0, cfg.p_opt_out_base * fatigue)
    if u < p_hard:
        return "hard"
    if u < p_hard + min(1.0, cfg.p_soft_opt_out_base * fatigue):
        return "soft"
    return None


def accepts(rng: Draws, cfg: BehaviourConfig, use_case: str, responsiveness: float) -> bool:
    """A reached patient takes an offered slot: the use case's base rate, scaled by the trait."""
    p = cfg.p_accept[use_case] * responsiveness / cfg.responsiveness_mean  # type: ignore[index]
    return rng.random() < min(1.0, p)


def returns_message(rng: Draws, cfg: BehaviourConfig, responsiveness: float) -> float | None:
    """Seconds until a patient returns a voicemail, text or family message; None if never.

    Exponential with a 17 h mean: about 75 % of returns come within 24 h, close to the 70 % of
    recall responses within a day seen in 120 M recall notices (domain.md section 3).
    """
    p = cfg.p_return_message * responsiveness / cfg.responsiveness_mean
    if rng.random() >= min(1.0, p):
        return None
    return rng.exponential(17 * HOUR_S)


def sms_reply_delay_s(rng: Draws, cfg: BehaviourConfig) -> float:
    return rng.lognormal_median(cfg.sms_reply_median_h, cfg.sms_reply_sigma) * HOUR_S


def confirmation_reply(rng: Draws, cfg: BehaviourConfig, prefers_sms: bool) -> str | None:
    """The reply to a confirmation text (confirm, cancel, reschedule, stop, free_text) or None."""
    p_reply = cfg.p_confirmation_reply * (1.15 if prefers_sms else 0.9)
    if rng.random() >= min(1.0, p_reply):
        return None
    kinds = list(cfg.confirmation_reply_mix)
    weights = [cfg.confirmation_reply_mix[k] for k in kinds]  # type: ignore[index]
    return kinds[rng.pick(list(itertools.accumulate(weights)))]


def call_duration_s(rng: Draws, mean_s: float) -> int:
    return int(rng.gamma(4.0, mean_s / 4.0))
