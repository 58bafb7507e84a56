"""Opt-outs: honoured from the second they arrive; one confirmation text; soft opt-outs pause outreach."""

from __future__ import annotations

from datetime import timedelta

from dentsim.compliance.rules import load_rules

from .runlog import STOP_CONFIRMATION, attempt, broken, local, optout, patient, sms

NY = "America/New_York"
STOP_AT = "2026-03-10 10:00"


def confirmation(when: str, **overrides):
    fields = {"purposes": "optout_confirmation", "message": STOP_CONFIRMATION, **overrides}
    return sms(local(when, NY), **fields)


def test_a_contact_after_an_opt_out_breaks_opt_out(audit):
    report = audit(
        [patient()],
        [attempt(local("2026-03-12 10:00", NY))],
        [optout(local(STOP_AT, NY), channel="voice", how="spoken")],
    )
    assert broken(report) == {"opt_out"}
    assert "hard opt-out received by voice" in report.result("opt_out").examples[0].why


def test_a_contact_before_the_opt_out_is_fine(audit):
    report = audit(
        [patient()], [attempt(local("2026-03-09 10:00", NY))], [optout(local(STOP_AT, NY))]
    )
    assert broken(report) == set()


def test_the_opt_out_counts_from_the_second_it_is_received(audit):
    stop = local(STOP_AT, NY)
    report = audit([patient()], [attempt(stop + timedelta(seconds=1))], [optout(stop)])
    assert broken(report) == {"opt_out"}


def test_an_sms_only_opt_out_leaves_voice_calls_by_default(audit):
    report = audit(
        [patient()],
        [attempt(local("2026-03-12 10:00", NY))],
        [optout(local(STOP_AT, NY), scope="sms")],
    )
    assert broken(report) == set()


def test_an_sms_only_opt_out_stops_texts(audit):
    report = audit(
        [patient()], [sms(local("2026-03-12 10:00", NY))], [optout(local(STOP_AT, NY), scope="sms")]
    )
    assert broken(report) == {"opt_out"}


def test_every_opt_out_stops_every_channel_when_the_rules_say_all_channels(audit, tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_text("opt_out:\n  scope: all_channels\n")
    report = audit(
        [patient()],
        [attempt(local("2026-03-12 10:00", NY))],
        [optout(local(STOP_AT, NY), scope="sms")],
        rules=load_rules(path),
    )
    assert broken(report) == {"opt_out"}


def test_a_household_contact_covering_an_opted_out_patient_breaks_opt_out(audit):
    shared = "614-555-0150"
    patients = [patient(1, household_id=1, phone=shared), patient(2, household_id=1, phone=shared)]
    report = audit(
        patients,
        [attempt(local("2026-03-12 10:00", NY), 1, covered_patient_ids="2")],
        [optout(local(STOP_AT, NY), 2)],
    )
    assert broken(report) == {"opt_out"}
    assert report.result("opt_out").examples[0].patient_id == 2


def test_one_confirmation_text_within_five_minutes_of_an_sms_opt_out_is_allowed(audit):
    report = audit([patient()], [confirmation("2026-03-10 10:03")], [optout(local(STOP_AT, NY))])
    assert broken(report) == set()


def test_a_second_confirmation_text_is_a_violation(audit):
    report = audit(
        [patient()],
        [confirmation("2026-03-10 10:01"), confirmation("2026-03-10 10:02")],
        [optout(local(STOP_AT, NY))],
    )
    assert broken(report) == {"optout_confirmation"}
    assert report.result("optout_confirmation").violations == 1
    assert "more than 1 confirmation" in report.result("optout_confirmation").examples[0].why


def test_a_confirmation_after_five_minutes_is_a_violation(audit):
    report = audit([patient()], [confirmation("2026-03-10 10:06")], [optout(local(STOP_AT, NY))])
    assert broken(report) == {"optout_confirmation"}


def test_a_confirmation_of_a_spoken_opt_out_is_a_violation(audit):
    report = audit(
        [patient()],
        [confirmation("2026-03-10 10:01")],
        [optout(local(STOP_AT, NY), channel="voice", how="spoken")],
    )
    assert broken(report) == {"optout_confirmation"}


def test_a_confirmation_with_marketing_is_a_violation(audit):
    report = audit(
        [patient()],
        [
            confirmation(
                "2026-03-10 10:01",
                message="Bright Smile Dental: unsubscribed. Ask about our whitening special!",
            )
        ],
        [optout(local(STOP_AT, NY))],
    )
    assert "optout_confirmation" in broken(report)
    assert "special" in report.result("optout_confirmation").examples[0].why


def test_a_confirmation_without_an_opt_out_is_a_violation(audit):
    report = audit([patient()], [confirmation("2026-03-10 10:01")])
    assert broken(report) == {"optout_confirmation"}


def test_a_soft_opt_out_pauses_outreach_until_its_end(audit):
    soft = optout(
        local(STOP_AT, NY),
        channel="voice",
        how="spoken",
        kind="soft",
        pause_until_utc=local("2026-04-24 00:00", NY),
    )
    during = audit([patient()], [attempt(local("2026-04-01 10:00", NY))], [soft])
    after = audit([patient()], [attempt(local("2026-04-24 10:00", NY))], [soft])
    assert broken(during) == {"soft_opt_out_pause"}
    assert "until 2026-04-24T04:00:00Z" in during.result("soft_opt_out_pause").examples[0].why
    assert broken(after) == set()


def test_a_soft_opt_out_does_not_pause_confirmations_or_post_op_calls(audit):
    soft = optout(
        local(STOP_AT, NY),
        channel="voice",
        how="spoken",
        kind="soft",
        pause_until_utc=local("2026-04-24 00:00", NY),
    )
    report = audit(
        [patient()],
        [
            attempt(local("2026-03-20 10:00", NY), purposes="confirmation"),
            attempt(local("2026-03-25 10:00", NY), purposes="post_op"),
        ],
        [soft],
        campaigns={"confirmation": {}, "post_op": {}},
    )
    assert broken(report) == set()


def test_a_combined_contact_with_one_outreach_purpose_is_paused(audit):
    soft = optout(
        local(STOP_AT, NY),
        channel="voice",
        how="spoken",
        kind="soft",
        pause_until_utc=local("2026-04-24 00:00", NY),
    )
    report = audit(
        [patient()],
        [attempt(local("2026-03-20 10:00", NY), purposes="confirmation|recall")],
        [soft],
        campaigns={"confirmation": {}, "recall": {}},
    )
    assert broken(report) == {"soft_opt_out_pause"}


def test_the_longest_of_overlapping_soft_pauses_holds(audit):
    long_pause = optout(
        local("2026-03-01 10:00", NY),
        kind="soft",
        channel="voice",
        how="spoken",
        pause_until_utc=local("2026-05-01 00:00", NY),
    )
    short_pause = optout(
        local("2026-03-10 10:00", NY),
        kind="soft",
        channel="voice",
        how="spoken",
        pause_until_utc=local("2026-03-15 00:00", NY),
    )
    report = audit([patient()], [attempt(local("2026-04-01 10:00", NY))], [long_pause, short_pause])
    assert broken(report) == {"soft_opt_out_pause"}


def test_the_contact_during_which_the_opt_out_arrives_is_not_after_it(audit):
    # an opt-out spoken in a call is stamped within the call; the call started before it
    stop = local(STOP_AT, NY)
    report = audit([patient()], [attempt(stop)], [optout(stop, channel="voice", how="keypress")])
    assert broken(report) == set()


# --- opt-outs recorded in a call's outcome: the attempts table is a second record of them

PAUSE_30_TO_60 = {"strategy": {"soft_opt_out_pause_days": {"min": 30, "max": 60}}}


def test_an_opt_out_recorded_only_in_a_calls_outcome_stops_later_contacts(audit):
    call = attempt(local(STOP_AT, NY), outcome="opt_out")
    later = attempt(local("2026-03-20 10:00", NY))
    report = audit([patient()], [call, later])
    assert broken(report) == {"opt_out"}
    (example,) = report.result("opt_out").examples
    assert example.attempt_id == 2
    assert "attempt 1's outcome" in example.why
    assert "no row in optouts.parquet" in example.why
    assert any("1 contact records an opt-out" in note for note in report.notes)


def test_the_call_in_which_the_opt_out_was_said_is_not_after_it(audit):
    report = audit([patient()], [attempt(local(STOP_AT, NY), outcome="opt_out")])
    assert broken(report) == set()


def test_an_opt_out_in_any_purpose_of_a_combined_call_counts(audit):
    call = attempt(local(STOP_AT, NY), purposes="recall|treatment_plan", outcome="declined|opt_out")
    later = sms(local("2026-03-20 10:00", NY))
    report = audit([patient()], [call, later], campaigns={"recall": {}, "treatment_plan": {}})
    assert broken(report) == {"opt_out"}


def test_an_outcome_opt_out_with_its_row_is_one_opt_out_and_no_note(audit):
    call = attempt(local(STOP_AT, NY), outcome="opt_out", duration_s=90)
    row = optout(
        local(STOP_AT, NY) + timedelta(seconds=40), channel="voice", how="spoken", scope="all"
    )
    later = attempt(local("2026-03-20 10:00", NY))
    report = audit([patient()], [call, later], [row])
    assert broken(report) == {"opt_out"}
    assert "hard opt-out received by voice" in report.result("opt_out").examples[0].why
    assert not any("opt-out" in note for note in report.notes)


def test_a_row_of_another_patient_does_not_match_an_outcome_opt_out(audit):
    call = attempt(local(STOP_AT, NY), 1, outcome="opt_out")
    row = optout(local(STOP_AT, NY), 2, channel="voice", how="spoken")
    report = audit(
        [patient(1), patient(2)], [call, attempt(local("2026-03-20 10:00", NY), 1)], [row]
    )
    assert broken(report) == {"opt_out"}
    assert "no row in optouts.parquet" in report.result("opt_out").examples[0].why


def test_a_soft_opt_out_recorded_only_in_the_outcome_pauses_for_the_shortest_pause(audit):
    call = attempt(local(STOP_AT, NY), outcome="soft_opt_out")
    inside = attempt(local("2026-03-25 10:00", NY))  # 15 days on; every pause lasts 30 or more
    after = attempt(local("2026-04-10 10:00", NY))  # 31 days on
    during = audit([patient()], [call, inside], scenario=PAUSE_30_TO_60)
    assert broken(during) == {"soft_opt_out_pause"}
    assert "attempt 1's outcome" in during.result("soft_opt_out_pause").examples[0].why
    assert broken(audit([patient()], [call, after], scenario=PAUSE_30_TO_60)) == set()


def test_a_soft_outcome_without_its_row_or_the_pause_length_is_noted_not_judged(audit):
    call = attempt(local(STOP_AT, NY), outcome="soft_opt_out")
    report = audit([patient()], [call, attempt(local("2026-03-25 10:00", NY))])
    assert broken(report) == set()
    assert any("soft_opt_out_pause" in note and "not judged" in note for note in report.notes)
