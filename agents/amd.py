"""Answering-machine detection: a slow, imperfect verdict, and what happens to the message.

"Machine detected" is not "message delivered": a full mailbox or a missed beep loses it,
and a person judged a machine hears silence and then a recording.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field

from dentsim.agents.loading import builtin_dir, load_with_positions, problem
from dentsim.errors import InputError

if TYPE_CHECKING:
    import numpy as np

Verdict = Literal["person", "machine"]
Voicemail = Literal["delivered", "clipped", "mailbox_full", "played_to_person", "none"]


class AmdModel(BaseModel):
    """The detector's parameters (data: `agents/amd.yaml`)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    source: str
    p_person_judged_machine: float = Field(ge=0, le=1)
    p_machine_judged_person: float = Field(ge=0, le=1)
    decision_delay_median_s: float = Field(gt=0)
    decision_delay_sigma: float = Field(ge=0)
    decision_delay_min_s: float = Field(ge=0)
    decision_delay_max_s: float = Field(gt=0)
    person_grace_s: float = Field(ge=0)
    person_patience_s: float = Field(gt=0)
    greeting_median_s: float = Field(gt=0)
    greeting_sigma: float = Field(ge=0)
    p_beep_missed: float = Field(ge=0, le=1)
    p_mailbox_full: float = Field(ge=0, le=1)


@dataclass(slots=True)  # one per answered call: a plain record is cheaper than a frozen one
class AmdResult:
    """What detection decided on one answered call, and what it cost."""

    verdict: Verdict
    correct: bool
    delay_s: float  # silence on the line while the detector listened
    person_hung_up: bool  # a person gave up during that silence
    voicemail: Voicemail  # what became of a message left on the verdict "machine"
    message_delay_s: float  # from answer to the start of the message ("machine" verdicts)


@lru_cache(maxsize=8)
def load_amd_model(path: Path | None = None) -> AmdModel:
    """The detector's parameters from a YAML file (default: the built-in `agents/amd.yaml`)."""
    path = builtin_dir("dentsim.agents") / "amd.yaml" if path is None else Path(path)
    model, positions = load_with_positions(path, AmdModel)
    if model.decision_delay_min_s > model.decision_delay_max_s:
        raise InputError(
            problem(
                path, positions, ("decision_delay_min_s",), "must not exceed decision_delay_max_s"
            )
        )
    return model


def detect(model: AmdModel, is_machine: bool, rng: np.random.Generator) -> AmdResult:
    """Run detection on one answered call: who it thinks answered, after how long, and the message.

    A person judged a person, or a machine judged a person (the agent then talks to the
    greeting, see the answering_machine persona), get voicemail "none"; the engine plays
    the dialogue for those. A person may hang up during the detection silence.
    """
    delay_s = min(
        model.decision_delay_max_s,
        max(
            model.decision_delay_min_s,
            model.decision_delay_median_s
            * math.exp(model.decision_delay_sigma * rng.standard_normal()),
        ),
    )
    if is_machine:
        if rng.random() < model.p_machine_judged_person:
            return AmdResult("person", False, delay_s, False, "none", 0.0)
        greeting_s = model.greeting_median_s * math.exp(
            model.greeting_sigma * rng.standard_normal()
        )
        u = rng.random()
        if u < model.p_mailbox_full:
            return AmdResult("machine", True, delay_s, False, "mailbox_full", 0.0)
        clipped = u < model.p_mailbox_full + model.p_beep_missed
        start_s = delay_s if clipped else max(delay_s, greeting_s)
        return AmdResult(
            "machine", True, delay_s, False, "clipped" if clipped else "delivered", start_s
        )
    waited_s = max(0.0, delay_s - model.person_grace_s)
    hung_up = rng.random() < 1.0 - math.exp(-waited_s / model.person_patience_s)
    if rng.random() < model.p_person_judged_machine:
        return AmdResult(
            "machine", False, delay_s, hung_up, "none" if hung_up else "played_to_person", delay_s
        )
    return AmdResult("person", True, delay_s, hung_up, "none", 0.0)
