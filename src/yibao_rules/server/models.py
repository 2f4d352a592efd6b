"""Request and response bodies of ``/api/v1`` as pydantic models, so ``/openapi.json`` is exact.

Requests use the library's own argument names. Responses describe the JSON that
:mod:`yibao_rules.serialise` writes (the README's contract); they forbid extra keys, so a
shape that drifts from them fails the schema tests (``tests/test_server_schema.py``) instead
of surprising a client. The endpoints return the serialised bytes directly: these models
document and check the shape, they are not a second serialiser.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from pydantic_core import PydanticCustomError

__all__ = [
    "MAX_BATCH_ROWS",
    "BatchOut",
    "BatchRequest",
    "BundleListOut",
    "BundleOut",
    "BundleRequest",
    "CalendarOut",
    "CheckOut",
    "ChecklistOut",
    "ChecklistRequest",
    "DeadlineOut",
    "DeadlineRequest",
    "DecideRequest",
    "DecisionOut",
    "EntryOut",
    "ErrorOut",
    "HealthOut",
    "ItemListOut",
    "NoticeOut",
    "NoticeRequest",
    "ScreenRequest",
    "ScreeningOut",
]

MAX_BATCH_ROWS = 10_000
"""Rows one ``POST /batch`` may carry; larger populations are the CLI's job."""


_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_day(value: Any) -> Any:
    """Only ``YYYY-MM-DD`` text is a day, as on the command line (not a number, not a timestamp)."""
    if value is None or isinstance(value, dt.date):
        return value
    if isinstance(value, str) and _ISO_DAY.fullmatch(value):
        return value  # pydantic checks the calendar (2024-02-30 is refused)
    raise PydanticCustomError("date_iso", "not a date written YYYY-MM-DD")


Day = Annotated[dt.date, BeforeValidator(_iso_day)]
"""A request's date: ``YYYY-MM-DD`` text."""


def _name() -> Any:
    return Field(
        min_length=1,
        max_length=200,
        description="An item by id (family_mutual_aid) or exact Chinese name (职工医保个人账户家庭共济办理).",
    )


def _facts() -> Any:
    return Field(
        default_factory=dict,
        description='Facts nested by party ({"applicant": {"insured_province": "甘肃省"}}) or flat '
        '({"applicant.insured_province": "甘肃省"}); null or absent means unknown.',
    )


def _on() -> Any:
    return Field(default=None, description="Decide as of this date (YYYY-MM-DD); default: today in Asia/Shanghai.")


def _situation() -> Any:
    return Field(default=None, max_length=200, description="A 情形 of the item, by its exact name.")


def _submitted() -> Any:
    return Field(
        default=None,
        max_length=40,
        description="Submission time YYYY-MM-DDTHH:MM (or a date YYYY-MM-DD).",
        examples=["2026-09-28T10:00"],
    )


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


_SIBLING = {
    "applicant": {"insured_province": "甘肃省", "insurance_type": "职工医保"},
    "family_member": {"relationship": "兄弟姐妹", "insured_province": "甘肃省", "insurance_type": "城乡居民医保"},
}


def _examples(*examples: dict[str, Any]) -> ConfigDict:
    """A request model's examples for ``/docs`` (schemathesis sends them too)."""
    return ConfigDict(extra="forbid", json_schema_extra={"examples": list(examples)})


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


# -- requests ---------------------------------------------------------------------------------


class DecideRequest(_In):
    model_config = _examples({"item": "职工医保个人账户家庭共济办理", "facts": _SIBLING, "on": "2024-01-01"})

    item: str = _name()
    facts: dict[str, Any] = _facts()
    on: Day | None = _on()


class ChecklistRequest(_In):
    model_config = _examples(
        {"item": "门诊费用报销", "situation": "意外伤害就医"}, {"item": "family_mutual_aid", "facts": _SIBLING}
    )

    item: str = _name()
    facts: dict[str, Any] = _facts()
    situation: str | None = _situation()
    on: Day | None = _on()


class ScreenRequest(_In):
    model_config = _examples({"facts": _SIBLING, "on": "2024-01-01"})

    facts: dict[str, Any] = _facts()
    on: Day | None = _on()


class BundleRequest(_In):
    model_config = _examples({"bundle": "就医费用报销一件事", "facts": _SIBLING, "on": "2024-01-01"})

    bundle: str = Field(min_length=1, max_length=200, description="A bundle (一件事) by id or exact name.")
    facts: dict[str, Any] = _facts()
    on: Day | None = _on()


class PauseIn(_In):
    requested: Day = Field(description="The day a 补正 was requested (the clock stops after it).")
    arrived: Day = Field(description="The day the corrected materials arrived (the clock runs again).")


class DeadlineRequest(_In):
    model_config = _examples(
        {
            "item": "门诊费用报销",
            "submitted": "2026-09-28T10:00",
            "situation": "意外伤害就医",
            "pauses": [{"requested": "2026-10-09", "arrived": "2026-10-12"}],
        }
    )

    item: str = Field(min_length=1, max_length=200, description="An item or bundle by id or exact name.")
    submitted: str = Field(
        min_length=1,
        max_length=40,
        description="Submission time YYYY-MM-DDTHH:MM (or a date YYYY-MM-DD).",
        examples=["2026-04-30T17:30"],
    )
    situation: str | None = _situation()
    pauses: list[PauseIn] = Field(default_factory=list, max_length=100, description="补正 pauses.")


class NoticeRequest(_In):
    model_config = _examples(
        {"item": "门诊费用报销", "situation": "意外伤害就医", "submitted": "2026-09-28T10:00", "format": "json"}
    )

    item: str = _name()
    facts: dict[str, Any] = _facts()
    situation: str | None = _situation()
    submitted: str | None = _submitted()
    on: Day | None = _on()
    format: Literal["html", "markdown", "text", "json"] | None = Field(
        default=None, description="The document's format; default: by the Accept header, else html."
    )


class BatchRequest(_In):
    model_config = _examples({"item": "family_mutual_aid", "rows": [_SIBLING, {}], "on": "2024-01-01"})

    item: str = _name()
    rows: list[dict[str, Any]] = Field(
        description=f"Each row the facts of one applicant, at most {MAX_BATCH_ROWS:,} rows (more: 413).",
        json_schema_extra={"maxItems": MAX_BATCH_ROWS},
    )
    on: Day | None = _on()


# -- responses --------------------------------------------------------------------------------

Status = Literal["eligible", "ineligible", "undetermined"]


class ErrorBody(_Out):
    type: str = Field(description="The error's kind: UnknownItemError, FactsError, ValidationError, …")
    message: str = Field(description="The same message the CLI prints after 'Error: '.")
    location: str | None = Field(description="Which part of the request: body.facts, path.id_or_name, …")


class ErrorOut(_Out):
    error: ErrorBody
    rulebook_version: str


class QuestionOut(_Out):
    fact: str
    question: str
    label: str
    type: str
    values: list[str]
    party: str
    party_label: str


class ReasonOut(_Out):
    rule: str
    outcome: Literal["passed", "failed", "unknown"]
    message: str
    citation: str
    condition: str
    missing_facts: list[str]


class DecisionOut(_Out):
    item: str
    item_id: str
    on: dt.date
    status: Status
    reasons: list[ReasonOut]
    missing_facts: list[str]
    next_questions: list[QuestionOut]
    notes: list[str]
    outside_dated_range: bool = Field(
        description="Decided before the earliest day the item's rules are known to apply."
    )
    rulebook_version: str


class SubstituteOut(BaseModel):
    kind: str
    description: str | None = None
    conditional: bool = False


class MaterialOut(_Out):
    name: str
    required: bool
    form: str | None
    count: int | None
    requirements: str | None
    substitutes: list[SubstituteOut]
    situation: str
    conditional: bool
    members: list[str] | None = Field(default=None, description="In a bundle: the members that need it.")


class ChecklistOut(_Out):
    item: str
    item_id: str
    situation: str | None
    situations: list[str]
    materials: list[MaterialOut]
    next_questions: list[QuestionOut]
    notes: list[str]
    rulebook_version: str


class FailedRuleOut(_Out):
    rule: str
    message: str
    citation: str


class ScreenEntryOut(_Out):
    item: str
    item_id: str
    kind: Literal["item", "bundle"]
    next_question: QuestionOut | None = Field(default=None, description="Only for undetermined entries.")
    failed: list[FailedRuleOut] | None = Field(default=None, description="Only for ineligible entries.")


class ScreeningOut(_Out):
    on: dt.date
    eligible: list[ScreenEntryOut]
    undetermined: list[ScreenEntryOut]
    ineligible: list[ScreenEntryOut]
    next_question: QuestionOut | None
    settles: int
    rulebook_version: str


class BundleMemberOut(_Out):
    item: str
    item_id: str
    status: Status
    missing_facts: list[str]


class BundleOut(_Out):
    bundle: str
    bundle_id: str
    members: list[BundleMemberOut]
    materials: list[MaterialOut]
    metrics: dict[str, int | None]
    claims: dict[str, dict[str, Any]]
    warnings: list[str]
    notes: list[str]
    rulebook_version: str


class DayOut(_Out):
    date: dt.date
    reason: str


class StageOut(_Out):
    name: str
    kind: str
    days: int | None
    start: dt.date | None
    end: dt.date | None
    counted_in_time_limit: bool
    optional: bool
    text: str | None
    actor: str | None


class DeadlineEntryOut(_Out):
    basis: str
    kind: str
    days: int | None
    text: str
    due: dt.date | None
    situation: str | None
    applies_when: str | None
    excludes: list[str]
    stages: list[StageOut]
    citation: str
    explanation: str


class PauseOut(_Out):
    requested: dt.date
    arrived: dt.date


class DeadlineOut(_Out):
    item: str
    item_id: str
    submitted: str
    received: dt.date
    receipt_reason: str
    legal_due: dt.date | None
    promised_due: dt.date | None
    stated_due: dt.date | None
    deadlines: list[DeadlineEntryOut]
    stages: list[StageOut]
    pauses: list[PauseOut]
    skipped: list[DayOut]
    make_up_working_days: list[DayOut]
    provisional: bool
    notes: list[str]
    rulebook_version: str


class ChannelOut(_Out):
    kind: str
    description: str


class TimeLimitOut(_Out):
    basis: str
    text: str
    situation: str | None


class ContactOut(_Out):
    kind: str
    phones: list[str]
    of: str


class NoticeOut(_Out):
    item: str
    item_id: str
    number: int | None
    category: str | None
    jurisdiction: str
    on: dt.date
    decision: DecisionOut
    checklist: dict[str, Any] = Field(description="As POST /checklist returns, without rulebook_version.")
    accepting_units: list[str]
    decision_body: str | None
    channels: list[ChannelOut]
    locations: list[str]
    office_hours: str | None
    process: list[str]
    time_limits: list[TimeLimitOut]
    deadline: dict[str, Any] | None = Field(description="As POST /deadline returns, without rulebook_version.")
    query_methods: list[str]
    result_delivery: list[str]
    fees: str | None
    contacts: list[ContactOut]
    citations: list[str]
    rulebook_version: str


class JurisdictionOut(_Out):
    code: str
    name: str


class ItemRowOut(_Out):
    id: str
    name: str
    number: int | None
    category: str | None
    jurisdiction: JurisdictionOut
    item_type: str | None
    implements: Any = None
    source: str


class ItemListOut(_Out):
    items: list[ItemRowOut]
    rulebook_version: str


class MemberRowOut(_Out):
    id: str
    name: str


class BundleRowOut(_Out):
    id: str
    name: str
    kind: str
    jurisdiction: JurisdictionOut
    members: list[MemberRowOut]


class BundleListOut(_Out):
    bundles: list[BundleRowOut]
    rulebook_version: str


class EntryOut(BaseModel):
    """``show --json``: every field of the rule file (see the rule-authoring reference), after ``type``."""

    model_config = ConfigDict(extra="allow")
    type: Literal["item", "bundle"]
    id: str
    name: str
    rulebook_version: str


class CalendarDayOut(_Out):
    date: dt.date
    working: bool
    kind: str
    name: str | None
    provisional: bool


class CalendarOut(_Out):
    month: str
    days: list[CalendarDayOut]
    rulebook_version: str


class ProblemOut(_Out):
    path: str
    line: int
    col: int
    message: str
    severity: str


class CheckOut(_Out):
    ok: bool
    problems: list[ProblemOut]
    items: int | None = Field(default=None, description="How many items loaded (only when ok).")
    bundles: int | None = Field(default=None, description="How many bundles loaded (only when ok).")
    rulebook_version: str = Field(description="The rulebook serving this API, not the one checked.")


class BatchRowOut(_Out):
    status: Literal["eligible", "ineligible", "undetermined", "invalid"]
    failed: list[str] = Field(description="Ids of the rules that fail.")
    unknown: list[str] = Field(description="Ids of the rules left unknown.")
    missing_facts: list[str] = Field(description="The facts still needed, in the order decide asks for them.")
    invalid_reason: str | None = Field(description="Why an invalid row's values cannot be used; null otherwise.")


class BatchOut(_Out):
    item: str
    item_id: str
    on: dt.date
    count: int
    counts: dict[str, int] = Field(description="How many rows came out eligible, ineligible, undetermined, invalid.")
    rows: list[BatchRowOut]
    rulebook_version: str


class HealthOut(_Out):
    status: Literal["ok"]
    items: int
    bundles: int
    rulebook_version: str
