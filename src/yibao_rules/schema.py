"""The shape of rule files, as pydantic models.

Every model forbids unknown fields, so a misspelt key in a rule file is an error with
its location rather than a silently ignored line.  Keys are English snake_case; values
that are policy terms (item names, 情形, material names, relationships) stay Chinese.

Where a source document is silent or contradicts itself, the rule file says so in a
:class:`Note` (``kind: gap`` or ``kind: conflict``) instead of guessing.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

__all__ = [
    "AdminDivision",
    "Bundle",
    "BundleMember",
    "CalendarNotice",
    "Channel",
    "Citation",
    "CitationRef",
    "Claim",
    "Disease",
    "DiseaseList",
    "EligibilityFile",
    "EligibilityRule",
    "FactSpec",
    "Faq",
    "Item",
    "Jurisdiction",
    "Material",
    "NamedSet",
    "Note",
    "OfficeHours",
    "Predicate",
    "Situation",
    "Stage",
    "Substitute",
    "TimeLimit",
    "VocabularyFile",
]

Identifier = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
AdminCode = Annotated[str, Field(pattern=r"^\d{6}$")]
Unspecified = Literal["unspecified"]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


def _ref_from_string(value: Any) -> Any:
    return {"ref": value} if isinstance(value, str) else value


class CitationRef(Model):
    """A pointer to an entry of ``citations.yaml``, optionally to one clause of it.

    In YAML either ``citation: gansu_2021_111`` or
    ``citation: {ref: gansu_2021_111, clause: 第十六条}``.
    """

    ref: Identifier
    clause: str | None = None
    section: str | None = None


CitationField = Annotated[CitationRef, BeforeValidator(_ref_from_string)]


class Note(Model):
    """A recorded gap, conflict or interpretation in the source documents."""

    kind: Literal["gap", "conflict", "interpretation", "fact"]
    text: str
    citations: list[CitationField] = []
    exempts: list[str] = []
    """Source lines (verbatim) that this note explains are not content the guide reproduces;
    the round-trip test of the rendered 办事指南 lists them as exemptions."""


class Citation(Model):
    """A policy document (政策依据) or a source guide."""

    title: str
    document_number: str | None = None
    issuer: str | None = None
    effective_date: dt.date | Unspecified = "unspecified"
    issued: dt.date | None = None
    clauses: dict[str, str] = {}
    source: str
    notes: list[Note] = []


class CitationsFile(Model):
    citations: dict[Identifier, Citation]


class CatalogueMaterial(Model):
    """One document that the sources spell in more than one way (材料目录 entry).

    Its key in ``materials.yaml`` is the name shown once the spellings are merged; ``aliases``
    are the other spellings used in item files.  A bundle counts and lists it once.
    """

    aliases: list[str] = Field(min_length=1)
    citation: CitationField | None = None
    notes: list[Note] = []


class MaterialsFile(Model):
    """``rules/materials.yaml``: which differently spelled materials are the same document."""

    materials: dict[str, CatalogueMaterial]


# -- fact vocabulary ---------------------------------------------------------------------

FactKind = Literal["bool", "int", "decimal", "date", "enum", "enum_set", "province", "admin_division", "text"]


class FactSpec(Model):
    """One fact a condition may use (``applicant.insurance_type``)."""

    type: FactKind
    label: str
    question: str
    values: list[str] | None = None
    source: CitationField | None = None
    description: str | None = None
    minimum: dt.date | None = None
    maximum: dt.date | None = None

    @model_validator(mode="after")
    def _values_match_type(self) -> FactSpec:
        if self.type in ("enum", "enum_set"):
            if not self.values:
                raise ValueError(f"a fact of type {self.type} needs a non-empty 'values' list")
            if len(set(self.values)) != len(self.values):
                raise ValueError("'values' lists a value twice")
        elif self.values is not None:
            raise ValueError(f"'values' is only for enum and enum_set facts, not {self.type}")
        return self


class VocabularyFile(Model):
    parties: dict[Identifier, str]
    facts: dict[str, FactSpec]

    @field_validator("facts")
    @classmethod
    def _keys_are_dotted(cls, facts: dict[str, FactSpec]) -> dict[str, FactSpec]:
        for key in facts:
            if not re.fullmatch(r"[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*", key):
                raise ValueError(f"fact key '{key}' must be 'party.snake_case_name'")
        return facts


class AdminDivision(Model):
    code: AdminCode
    name: str
    short_name: str | None = None
    level: Literal["省级", "地级", "县级"]
    parent: AdminCode | None = None


class AdminDivisionsFile(Model):
    source: str
    divisions: list[AdminDivision]


# -- eligibility building blocks ---------------------------------------------------------


class NamedSet(Model):
    """A named list of values of one enum fact, e.g. the relatives of 近亲属_2023."""

    of: str
    values: list[str]
    label: str | None = None
    citation: CitationField
    notes: list[Note] = []


class Predicate(Model):
    """A named condition defined once and reused by items."""

    condition: str
    label: str | None = None
    citation: CitationField | None = None
    notes: list[Note] = []


class EligibilityFile(Model):
    sets: dict[str, NamedSet] = {}
    predicates: dict[str, Predicate] = {}


# -- items -------------------------------------------------------------------------------


class Dated(Model):
    """``effective_from`` inclusive, ``effective_to`` inclusive; absent means unbounded."""

    effective_from: dt.date | None = None
    effective_to: dt.date | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Dated:
        if self.effective_from and self.effective_to and self.effective_to < self.effective_from:
            raise ValueError("effective_to is before effective_from")
        return self

    def in_force(self, on: dt.date) -> bool:
        return (self.effective_from is None or self.effective_from <= on) and (
            self.effective_to is None or on <= self.effective_to
        )


class EligibilityRule(Dated):
    """One 受理条件: the condition must hold for the applicant to be eligible."""

    id: Identifier
    condition: str
    message: str
    """Shown when the condition fails: what is wrong, in the applicant's terms."""
    label: str | None = None
    """Shown when the condition holds: what it requires, stated positively (default: the condition)."""
    citation: CitationField
    notes: list[Note] = []


class Substitute(Model):
    """What may stand in for a material (个人承诺书, 数据共享, 电子证照, …)."""

    kind: Literal["个人承诺书", "数据共享", "电子证照", "情况说明", "单位核对", "其他"]
    description: str | None = None
    when: str | None = None


class Material(Model):
    name: str
    form: str | None = None
    count: int | None = Field(default=None, ge=1)
    required: bool = True
    source: Literal["申请人提交", "单位提交", "机构提交", "经办机构获取", "unspecified"] = "unspecified"
    substitutes: list[Substitute] = []
    when: str | None = None
    requirements: str | None = None
    notes: list[Note] = []


class Situation(Model):
    """A 情形 and its materials. ``inherits`` names earlier 情形 of the same item whose
    materials are included (「上述普通门诊办理资料」)."""

    name: str
    when: str | None = None
    inherits: list[str] = []
    inherits_text: str | None = None
    """The source's words for the inherited materials (「上述普通门诊办理资料」), shown by the guide."""
    materials: list[Material] = []
    source_text: list[str] = []
    """Lines of the source for this 情形, verbatim, where the materials' structure cannot carry
    its wording (one line naming several materials, a lead-in such as 「需提供」)."""
    notes: list[Note] = []


class Channel(Model):
    kind: Literal["线下", "线上", "委托"]
    description: str
    availability: str | None = None


TimeKind = Literal["immediate", "working_days", "natural_days", "time_limited", "staged", "unspecified"]


class Stage(Model):
    name: str
    kind: TimeKind
    days: int | None = Field(default=None, ge=0)
    text: str | None = None
    actor: str | None = None
    counted: bool = True
    optional: bool = False
    after: str | None = None


BASIS_LABELS = {"legal": "法定办结时限", "promised": "承诺办结时限", "stated": "办理时限"}


class TimeLimit(Model):
    """A time limit exactly as the source states it.

    ``basis``: ``legal`` (法定办结时限), ``promised`` (承诺办结时限) or ``stated`` (the
    source says only 办理时限 without saying which).
    """

    basis: Literal["legal", "promised", "stated"]
    kind: TimeKind
    days: int | None = Field(default=None, ge=0)
    text: str
    situation: str | None = None
    applies_when: str | None = None
    stages: list[Stage] = []
    excludes: list[str] = []
    citation: CitationField
    notes: list[Note] = []

    @model_validator(mode="after")
    def _days_match_kind(self) -> TimeLimit:
        counted = self.kind in ("working_days", "natural_days")
        if counted and self.days is None:
            raise ValueError(f"a {self.kind} time limit needs 'days'")
        if not counted and self.days is not None:
            raise ValueError(f"a {self.kind} time limit has no 'days'")
        if self.kind == "staged" and not self.stages:
            raise ValueError("a staged time limit needs 'stages'")
        return self


class Contact(Model):
    kind: Literal["咨询", "投诉", "咨询投诉"]
    phones: list[str]


class Disease(Model):
    name: str
    subtypes: list[str] = []


class DiseaseList(Model):
    """Diseases an item covers. ``diseases: unspecified`` where a source gives only a count."""

    scope: str
    count: int | None = None
    diseases: list[Disease] | Unspecified = "unspecified"
    citation: CitationField

    @model_validator(mode="after")
    def _count_matches(self) -> DiseaseList:
        if isinstance(self.diseases, list) and self.count is not None and len(self.diseases) != self.count:
            raise ValueError(f"count is {self.count} but {len(self.diseases)} diseases are listed")
        return self


class Faq(Model):
    question: str
    answer: str


class Item(Dated):
    """A government service item (政务服务事项)."""

    id: Identifier
    name: str
    name_note: str | None = None
    """The source's parenthesis after the item name (「实现……可参照执行」)."""
    number: int | None = None
    category: str | None = None
    jurisdiction: AdminCode
    item_type: str | None = None
    accepting_units: list[str] = []
    decision_body: str | None = None
    service_objects: list[str] = []
    conditions_text: list[str] = []
    channels: list[Channel] = []
    process: list[str] = []
    instructions: list[str] = []
    """办理说明: the source's explanation of the steps, verbatim, one paragraph a line."""
    eligibility: list[EligibilityRule] = []
    situations: list[Situation] = []
    time_limits: list[TimeLimit] = []
    diseases: list[DiseaseList] = []
    query_methods: list[str] = []
    fees: str | None = None
    contacts: list[Contact] = []
    result_delivery: list[str] = []
    locations: list[str] = []
    other: list[str] = []
    faq: list[Faq] = []
    implements: Identifier | None = None
    catalogue_level: Literal["基本目录", "实施清单"] | None = None
    source: CitationField
    citations: list[CitationField] = []
    notes: list[Note] = []


# -- bundles -----------------------------------------------------------------------------


class BundleMember(Model):
    item: Identifier
    item_type: str | None = None
    accepting_unit: str | None = None
    info: dict[str, str] = {}
    """Further columns of the source's 联办事项 table (label → value, verbatim)."""
    policy_content: str | None = None
    """政策内容 of the member's 法定依据 in the bundle's guide, verbatim."""


class Claim(Model):
    """An efficiency effect the source claims (not computed): e.g. materials 5 → 3."""

    metric: Literal["time_working_days", "visits", "materials", "steps"]
    before: int
    after: int
    text: str
    label: str | None = None
    """The source's heading of the claim (减时间, 减跑动, …)."""
    source_text: str | None = None
    """The source's whole paragraph of the claim, verbatim."""
    citation: CitationField


class Visits(Model):
    text: str
    reason: str | None = None


class Bundle(Dated):
    """A joint-service bundle (一件事 / 一事联办)."""

    id: Identifier
    name: str
    kind: Literal["一件事", "一事联办"]
    lead: str
    partners: list[str] = []
    jurisdiction: AdminCode
    item_type: str | None = None
    service_objects: list[str] = []
    applicability: str | None = None
    online_level: str | None = None
    visits: Visits | None = None
    review_type: str | None = None
    levels: str | None = None
    info: dict[str, str] = {}
    """Further 基本信息 rows of the source (label → value, verbatim): 事项类型, 权力来源, …"""
    conditions_text: list[str] = []
    members: list[BundleMember]
    time_limits: list[TimeLimit] = []
    claims: list[Claim] = []
    contacts: list[Contact] = []
    faq: list[Faq] = []
    source: CitationField
    citations: list[CitationField] = []
    notes: list[Note] = []


# -- jurisdictions -----------------------------------------------------------------------


class Period(Model):
    start: dt.time
    end: dt.time

    @field_validator("start", "end", mode="before")
    @classmethod
    def _parse_time(cls, value: Any) -> Any:
        # YAML 1.1 reads an unquoted 8:30 as a sexagesimal integer (510); accept it.
        if isinstance(value, int) and not isinstance(value, bool):
            return dt.time(value // 60, value % 60)
        return value

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.end <= self.start:
            raise ValueError("a period must end after it starts")
        return self


class OfficeHours(Model):
    weekdays: list[Annotated[int, Field(ge=1, le=7)]]
    periods: list[Period]
    statutory_holidays_closed: bool = True
    make_up_days_open: bool | Unspecified = "unspecified"
    text: str
    citation: CitationField


class Jurisdiction(Model):
    code: AdminCode
    name: str
    level: Literal["省级", "地级", "县级"]
    parent: AdminCode | None = None
    office_hours: OfficeHours | None = None
    notes: list[Note] = []


# -- calendar notices ----------------------------------------------------------------------


class NamedDay(Model):
    date: dt.date
    name: str


class CalendarNotice(Model):
    """A State Council holiday notice (国务院办公厅关于 N 年部分节假日安排的通知) for one year.

    ``holidays`` lists every day off (法定节假日 and 调休 rest days); ``make_up_working_days``
    lists the weekend days worked instead. A notice replaces the installed data for its year.
    """

    year: int = Field(ge=2001, le=2100)
    title: str
    document_number: str | None = None
    issuer: str = "国务院办公厅"
    published: dt.date | None = None
    source: str
    holidays: list[NamedDay]
    make_up_working_days: list[NamedDay] = []

    @model_validator(mode="after")
    def _days_fit(self) -> CalendarNotice:
        for day in self.make_up_working_days:
            if day.date.weekday() < 5:
                raise ValueError(f"make-up working day {day.date} is not a Saturday or Sunday")
            if abs(day.date.year - self.year) > 1:
                raise ValueError(f"make-up working day {day.date} is far from {self.year}")
        for day in self.holidays:
            if abs(day.date.year - self.year) > 1:
                raise ValueError(f"holiday {day.date} is far from {self.year}")
        return self
