"""The event tables' rows: one typed record per table, its fields the columns in order with
their Arrow types (times in simulation seconds), and the schemas derived from them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, ClassVar

import pyarrow as pa

TS = pa.timestamp("s", tz="UTC")
INT32, INT64, FLOAT64 = pa.int32(), pa.int64(), pa.float64()
STRING, BOOL = pa.string(), pa.bool_()


# The rows are not frozen, though only an appointment's changes once recorded: a practice-year
# records some 20,000 rows, and frozen ones, which set each field through object.__setattr__,
# made the year about 6 % slower (instructions counted with callgrind).


def column(arrow_type: pa.DataType) -> Any:
    """A field that is a table column of `arrow_type`."""
    return field(metadata={"arrow": arrow_type})


@dataclass(slots=True)
class AttemptRow:
    """One row of attempts.parquet: a contact that actually happened.

    Attributes:
        attempt_id: unique in the run.
        practice_id: the practice that made the contact.
        patient_id: the patient whose number was contacted.
        t_utc: when the contact started.
        channel: `voice` or `sms`.
        phone: the number contacted.
        purposes: the use cases served, joined by `|`.
        result: `answered`, `voicemail`, `no_answer`, `busy`, `wrong_number`, `failed`,
            `delivered` or `undelivered`.
        answered_by: `patient`, `household`, `stranger`, `machine`, or empty.
        duration_s: seconds on the line (0 for a text).
        message: the exact voicemail or text left; empty otherwise.
        outcome: one per use case of `purposes`, joined by `|` in the same order.
        covered_patient_ids: other household members served by the contact, joined by `|`.
    """

    table: ClassVar[str] = "attempts"
    attempt_id: int = column(INT64)
    practice_id: int = column(INT32)
    patient_id: int = column(INT64)
    t_utc: float = column(TS)
    channel: str = column(STRING)
    phone: str = column(STRING)
    purposes: str = column(STRING)
    result: str = column(STRING)
    answered_by: str = column(STRING)
    duration_s: int = column(INT32)
    message: str = column(STRING)
    outcome: str = column(STRING)
    covered_patient_ids: str = column(STRING)


@dataclass(slots=True)
class OptOutRow:
    """One row of optouts.parquet: a patient revoked consent or asked for a pause.

    Attributes:
        practice_id: the practice.
        patient_id: the patient.
        t_utc: when it was received.
        channel: `voice` or `sms`, where it was received.
        scope: `voice`, `sms` or `all`.
        how: `spoken`, `keypress`, `sms_reply` or `staff`.
        kind: `hard`, or `soft` for a pause.
        pause_until_utc: when a soft opt-out's pause ends (None for a hard one).
        text: what the patient said or sent.
    """

    table: ClassVar[str] = "optouts"
    practice_id: int = column(INT32)
    patient_id: int = column(INT64)
    t_utc: float = column(TS)
    channel: str = column(STRING)
    scope: str = column(STRING)
    how: str = column(STRING)
    kind: str = column(STRING)
    pause_until_utc: float | None = column(TS)
    text: str = column(STRING)


@dataclass(slots=True)
class BookingRow:
    """One row of bookings.parquet: a visit booked by outreach.

    Attributes:
        booking_id: unique in the run.
        practice_id: the practice.
        patient_id: the patient booked.
        t_utc: when it was booked.
        appointment_utc: when the visit starts.
        use_case: the use case that booked it.
        via: `call`, `callback` (a returned message) or `sms_reply`.
        attempt_id: the call that booked it, or -1.
    """

    table: ClassVar[str] = "bookings"
    booking_id: int = column(INT64)
    practice_id: int = column(INT32)
    patient_id: int = column(INT64)
    t_utc: float = column(TS)
    appointment_utc: float = column(TS)
    use_case: str = column(STRING)
    via: str = column(STRING)
    attempt_id: int = column(INT64)


@dataclass(slots=True)
class AppointmentRow:
    """One row of appointments.parquet: a visit in the book; its `status` and `confirmed_via`
    change as the visit is confirmed, cancelled, attended or missed.

    Attributes:
        appointment_id: unique in the run.
        practice_id: the practice.
        patient_id: the patient.
        t_utc: when the visit starts.
        kind: `hygiene`, `reactivation` or `treatment`.
        status: `scheduled`, `attended`, `no_show` or `cancelled`.
        booking_id: the outreach booking, or -1.
        booked_by: `prebooked`, `checkout`, `self`, `reschedule`, or the use case.
        fee: US$ (a treatment visit carries its plan's value).
        confirmed_via: `sms`, `voice` or empty.
        would_no_show: the patient would miss this visit if it were never confirmed.
    """

    table: ClassVar[str] = "appointments"
    appointment_id: int = column(INT64)
    practice_id: int = column(INT32)
    patient_id: int = column(INT64)
    t_utc: float = column(TS)
    kind: str = column(STRING)
    status: str = column(STRING)
    booking_id: int = column(INT64)
    booked_by: str = column(STRING)
    fee: float = column(FLOAT64)
    confirmed_via: str = column(STRING)
    would_no_show: bool = column(BOOL)


@dataclass(slots=True)
class DeferralRow:
    """One row of deferrals.parquet: a contact the compliance gate refused when it was due.

    Attributes:
        practice_id: the practice.
        patient_id: the patient whose number was to be contacted.
        t_utc: when the contact was due.
        channel: `voice` or `sms`.
        purposes: the use cases, joined by `|`.
        rule_id: the rule that refused it.
        action: `deferred` (to `t_next_utc`), `dropped`, or `message_withheld` (the call
            went, the voicemail did not).
        t_next_utc: when a deferred contact may go (None otherwise).
    """

    table: ClassVar[str] = "deferrals"
    practice_id: int = column(INT32)
    patient_id: int = column(INT64)
    t_utc: float = column(TS)
    channel: str = column(STRING)
    purposes: str = column(STRING)
    rule_id: str = column(STRING)
    action: str = column(STRING)
    t_next_utc: float | None = column(TS)


@dataclass(slots=True)
class StaffTaskRow:
    """One row of staff_tasks.parquet: clinical staff work caused by a red flag.

    Attributes:
        practice_id: the practice.
        patient_id: the patient.
        kind: `transfer` (a warm transfer taken at once) or `callback` (queued).
        reason: why (`red_flag`).
        t_utc: when it was requested.
        t_started_utc: when staff started it.
        wait_s: seconds from request to start.
        duration_s: seconds of staff time.
    """

    table: ClassVar[str] = "staff_tasks"
    practice_id: int = column(INT32)
    patient_id: int = column(INT64)
    kind: str = column(STRING)
    reason: str = column(STRING)
    t_utc: float = column(TS)
    t_started_utc: float = column(TS)
    wait_s: int = column(INT32)
    duration_s: int = column(INT32)


Row = AttemptRow | OptOutRow | BookingRow | AppointmentRow | DeferralRow | StaffTaskRow
ROWS: tuple[type[Row], ...] = (
    AttemptRow,
    OptOutRow,
    BookingRow,
    AppointmentRow,
    DeferralRow,
    StaffTaskRow,
)  # the order of the files a run writes


def schema_of(row: type[Row]) -> pa.Schema:
    """The Arrow schema of a row record's table: its fields, in order, with their types."""
    return pa.schema([(f.name, f.metadata["arrow"]) for f in fields(row)])


SCHEMAS: dict[str, pa.Schema] = {row.table: schema_of(row) for row in ROWS}
