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
    "Pause",
    "Question",
    "Reason",
    "Receipt",
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
    fact: str
    question: str
    label: str
    type: str
    values: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "fact": self.fact,
            "question": self.question,
            "label": self.label,
            "type": self.type,
            "values": list(self.values),
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
    item: str
    item_id: str
    situation: str | None
    materials: tuple[ChecklistEntry, ...]
    notes: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "item": self.item,
            "item_id": self.item_id,
            "situation": self.situation,
            "materials": [m.to_json() for m in self.materials],
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
