"""The audit's own vocabulary: the values of the event-log contract it reads, and the state codes.

Deliberate copies of dentsim.vocabulary and of the scenario's state codes, so the audit shares no
code with what it judges (tests/test_vocabulary.py and tests/compliance/test_audit_numbers.py pin
them equal).
"""

from __future__ import annotations

DAY_S = 86_400
CHANNELS = ("voice", "sms")
RESULTS = (
    "answered",
    "voicemail",
    "no_answer",
    "busy",
    "wrong_number",
    "failed",
    "delivered",
    "undelivered",
)
ANSWERED_BY = ("", "patient", "household", "stranger", "machine")
SCOPES = ("voice", "sms", "all")
KINDS = ("hard", "soft")
USE_CASES = ("recall", "reactivation", "confirmation", "post_op", "treatment_plan")
POSTURES = ("healthcare_consent", "healthcare_exempt", "written_consent")

# The audit's own list of state codes (the scenario schema has another; a test pins them equal).
STATES = (
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN",
    "IA", "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH",
    "NJ", "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT",
    "VT", "VA", "WA", "WV", "WI", "WY",
)  # fmt: skip
