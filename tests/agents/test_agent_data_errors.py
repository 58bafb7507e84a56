"""Bad scripts, personas and cases: one line each naming the file, the line, the key path."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dentsim.agents.conformance import load_cases
from dentsim.agents.persona_files import load_persona, load_personas
from dentsim.agents.script import builtin_scripts_dir, load_scripts
from dentsim.errors import InputError

PERSONA = Path(__file__).parents[2] / "agents" / "personas" / "cooperative.yaml"


def scripts_with(tmp_path: Path, file: str, old: str, new: str) -> Path:
    """A copy of the built-in scripts with one edit."""
    folder = tmp_path / "scripts"
    shutil.copytree(builtin_scripts_dir(), folder, ignore=shutil.ignore_patterns("__*"))
    path = folder / file
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return folder


def line_of(path: Path, needle: str) -> int:
    return next(
        i for i, ln in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in ln
    )


def problems(excinfo: pytest.ExceptionInfo[InputError]) -> list[str]:
    return excinfo.value.problems


def test_the_built_in_scripts_personas_and_cases_load() -> None:
    assert set(load_scripts().purposes) == {
        "recall",
        "reactivation",
        "confirmation",
        "post_op",
        "treatment_plan",
    }
    assert len(load_personas().personas) >= 7
    assert len(load_cases()) >= 40


def test_a_transition_to_a_state_that_does_not_exist(tmp_path: Path) -> None:
    folder = scripts_with(
        tmp_path, "recall.yaml", "      accept_slot: booked\n", "      accept_slot: bookd\n"
    )
    with pytest.raises(InputError) as e:
        load_scripts(folder)
    path = folder / "recall.yaml"
    assert problems(e) == [
        f"{path}:{line_of(path, 'accept_slot: bookd')}: states.offer.on_reply.accept_slot: "
        "unknown state 'bookd'; did you mean 'booked'?"
    ]


def test_a_state_no_transition_reaches(tmp_path: Path) -> None:
    orphan = '  orphan:\n    intent: inform\n    say:\n      en: "Nobody hears this."\n    next: $done\n\n  booked:\n'
    folder = scripts_with(tmp_path, "recall.yaml", "  booked:\n", orphan)
    with pytest.raises(InputError) as e:
        load_scripts(folder)
    path = folder / "recall.yaml"
    assert problems(e) == [
        f"{path}:{line_of(path, 'orphan:')}: states.orphan: state 'orphan' is unreachable: no transition leads to it"
    ]


def test_malformed_yaml_names_the_line(tmp_path: Path) -> None:
    folder = scripts_with(tmp_path, "post_op.yaml", "entry: check\n", "entry: [check\n")
    with pytest.raises(InputError) as e:
        load_scripts(folder)
    (problem,) = problems(e)
    assert problem.startswith(f"{folder / 'post_op.yaml'}:") and "not valid YAML" in problem


def test_an_unknown_key_is_named_with_a_suggestion(tmp_path: Path) -> None:
    folder = scripts_with(tmp_path, "recall.yaml", "    proposes: slots\n", "    propose: slots\n")
    with pytest.raises(InputError) as e:
        load_scripts(folder)
    path = folder / "recall.yaml"
    assert (
        f"{path}:{line_of(path, 'propose: slots')}: states.offer.propose: unknown key 'propose'; did you mean 'proposes'?"
        in problems(e)
    )


def test_yaml_reading_on_or_yes_as_true_is_explained(tmp_path: Path) -> None:
    folder = scripts_with(tmp_path, "recall.yaml", "    on_reply:\n", "    on:\n")
    with pytest.raises(InputError) as e:
        load_scripts(folder)
    path = folder / "recall.yaml"
    assert problems(e) == [
        f"{path}:{line_of(path, '    on:')}: states.offer.on: YAML reads the unquoted key on as true; quote it ('on')"
    ]


def test_a_template_placeholder_that_does_not_exist(tmp_path: Path) -> None:
    folder = scripts_with(
        tmp_path, "recall.yaml", "You're all set for {slot}.", "You're all set for {slto}."
    )
    with pytest.raises(InputError) as e:
        load_scripts(folder)
    (problem,) = problems(e)
    assert ": states.booked.say.en: unknown placeholder '{slto}'; did you mean '{slot}'?" in problem


def test_a_protected_detail_in_a_state_spoken_before_verification(tmp_path: Path) -> None:
    folder = scripts_with(
        tmp_path,
        "common.yaml",
        "let {first_name} know that {practice} called about a visit",
        "let {first_name} know that {practice} called about the {procedure}",
    )
    with pytest.raises(InputError) as e:
        load_scripts(folder)
    assert any(
        "states.household_message.say.en: {procedure} is a protected detail" in p
        for p in problems(e)
    )


def test_a_protected_word_written_into_a_common_state(tmp_path: Path) -> None:
    folder = scripts_with(
        tmp_path, "common.yaml", "called about a visit, and", "called about the root canal, and"
    )
    with pytest.raises(InputError) as e:
        load_scripts(folder)
    assert any(
        "states.household_message.say.en: names protected details (root canal)" in p
        for p in problems(e)
    )


def persona_with(tmp_path: Path, old: str, new: str) -> Path:
    text = PERSONA.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "p.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "  offer_slots: {",
            "  offer_slot: {",
            "replies.offer_slot: unknown agent intent 'offer_slot'; did you mean 'offer_slots'?",
        ),
        (
            "accept_slot: 0.5,",
            "accept_slots: 0.5,",
            "replies.offer_slots.accept_slots: unknown patient intent 'accept_slots'; did you mean 'accept_slot'?",
        ),
        (
            "accept_slot: 0.5,",
            "accept_slot: -0.5,",
            "replies.offer_slots.accept_slot: a weight must be a number >= 0, found -0.5",
        ),
        (
            "  fatigue: {",
            "  fatigued: {",
            "trait_effects.fatigued: unknown trait 'fatigued'; did you mean 'fatigue'?",
        ),
        (
            "answered_by: patient",
            "answered_by: neighbour",
            "answered_by: unknown kind of answerer 'neighbour'",
        ),
    ],
)
def test_a_bad_persona_names_the_line_and_the_problem(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    path = persona_with(tmp_path, old, new)
    with pytest.raises(InputError) as e:
        load_persona(path)
    (problem,) = problems(e)
    assert problem.startswith(f"{path}:{line_of(path, new.strip().split(':')[0])}: ")
    assert message in problem


def write_case(folder: Path, name: str, body: str) -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / f"{name}.yaml"
    path.write_text(body, encoding="utf-8")
    return path


CASE = """description: A user case.
purposes: [recall]
patient:
  answered_by: patient
  replies:
    opening: [is_me]
    verify_identity: [verify_ok]
    offer_slots: [accept_slot]
"""


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "    offer_slots: [",
            "    offer_slot: [",
            "patient.replies.offer_slot: unknown agent intent 'offer_slot'; did you mean 'offer_slots'?",
        ),
        (
            "[accept_slot]",
            "[acept_slot]",
            "patient.replies.offer_slots[0]: unknown patient intent 'acept_slot'; did you mean 'accept_slot'?",
        ),
        ("[recall]", "[recal]", "purposes[0]: unknown use case 'recal'; did you mean 'recall'?"),
        (
            "  answered_by: patient\n",
            "  persona: cooperativ\n  seed: 1\n",
            "patient.persona: unknown persona 'cooperativ'; did you mean 'cooperative'?",
        ),
        ("  answered_by: patient\n", "  persona: cooperative\n", "a persona case needs a 'seed'"),
        ("  answered_by: patient\n", "", "patient: missing 'answered_by'"),
    ],
)
def test_a_bad_case_names_the_line_and_the_problem(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    path = write_case(tmp_path / "cases", "mine", CASE.replace(old, new))
    with pytest.raises(InputError) as e:
        load_cases([tmp_path / "cases"])
    assert any(p.startswith(f"{path}:") and message in p for p in problems(e)), problems(e)


def test_a_case_folder_that_does_not_exist(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="folder not found"):
        load_cases([tmp_path / "nowhere"])
