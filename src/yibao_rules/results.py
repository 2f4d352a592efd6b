"""What the engine answers: decisions, checklists, bundle reports and deadline reports.

These types live apart from the code that computes them, so that the CLI, the renderers,
the server and the batch path all read the same types, and nothing above the engine needs
to import the engine to name them. ``to_json`` gives the README's JSON contract.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from yibao_rules.calendar import DayInfo, describe
from yibao_rules.errors import DeadlineError

__all__ = [
    "BundleReport",
    "Checklist",
    "ChecklistEntry",
    "Deadline",
    "DeadlineReport",
    "Decision",
    "FailedRule",
    "Notice",
    "NoticeContact",
    "Pause",
    "Question",
    "Reason",
    "Receipt",
    "ScreenEntry",
    "Screening",
    "StagePlan",
    "Status",
    "claim_text",
    "metric_label",
]

Status = Literal["eligible", "ineligible", "undetermined"]
Pause = tuple[dt.date, dt.date]
BASES = ("legal", "promised", "stated")


# -- decisions --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reason:
    """How one rule came out, and why."""

    rule: str
    outcome: Literal["passed", "failed", "unknown"]
    message: str
    citation: str
    condition: str
    missing_facts: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "outcome": self.outcome,
            "message": self.message,
            "citation": self.citation,
            "condition": self.condition,
            "missing_facts": list(self.missing_facts),
        }


@dataclass(frozen=True)
class Question:
    """A fact still to be asked, and whom to ask: ``party`` is the fact's party
    (``applicant``, ``employer``, ``institution``…) and ``party_label`` its Chinese name."""

    fact: str
    question: str
    label: str
    type: str
    values: tuple[str, ...] = ()
    party: str = ""
    party_label: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "fact": self.fact,
            "question": self.question,
            "label": self.label,
            "type": self.type,
            "values": list(self.values),
            "party": self.party,
            "party_label": self.party_label,
        }


@dataclass(frozen=True, init=False)
class Decision:
    """The answer for one item on one date, explained."""

    item: str
    item_id: str
    on: dt.date
    status: Status
    reasons: tuple[Reason, ...]
    missing_facts: tuple[str, ...]
    next_questions: tuple[Question, ...]
    notes: tuple[str, ...]
    rulebook_version: str
    """The package version plus a content hash of the rules that gave this answer."""
    outside_dated_range: bool
    """The date is before the earliest day any of the item's rules is known to apply: the
    answer applies today's rules to a day the rulebook does not cover (a note says so)."""

    def __init__(
        self,
        item: str,
        item_id: str,
        on: dt.date,
        status: Status,
        reasons: tuple[Reason, ...],
        missing_facts: tuple[str, ...],
        next_questions: tuple[Question, ...],
        notes: tuple[str, ...] = (),
        rulebook_version: str = "",
        outside_dated_range: bool = False,
    ) -> None:
        # A Decision is made once per call on the hot path; filling __dict__ directly costs a
        # fifth of the frozen dataclass's guarded __setattr__ per field, and it stays frozen.
        self.__dict__.update(
            item=item,
            item_id=item_id,
            on=on,
            status=status,
            reasons=reasons,
            missing_facts=missing_facts,
            next_questions=next_questions,
            notes=notes,
            rulebook_version=rulebook_version,
            outside_dated_range=outside_dated_range,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "item": self.item,
            "item_id": self.item_id,
            "on": self.on.isoformat(),
            "status": self.status,
            "reasons": [r.to_json() for r in self.reasons],
            "missing_facts": list(self.missing_facts),
            "next_questions": [q.to_json() for q in self.next_questions],
            "notes": list(self.notes),
            "outside_dated_range": self.outside_dated_range,
            "rulebook_version": self.rulebook_version,
        }


# -- screening --------------------------------------------------------------------------------


@dataclass(frozen=True)
class FailedRule:
    """A rule that excludes the applicant: its id (``member_item:rule`` for a bundle), message, citation."""

    rule: str
    message: str
    citation: str

    def to_json(self) -> dict[str, Any]:
        return {"rule": self.rule, "message": self.message, "citation": self.citation}


@dataclass(frozen=True)
class ScreenEntry:
    """One item or bundle in a screening."""

    kind: Literal["item", "bundle"]
    item: str
    item_id: str
    status: Status
    next_question: Question | None
    failed: tuple[FailedRule, ...]

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"item": self.item, "item_id": self.item_id, "kind": self.kind}
        if self.status == "undetermined":
            data["next_question"] = self.next_question.to_json() if self.next_question else None
        if self.status == "ineligible":
            data["failed"] = [f.to_json() for f in self.failed]
        return data


@dataclass(frozen=True)
class Screening:
    """Every item and bundle for one applicant on one date (一次告知), grouped by status.

    ``next_question`` settles the most undetermined items (``settles`` of them); ``decisions``
    holds every item's full :class:`Decision`, in the order of the groups' items.
    """

    on: dt.date
    eligible: tuple[ScreenEntry, ...]
    undetermined: tuple[ScreenEntry, ...]
    ineligible: tuple[ScreenEntry, ...]
    next_question: Question | None
    settles: int
    decisions: tuple[Decision, ...] = field(default=(), repr=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "on": self.on.isoformat(),
            "eligible": [e.to_json() for e in self.eligible],
            "undetermined": [e.to_json() for e in self.undetermined],
            "ineligible": [e.to_json() for e in self.ineligible],
            "next_question": self.next_question.to_json() if self.next_question else None,
            "settles": self.settles,
        }


# -- checklists and bundles -------------------------------------------------------------------


@dataclass(frozen=True)
class ChecklistEntry:
    name: str
    required: bool
    form: str | None
    count: int | None
    requirements: str | None
    substitutes: tuple[dict[str, Any], ...]
    situation: str
    conditional: bool = False
    members: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        data = {
            "name": self.name,
            "required": self.required,
            "form": self.form,
            "count": self.count,
            "requirements": self.requirements,
            "substitutes": list(self.substitutes),
            "situation": self.situation,
            "conditional": self.conditional,
        }
        if self.members:
            data["members"] = list(self.members)
        return data


@dataclass(frozen=True)
class Checklist:
    """The materials for the applicant's 情形.

    ``situations`` are the 情形 that apply (named, or selected by the facts), in the item's
    order; ``situation`` is their names joined with 、 (``None`` when none applies yet).
    Materials of a 情形 whose condition is still unknown are listed with ``conditional``
    set, and ``next_questions`` says what to ask to settle them.
    """

    item: str
    item_id: str
    situation: str | None
    materials: tuple[ChecklistEntry, ...]
    notes: tuple[str, ...] = ()
    situations: tuple[str, ...] = ()
    next_questions: tuple[Question, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "item": self.item,
            "item_id": self.item_id,
            "situation": self.situation,
            "situations": list(self.situations),
            "materials": [m.to_json() for m in self.materials],
            "next_questions": [q.to_json() for q in self.next_questions],
            "notes": list(self.notes),
        }


METRIC_LABELS = {"materials": "材料", "time_working_days": "办理时间（工作日）", "steps": "环节", "visits": "跑动次数"}


def metric_label(metric: str) -> str:
    """The Chinese name of a bundle metric (``materials`` → 材料)."""
    return METRIC_LABELS.get(metric, metric)


def claim_text(claim: Mapping[str, Any]) -> str:
    """A claimed effect written the same way everywhere: ``before→after``."""
    return f"{claim['before']}→{claim['after']}"


@dataclass(frozen=True)
class BundleReport:
    bundle: str
    bundle_id: str
    members: tuple[Decision, ...]
    materials: tuple[ChecklistEntry, ...]
    metrics: Mapping[str, int | None]
    claims: Mapping[str, Mapping[str, Any]]
    warnings: tuple[str, ...]
    notes: tuple[str, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        return {
            "bundle": self.bundle,
            "bundle_id": self.bundle_id,
            "members": [
                {"item": d.item, "item_id": d.item_id, "status": d.status, "missing_facts": list(d.missing_facts)}
                for d in self.members
            ],
            "materials": [m.to_json() for m in self.materials],
            "metrics": dict(self.metrics),
            "claims": {k: dict(v) for k, v in self.claims.items()},
            "warnings": list(self.warnings),
            "notes": list(self.notes),
        }


# -- deadlines --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Receipt:
    submitted: dt.datetime | dt.date
    received: dt.date
    reason: str
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class StagePlan:
    name: str
    kind: str
    days: int | None
    start: dt.date | None
    end: dt.date | None
    counted: bool
    optional: bool
    text: str | None
    actor: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "days": self.days,
            "start": _iso(self.start),
            "end": _iso(self.end),
            "counted_in_time_limit": self.counted,
            "optional": self.optional,
            "text": self.text,
            "actor": self.actor,
        }


@dataclass(frozen=True)
class Deadline:
    basis: str
    kind: str
    days: int | None
    text: str
    due: dt.date | None
    situation: str | None
    applies_when: str | None
    excludes: tuple[str, ...]
    stages: tuple[StagePlan, ...]
    citation: str
    explanation: str

    def to_json(self) -> dict[str, Any]:
        return {
            "basis": self.basis,
            "kind": self.kind,
            "days": self.days,
            "text": self.text,
            "due": _iso(self.due),
            "situation": self.situation,
            "applies_when": self.applies_when,
            "excludes": list(self.excludes),
            "stages": [s.to_json() for s in self.stages],
            "citation": self.citation,
            "explanation": self.explanation,
        }


@dataclass(frozen=True)
class DeadlineReport:
    """Every time limit of an item resolved for one submission, with the reasons."""

    item: str
    item_id: str
    receipt: Receipt
    deadlines: tuple[Deadline, ...]
    skipped: tuple[DayInfo, ...]
    make_up_days: tuple[DayInfo, ...]
    pauses: tuple[Pause, ...]
    provisional: bool
    notes: tuple[str, ...] = field(default=())

    def due(self, basis: str) -> dt.date | None:
        """The first due date of that basis (legal / promised / stated), if any."""
        if basis not in BASES:
            raise DeadlineError(
                f"时限类别只能是 legal、promised 或 stated (the basis must be one of {', '.join(BASES)}), not {basis!r}"
            )
        return next((d.due for d in self.deadlines if d.basis == basis and d.due is not None), None)

    def to_json(self) -> dict[str, Any]:
        staged = next((d for d in self.deadlines if d.stages), None)
        return {
            "item": self.item,
            "item_id": self.item_id,
            "submitted": self.receipt.submitted.isoformat(),
            "received": self.receipt.received.isoformat(),
            "receipt_reason": self.receipt.reason,
            "legal_due": _iso(self.due("legal")),
            "promised_due": _iso(self.due("promised")),
            "stated_due": _iso(self.due("stated")),
            "deadlines": [d.to_json() for d in self.deadlines],
            "stages": [s.to_json() for s in staged.stages] if staged else [],
            "pauses": [{"requested": a.isoformat(), "arrived": b.isoformat()} for a, b in self.pauses],
            "skipped": describe(self.skipped),
            "make_up_working_days": describe(self.make_up_days),
            "provisional": self.provisional,
            "notes": [*self.receipt.notes, *self.notes],
        }


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


# -- the 一次性告知单 ---------------------------------------------------------------------------


@dataclass(frozen=True)
class NoticeContact:
    """A 咨询 / 投诉 phone, with the item or bundle whose source gives it."""

    kind: str
    phones: tuple[str, ...]
    of: str

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "phones": list(self.phones), "of": self.of}


@dataclass(frozen=True)
class Notice:
    """The 一次性告知单 of one item for one applicant (see :mod:`yibao_rules.notice`)."""

    item: str
    item_id: str
    number: int | None
    category: str | None
    jurisdiction: str
    on: dt.date
    decision: Decision
    checklist: Checklist
    accepting_units: tuple[str, ...]
    decision_body: str | None
    channels: tuple[tuple[str, str], ...]
    locations: tuple[str, ...]
    office_hours: str | None
    process: tuple[str, ...]
    time_limits: tuple[tuple[str, str, str | None], ...]
    deadline: DeadlineReport | None
    query_methods: tuple[str, ...]
    result_delivery: tuple[str, ...]
    fees: str | None
    contacts: tuple[NoticeContact, ...]
    citations: tuple[str, ...]

    @property
    def rulebook_version(self) -> str:
        """The rules that produced this notice (the decision's ``rulebook_version``)."""
        return self.decision.rulebook_version

    def to_json(self) -> dict[str, Any]:
        return {
            "item": self.item,
            "item_id": self.item_id,
            "number": self.number,
            "category": self.category,
            "jurisdiction": self.jurisdiction,
            "on": self.on.isoformat(),
            "decision": self.decision.to_json(),
            "checklist": self.checklist.to_json(),
            "accepting_units": list(self.accepting_units),
            "decision_body": self.decision_body,
            "channels": [{"kind": k, "description": d} for k, d in self.channels],
            "locations": list(self.locations),
            "office_hours": self.office_hours,
            "process": list(self.process),
            "time_limits": [{"basis": b, "text": t, "situation": s} for b, t, s in self.time_limits],
            "deadline": self.deadline.to_json() if self.deadline else None,
            "query_methods": list(self.query_methods),
            "result_delivery": list(self.result_delivery),
            "fees": self.fees,
            "contacts": [c.to_json() for c in self.contacts],
            "citations": list(self.citations),
            "rulebook_version": self.rulebook_version,
        }
