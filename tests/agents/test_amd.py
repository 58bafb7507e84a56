"""Answering-machine detection: wrong at the rates given, slow, and no promise of delivery."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from dentsim.agents.amd import AmdModel, detect, load_amd_model
from dentsim.errors import InputError

N = 20_000


@pytest.fixture(scope="module")
def model() -> AmdModel:
    return load_amd_model()


def run(model: AmdModel, is_machine: bool, seed: int = 0) -> list:
    rng = np.random.default_rng(seed)
    return [detect(model, is_machine, rng) for _ in range(N)]


def test_people_are_taken_for_machines_at_the_false_positive_rate(model: AmdModel) -> None:
    results = run(model, is_machine=False)
    share = sum(r.verdict == "machine" for r in results) / N
    assert share == pytest.approx(model.p_person_judged_machine, abs=0.006)
    assert all(r.correct == (r.verdict == "person") for r in results)


def test_machines_are_taken_for_people_at_the_false_negative_rate(model: AmdModel) -> None:
    results = run(model, is_machine=True)
    share = sum(r.verdict == "person" for r in results) / N
    assert share == pytest.approx(model.p_machine_judged_person, abs=0.008)


def test_the_decision_takes_seconds_around_the_median_within_the_bounds(model: AmdModel) -> None:
    delays = np.array([r.delay_s for r in run(model, is_machine=False)])
    assert np.median(delays) == pytest.approx(model.decision_delay_median_s, rel=0.03)
    assert delays.min() >= model.decision_delay_min_s and delays.max() <= model.decision_delay_max_s


def test_machine_detected_is_not_message_delivered(model: AmdModel) -> None:
    fates = [r.voicemail for r in run(model, is_machine=True) if r.verdict == "machine"]
    delivered = fates.count("delivered") / len(fates)
    assert {"delivered", "clipped", "mailbox_full"} == set(fates)
    assert delivered == pytest.approx(1 - model.p_mailbox_full - model.p_beep_missed, abs=0.01)


def test_a_delivered_message_starts_after_the_greeting_not_before_detection(
    model: AmdModel,
) -> None:
    for r in run(model, is_machine=True)[:2000]:
        if r.voicemail == "delivered":
            assert r.message_delay_s >= r.delay_s


def test_slower_detection_loses_more_people_to_the_silence(model: AmdModel) -> None:
    quick = model.model_copy(update={"decision_delay_median_s": 2.0})
    slow = model.model_copy(update={"decision_delay_median_s": 5.0})
    lost_quick = sum(r.person_hung_up for r in run(quick, is_machine=False))
    lost_slow = sum(r.person_hung_up for r in run(slow, is_machine=False))
    assert lost_slow > 2 * lost_quick


def test_a_bad_parameter_file_names_the_line(tmp_path: Path) -> None:
    text = (Path(__file__).parents[2] / "agents" / "amd.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "amd.yaml"
    bad.write_text(text.replace("p_mailbox_full: 0.03", "p_mailbox_full: 1.5"), encoding="utf-8")
    with pytest.raises(InputError) as e:
        load_amd_model(bad)
    (problem,) = e.value.problems
    line = next(i for i, ln in enumerate(text.splitlines(), 1) if ln.startswith("p_mailbox_full"))
    assert problem.startswith(f"{bad}:{line}: p_mailbox_full: ")
