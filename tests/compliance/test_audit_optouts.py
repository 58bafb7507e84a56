"""Opt-outs: honoured from the second they arrive; one confirmation text; soft opt-outs pause outreach."""

from __future__ import annotations

from datetime import timedelta

from sim.rules.model import load_rules

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
