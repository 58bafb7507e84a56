"""One practice's world: its parts wired together, and what the engine (which decides only
*when*) may ask of it; its jobs live beside it in contacts, conversations, responses, visits.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dentsim import streams
from dentsim.compliance.gate import Gate
from dentsim.compliance.rules import load_rules
from dentsim.domain import telephony
from dentsim.domain.behaviour import Traits
from dentsim.domain.calendar import Clock
from dentsim.domain.pms import PracticeState
from dentsim.domain.population import Patients, Practice, population_seed
from dentsim.scenario import Scenario
from dentsim.simulation import contacts, responses
from dentsim.simulation.conversations import AgentFaults, Talk
from dentsim.simulation.eventlog import Recorder
from dentsim.simulation.planner import Planner, Touch
from dentsim.simulation.records import Deferred, Placed
from dentsim.simulation.visits import Staff, Visits, open_books


@dataclass(frozen=True, slots=True)
class Facts:
    """Per-patient facts the hot path reads, as Python lists (numpy scalar access is slow).

    Attributes:
        patient_id: each patient's id.
        home_zone: the time zone of the patient's address.
        phone_shared: whether the number is shared with the household.
        wireless: whether the number is a wireless one (can take texts).
        no_voicemail: confidential communication: no voicemail.
        best_hour: the local hour the patient answers best.
        answer_propensity: how readily the patient answers.
        responsiveness: how readily the patient acts on outreach.
        annoyance_threshold: the pressure at which fatigue sets in.
        trust_known_caller: how much a known caller id helps.
        prefers_sms: whether the patient prefers texts.
        first_name: what an agent may see of the patient (its `PatientView`).
        last_name: as `first_name`.
        birth_date: ISO dates, as `first_name`.
        language: the patient's language.
    """

    patient_id: list[int]
    home_zone: list[str]
    phone_shared: list[bool]
    wireless: list[bool]
    no_voicemail: list[bool]
    best_hour: list[int]
    answer_propensity: list[float]
    responsiveness: list[float]
    annoyance_threshold: list[float]
    trust_known_caller: list[float]
    prefers_sms: list[bool]
    first_name: list[str]
    last_name: list[str]
    birth_date: list[str]
    language: list[str]

    @classmethod
    def of(cls, patients: Patients, traits: Traits) -> Facts:
        return cls(
            patient_id=patients.patient_id.tolist(), home_zone=patients.tz_address.tolist(),
            phone_shared=patients.phone_shared.tolist(),
            wireless=(patients.phone_type == "wireless").tolist(),
            no_voicemail=patients.no_voicemail.tolist(), best_hour=traits.best_hour.tolist(),
            answer_propensity=traits.answer_propensity.tolist(),
            responsiveness=traits.responsiveness.tolist(),
            annoyance_threshold=traits.annoyance_threshold.tolist(),
            trust_known_caller=traits.trust_known_caller.tolist(),
            prefers_sms=traits.prefers_sms.tolist(), first_name=patients.first_name.tolist(),
            last_name=patients.last_name.tolist(),
            birth_date=[str(d) for d in patients.birth_date], language=patients.language.tolist(),
        )  # fmt: skip


@dataclass(frozen=True, slots=True)
class RandomStreams:
    """The model's random streams, one per kind of chance, so that a strategy drawing more of
    one kind leaves the others' numbers where they were (common random numbers).

    Attributes:
        telephony: who answers, rings, machines, text delivery.
        dialogue: patients' decisions and words, reply delays, pause lengths.
        book: which open slot, no-shows, self-booking.
        clinical: procedures, plans and red flags.
    """

    telephony: streams.Draws
    dialogue: streams.Draws
    book: streams.Draws
    clinical: streams.Draws

    @classmethod
    def of(cls, seed: int, practice_index: int) -> RandomStreams:
        return cls(
            telephony=streams.draws(seed, streams.TELEPHONY, practice_index),
            dialogue=streams.draws(seed, streams.DIALOGUE, practice_index),
            book=streams.draws(seed, streams.BOOK, practice_index),
            clinical=streams.draws(seed, "clinical", practice_index),
        )


@dataclass(slots=True, kw_only=True)
class PracticeModel:
    """One practice's world during a simulated year.

    Attributes:
        scenario: the resolved scenario.
        practice_index: the practice's place in its group (seeds its streams).
        clock: simulation time to local time.
        practice: the practice.
        patients: its patients, as the PMS held them at the start.
        traits: their behavioural traits.
        facts: per-patient facts for the hot path.
        zones: each patient's candidate time zones.
        state: the PMS state as it changes.
        visits: the appointment books and their visits.
        staff: clinical staff hours and tasks.
        planner: each morning's contacts.
        gate: the compliance gate.
        talk: who talks on answered calls.
        curve: answer probability by hour and weekday.
        recorder: the event tables.
        draws: the random streams.
        agent_faults: calls the agent cut short.
        spoken_times: a visit's time as the agent says it, by simulation time (a cache).
        voicemails: the voicemail text by purposes (a cache).
    """

    # who and where
    scenario: Scenario
    practice_index: int
    clock: Clock
    practice: Practice
    patients: Patients
    traits: Traits
    facts: Facts
    zones: list[tuple[str, ...]]
    # what changes
    state: PracticeState
    visits: Visits
    staff: Staff
    # the parts that decide
    planner: Planner
    gate: Gate
    talk: Talk
    curve: telephony.AnswerCurve
    recorder: Recorder
    draws: RandomStreams
    # tallies and caches over the run
    agent_faults: AgentFaults = field(default_factory=AgentFaults)
    spoken_times: dict[float, str] = field(default_factory=dict)
    voicemails: dict[tuple[str, ...], str] = field(default_factory=dict)

    @classmethod
    def build(
        cls, scenario: Scenario, practice: Practice, patients: Patients, practice_index: int
    ) -> PracticeModel:
        seed, n = scenario.seed, len(patients)
        clock = Clock(scenario.start_date)
        # traits and reassigned numbers belong to the patients: drawn from the population seed
        trait_rng = streams.stream(population_seed(scenario), streams.TRAITS, practice_index)
        traits = Traits.draw(scenario.behaviour, n, trait_rng)
        number_reassigned = trait_rng.random(n) < scenario.population.share_reassigned_numbers
        state = PracticeState.from_patients(patients, number_reassigned)
        facts = Facts.of(patients, traits)
        draws = RandomStreams.of(seed, practice_index)
        recorder = Recorder(epoch_s=clock.unix_seconds(0), id_base=practice_index * 100_000_000)
        return cls(
            scenario=scenario, practice_index=practice_index, clock=clock, practice=practice,
            patients=patients, traits=traits, facts=facts, zones=patients.zones,
            state=state,
            visits=Visits(
                scenario=scenario, practice_id=practice.practice_id, patient_ids=facts.patient_id,
                state=state, books=open_books(scenario, clock, practice.tz), recorder=recorder,
                rng_book=draws.book,
                rng_clinical=draws.clinical,
            ),
            staff=Staff(
                scenario=scenario, clock=clock, tz=practice.tz, practice_id=practice.practice_id,
                patient_ids=facts.patient_id, recorder=recorder,
            ),
            planner=Planner(
                scenario=scenario, clock=clock, patients=patients, zones=patients.zones,
                traits=traits, rng=streams.draws(seed, "planner", practice_index),
            ),
            gate=Gate(
                rules=load_rules(scenario.rules_file), clock=clock, scenario=scenario,
                patients=patients, practice=practice,
            ),
            talk=Talk.of(scenario.dialogue),
            curve=telephony.AnswerCurve.from_config(scenario.telephony),
            recorder=recorder,
            draws=draws,
        )  # fmt: skip

    # --- what the engine asks ------------------------------------------------------------------
    def initial_visits(self) -> None:
        """The PMS at the start: visits booked before the run, accepted plans unscheduled."""
        seed = population_seed(self.scenario)
        rng = streams.stream(seed, streams.POPULATION + ".plans", self.practice_index)
        self.visits.initial(self.patients, rng)

    def place(self, touch: Touch, now: float) -> Placed | Deferred | None:
        """Place `touch` now. None when it is no longer needed or the gate drops it;
        `Deferred` when the gate allows it later today."""
        return contacts.place(self, touch, now)

    def inbound(self, patient: int, use_cases: tuple[str, ...], now: float) -> Placed:
        """A patient returns a message; the agent takes the call and handles what is still open."""
        return responses.inbound(self, patient, use_cases, now)

    def reply(self, patient: int, kind: str, appointment_id: int, now: float) -> Placed:
        """A text reply arrives: confirm, cancel, reschedule, stop, later, or free text."""
        return responses.reply(self, patient, kind, appointment_id, now)
