"""What is said and to whom: HIPAA minimum necessary, preferences, consent, the exemption's limits."""

from __future__ import annotations

from .runlog import (
    PRACTICE_NAME,
    PRACTICE_PHONE,
    SMS,
    attempt,
    broken,
    local,
    patient,
    practice,
    sms,
    voicemail,
)

NY = "America/New_York"
AT = local("2026-03-10 10:00", NY)
LATER = local("2026-03-12 10:00", NY)
EXEMPT = {"recall": {"legal_posture": "healthcare_exempt"}}


# --- HIPAA minimum necessary
def test_a_voicemail_naming_a_procedure_breaks_minimum_necessary(audit):
    message = f"{PRACTICE_NAME} here about your root canal. Call {PRACTICE_PHONE}."
    report = audit([patient()], [voicemail(AT, message=message)])
    assert broken(report) == {"hipaa_minimum_necessary"}
    assert "'root canal'" in report.result("hipaa_minimum_necessary").examples[0].why


def test_a_voicemail_with_the_minimum_necessary_is_fine(audit):
    assert broken(audit([patient()], [voicemail(AT)])) == set()


def test_a_text_naming_a_balance_breaks_minimum_necessary(audit):
    message = f"{PRACTICE_NAME}: your balance of $120 is due. Call {PRACTICE_PHONE}."
    report = audit([patient()], [sms(AT, message=message)])
    assert broken(report) == {"hipaa_minimum_necessary"}
    assert "'balance'" in report.result("hipaa_minimum_necessary").examples[0].why


def test_a_message_left_with_a_household_member_is_judged_too(audit):
    message = f"Tell Ann her crown is ready. {PRACTICE_NAME}, {PRACTICE_PHONE}."
    report = audit([patient()], [attempt(AT, answered_by="household", message=message)])
    assert broken(report) == {"hipaa_minimum_necessary"}


def test_protected_terms_match_whole_words_only(audit):
    stockbridge = practice(name="Stockbridge Crowne Dental")
    message = f"Hello from Stockbridge Crowne Dental about your next visit. Call {PRACTICE_PHONE}."
    report = audit([patient()], [voicemail(AT, message=message)], practices=[stockbridge])
    assert broken(report) == set()


def test_a_plural_of_a_protected_word_is_protected_too(audit):
    message = f"{PRACTICE_NAME}: your new crowns are ready. Call {PRACTICE_PHONE}."
    report = audit([patient()], [sms(AT, message=message)])
    assert broken(report) == {"hipaa_minimum_necessary"}
    assert "'crowns'" in report.result("hipaa_minimum_necessary").examples[0].why


# --- confidential communications, do-not-call, wrong numbers
def test_a_voicemail_for_a_patient_who_asked_for_none_breaks_the_preference(audit):
    report = audit([patient(no_voicemail=True)], [voicemail(AT)])
    assert broken(report) == {"confidential_no_voicemail"}


def test_a_hang_up_on_a_machine_without_a_message_honours_the_preference(audit):
    report = audit([patient(no_voicemail=True)], [voicemail(AT, message="", duration_s=3)])
    assert broken(report) == set()


def test_a_patient_on_the_internal_do_not_call_list_gets_no_contact(audit):
    report = audit([patient(do_not_call=True)], [sms(AT)])
    assert broken(report) == {"internal_dnc"}


def test_a_household_contact_covering_a_do_not_call_patient_breaks_dnc(audit):
    shared = "614-555-0150"
    patients = [patient(1, phone=shared), patient(2, phone=shared, do_not_call=True)]
    report = audit(patients, [attempt(AT, 1, covered_patient_ids="2")])
    assert broken(report) == {"internal_dnc"}


def test_a_wrong_number_redialled_for_the_same_patient_is_a_violation(audit):
    report = audit(
        [patient()],
        [attempt(AT, result="wrong_number", answered_by="stranger", duration_s=20), attempt(LATER)],
    )
    assert broken(report) == {"wrong_number"}
    assert "reached a stranger" in report.result("wrong_number").examples[0].why


def test_a_wrong_number_is_marked_for_that_patient_only_by_default(audit):
    shared = "614-555-0150"
    patients = [patient(1, phone=shared), patient(2, household_id=2, phone=shared)]
    report = audit(
        patients,
        [attempt(AT, 1, result="wrong_number", answered_by="stranger"), attempt(LATER, 2)],
    )
    assert broken(report) == set()


# --- consent and legal posture
def test_a_healthcare_consent_contact_needs_consent_healthcare(audit):
    report = audit([patient(consent_healthcare=False)], [attempt(AT)])
    assert broken(report) == {"consent_required"}
    assert "consent_healthcare is false" in report.result("consent_required").examples[0].why


def test_the_healthcare_exemption_needs_no_consent(audit):
    report = audit([patient(consent_healthcare=False)], [attempt(AT)], campaigns=EXEMPT)
    assert broken(report) == set()


def test_a_written_consent_posture_needs_consent_written(audit):
    campaigns = {"reactivation": {"legal_posture": "written_consent"}}
    without = audit([patient()], [attempt(AT, purposes="reactivation")], campaigns=campaigns)
    with_it = audit(
        [patient(consent_written=True)], [attempt(AT, purposes="reactivation")], campaigns=campaigns
    )
    assert broken(without) == {"consent_required"}
    assert broken(with_it) == set()


def test_marketing_always_needs_written_consent(audit):
    report = audit([patient()], [attempt(AT, purposes="marketing")], campaigns=EXEMPT)
    assert broken(report) == {"consent_required"}


def test_a_covered_patient_needs_consent_too(audit):
    shared = "614-555-0150"
    patients = [patient(1, phone=shared), patient(2, phone=shared, consent_healthcare=False)]
    report = audit(patients, [attempt(AT, 1, covered_patient_ids="2")])
    assert broken(report) == {"consent_required"}
    assert report.result("consent_required").examples[0].patient_id == 2


def test_a_number_other_than_the_one_on_file_has_no_consent(audit):
    report = audit([patient()], [attempt(AT, phone="614-555-0199")])
    assert broken(report) == {"consent_required"}
    assert "the number on file is" in report.result("consent_required").examples[0].why


# --- the healthcare exemption's limits
def test_an_exempt_call_over_60_seconds_breaks_the_duration_limit(audit):
    report = audit([patient()], [attempt(AT, duration_s=61)], campaigns=EXEMPT)
    assert broken(report) == {"exempt_voice_duration"}


def test_an_exempt_call_of_60_seconds_is_fine(audit):
    assert broken(audit([patient()], [attempt(AT, duration_s=60)], campaigns=EXEMPT)) == set()


def test_a_long_call_with_consent_is_not_limited(audit):
    assert broken(audit([patient()], [attempt(AT, duration_s=600)])) == set()


def test_an_exempt_text_over_160_characters_breaks_the_length_limit(audit):
    long_text = SMS + " " + "x" * (160 - len(SMS))  # 161 characters
    assert len(long_text) == 161
    report = audit([patient()], [sms(AT, message=long_text)], campaigns=EXEMPT)
    assert broken(report) == {"exempt_sms_length"}
    assert broken(audit([patient()], [sms(AT, message=long_text[:160])], campaigns=EXEMPT)) == set()


def test_an_exempt_text_without_the_practice_name_breaks_identification(audit):
    message = f"We'd like to help with your next visit. Call {PRACTICE_PHONE}."
    report = audit([patient()], [sms(AT, message=message)], campaigns=EXEMPT)
    assert broken(report) == {"exempt_identification"}
    assert "lacks the practice name" in report.result("exempt_identification").examples[0].why


def test_an_exempt_voicemail_without_the_callback_number_breaks_identification(audit):
    message = f"Hello from {PRACTICE_NAME} about your next visit. Please call us back."
    report = audit([patient()], [voicemail(AT, message=message)], campaigns=EXEMPT)
    assert broken(report) == {"exempt_identification"}
    assert "the callback number" in report.result("exempt_identification").examples[0].why


def test_the_callback_number_may_be_written_in_any_format(audit):
    message = f"Hello from {PRACTICE_NAME.upper()} about your next visit. Call (614) 555 0100."
    assert broken(audit([patient()], [voicemail(AT, message=message)], campaigns=EXEMPT)) == set()


# --- texts only where the record allows them
def test_a_text_to_a_patient_who_does_not_allow_texts_is_a_violation(audit):
    report = audit([patient(text_allowed=False)], [sms(AT)])
    assert broken(report) == {"sms_text_allowed"}


# --- transcripts (optional): nothing protected before verification or to a non-patient
def turn(text, verified, speaker="agent"):
    return {"speaker": speaker, "intent": "inform", "text": text, "t_s": 1.0, "verified": verified}


def test_protected_words_before_identity_is_verified_are_a_violation(audit):
    transcript = {"attempt_id": 1, "turns": [turn("Calling about your crown", False)]}
    report = audit([patient()], [attempt(AT)], transcripts=[transcript])
    assert broken(report) == {"hipaa_verify_before_phi"}
    assert (
        "before identity was verified" in report.result("hipaa_verify_before_phi").examples[0].why
    )


def test_protected_words_after_verification_to_the_patient_are_fine(audit):
    transcript = {
        "attempt_id": 1,
        "turns": [
            turn("May I have your date of birth?", False),
            turn("Thanks.", True, "patient"),
            turn("Your crown is ready to fit.", True),
        ],
    }
    report = audit([patient()], [attempt(AT)], transcripts=[transcript])
    assert broken(report) == set()
    assert report.transcripts_checked == 1


def test_protected_words_to_a_household_member_are_a_violation_even_if_verified(audit):
    transcript = {"attempt_id": 1, "turns": [turn("Her crown is ready.", True)]}
    report = audit([patient()], [attempt(AT, answered_by="household")], transcripts=[transcript])
    assert broken(report) == {"hipaa_verify_before_phi"}


def test_without_transcripts_the_check_is_noted_not_judged(audit):
    report = audit([patient()], [attempt(AT)])
    assert report.transcripts_checked is None
    assert report.result("hipaa_verify_before_phi").checked == 0
    assert any("transcripts.jsonl" in note for note in report.notes)


def test_a_transcript_without_turns_is_read_and_passes(audit):
    report = audit([patient()], [attempt(AT)], transcripts=[{"attempt_id": 1, "turns": []}])
    assert broken(report) == set()
    assert report.transcripts_checked == 1
