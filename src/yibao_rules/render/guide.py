"""The 办事指南 of an item or bundle, gathered from the rules in the source's own layout.

:func:`guide` collects what the guide shows and says nothing the rules do not say:
受理单位, 服务对象, 受理条件, 办理渠道, 办理流程, 办理材料 per 情形 (with substitutes),
办理时限 (stages and exclusions), 查询方式, 其它, contacts, and the 政策依据 with 文号,
发文机关 and 实施日期; for a bundle, the 联办 table and the 联办效能 claims. Notes of kind
``gap`` or ``conflict`` become staff annotations (:attr:`Guide.annotations`), which a public
rendering leaves out. :func:`yibao_rules.render.render_guide` lays it out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from yibao_rules.calendar import beijing_today
from yibao_rules.compiled import CompiledRulebook, LoadedBundle
from yibao_rules.errors import UnknownItemError, did_you_mean
from yibao_rules.schema import (
    BASIS_LABELS,
    Bundle,
    CitationRef,
    EligibilityRule,
    Item,
    Material,
    Note,
    Situation,
    TimeLimit,
)

__all__ = [
    "Annotation",
    "Guide",
    "GuideCitation",
    "GuideClaim",
    "GuideLimit",
    "GuideMaterial",
    "GuideMember",
    "GuideSituation",
    "guide",
]

CHANNEL_LABELS = {"线下": "线下办理", "线上": "线上办理", "委托": "委托办理"}
CLAIM_LABELS = {"time_working_days": "办理时间", "visits": "跑动次数", "materials": "递交材料", "steps": "办理环节"}
CLAIM_UNITS = {
    "time_working_days": "{}个工作日",
    "visits": "{}次跑动",
    "materials": "{}份材料",
    "steps": "{}个环节",
}
STAFF_KINDS = ("gap", "conflict")
NOTE_LABELS = {"gap": "来源缺漏", "conflict": "来源冲突"}


@dataclass(frozen=True)
class Annotation:
    """A staff annotation: a ``gap`` or ``conflict`` note, and where in the rules it was written."""

    kind: str
    where: str
    text: str

    @property
    def label(self) -> str:
        return NOTE_LABELS[self.kind]


@dataclass(frozen=True)
class GuideMaterial:
    name: str
    line: str
    """The material as one line: name, then the source's requirements, form and count."""
    substitutes: tuple[str, ...] = ()


@dataclass(frozen=True)
class GuideSituation:
    name: str
    inherits: tuple[str, ...]
    inherits_text: str | None
    materials: tuple[GuideMaterial, ...]
    source_text: tuple[str, ...] = ()


@dataclass(frozen=True)
class GuideLimit:
    basis: str
    text: str
    situation: str | None
    applies_when: str | None
    stages: tuple[str, ...]
    excludes: tuple[str, ...]


@dataclass(frozen=True)
class GuideCitation:
    """One 政策依据 with its 文号, 发文机关 and 实施日期, and the clauses the guide cites."""

    key: str
    title: str
    document_number: str | None
    issuer: str | None
    effective_date: str
    issued: str | None
    clauses: tuple[tuple[str, str], ...]

    @property
    def label(self) -> str:
        return f"《{self.title}》" + (f"（{self.document_number}）" if self.document_number else "")


@dataclass(frozen=True)
class GuideMember:
    """A row of a bundle's 联办事项 table."""

    id: str
    name: str
    item_type: str | None
    accepting_unit: str | None
    info: tuple[tuple[str, str], ...] = ()
    citations: tuple[GuideCitation, ...] = ()
    """The member item's 政策依据 (the bundle guide's 法定依据, per member)."""
    policy_content: str | None = None


@dataclass(frozen=True)
class GuideClaim:
    """A 联办效能 claim of the source: before (单办件) and after (一事联办), not computed."""

    metric: str
    label: str | None
    before: str
    after: str
    text: str


@dataclass(frozen=True)
class Guide:
    """A rendered-ready 办事指南. Build with :func:`guide` or ``Rulebook.guide``."""

    kind: Literal["item", "bundle"]
    id: str
    name: str
    on: dt.date
    jurisdiction: str
    name_note: str | None = None
    number: int | None = None
    category: str | None = None
    item_type: str | None = None
    accepting_units: tuple[str, ...] = ()
    decision_body: str | None = None
    service_objects: tuple[str, ...] = ()
    conditions: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()
    """The eligibility rules in force on ``on``, each as its message, citation and dates (for staff)."""
    in_force: bool = True
    """Whether the item (or bundle) is in force on ``on`` by its own effective_from / effective_to."""
    channels: tuple[tuple[str, str], ...] = ()
    process: tuple[str, ...] = ()
    instructions: tuple[str, ...] = ()
    implements: str | None = None
    situations: tuple[GuideSituation, ...] = ()
    time_limits: tuple[GuideLimit, ...] = ()
    diseases: tuple[str, ...] = ()
    query_methods: tuple[str, ...] = ()
    fees: str | None = None
    contacts: tuple[tuple[str, str], ...] = ()
    result_delivery: tuple[str, ...] = ()
    locations: tuple[str, ...] = ()
    office_hours: str | None = None
    other: tuple[str, ...] = ()
    faq: tuple[tuple[str, str], ...] = ()
    lead: str | None = None
    partners: tuple[str, ...] = ()
    facts: tuple[tuple[str, str], ...] = ()
    """A bundle's 基本信息 (label, value) in the source's order."""
    members: tuple[GuideMember, ...] = ()
    claims: tuple[GuideClaim, ...] = ()
    citations: tuple[GuideCitation, ...] = ()
    annotations: tuple[Annotation, ...] = field(default=())

    @property
    def materials(self) -> tuple[str, ...]:
        """Every material name of every 情形, each once, in order."""
        return tuple(dict.fromkeys(m.name for s in self.situations for m in s.materials))


def guide(book: CompiledRulebook, name: str, on: dt.date | None = None) -> Guide:
    """The 办事指南 of an item or a bundle (by id or exact Chinese name) as of ``on`` (default today)."""
    day = on or beijing_today()
    if name in book.items or any(i.name == name for i in book.items.values()):
        return _item_guide(book, book.item(name).model, day)
    if name in book.bundles or any(b.name == name for b in book.bundles.values()):
        return _bundle_guide(book, book.bundle(name), day)
    names = [
        *book.items,
        *(i.name for i in book.items.values()),
        *book.bundles,
        *(b.name for b in book.bundles.values()),
    ]
    raise UnknownItemError(
        f"未知的事项或一件事 (unknown item or bundle) '{name}'{did_you_mean(name, names)}; "
        "`yibao-rules items --bundles` lists them"
    )


# -- items --------------------------------------------------------------------------------------


def _item_guide(book: CompiledRulebook, m: Item, day: dt.date) -> Guide:
    jurisdiction = book.jurisdictions.get(m.jurisdiction)
    hours = jurisdiction.office_hours if jurisdiction else None
    rules = [r for r in m.eligibility if r.in_force(day)]
    conditions = tuple(m.conditions_text) or tuple(r.label or r.message for r in rules)
    refs: list[CitationRef] = [m.source, *m.citations]
    notes = _annotations(m.name, m.notes)
    for rule in rules:
        notes += _annotations(f"受理条件 {rule.id}", rule.notes)
    for s in m.situations:
        notes += _annotations(f"情形“{s.name}”", s.notes)
        for mat in s.materials:
            notes += _annotations(f"材料“{mat.name}”", mat.notes)
    for limit in m.time_limits:
        notes += _annotations("办理时限", limit.notes)
    return Guide(
        kind="item",
        id=m.id,
        name=m.name,
        on=day,
        jurisdiction=book.vocabulary.divisions.name(m.jurisdiction),
        name_note=m.name_note,
        number=m.number,
        category=m.category,
        item_type=m.item_type,
        accepting_units=tuple(m.accepting_units),
        decision_body=m.decision_body,
        service_objects=tuple(m.service_objects),
        conditions=conditions,
        rules=tuple(_rule_line(book, r) for r in rules),
        in_force=m.in_force(day),
        channels=_channels(m),
        process=tuple(m.process),
        instructions=tuple(m.instructions),
        implements=book.items[m.implements].name if m.implements and m.implements in book.items else None,
        situations=tuple(_situation(s) for s in m.situations),
        time_limits=tuple(_limit(t) for t in m.time_limits),
        diseases=tuple(_diseases(m)),
        query_methods=tuple(m.query_methods),
        fees=m.fees,
        contacts=tuple((c.kind, "　".join(c.phones)) for c in m.contacts),
        result_delivery=tuple(m.result_delivery),
        locations=tuple(m.locations),
        office_hours=hours.text if hours else None,
        other=tuple(m.other),
        faq=tuple((f.question, f.answer) for f in m.faq),
        citations=_citations(book, refs),
        annotations=tuple(notes) + _citation_annotations(book, refs),
    )


def _rule_line(book: CompiledRulebook, rule: EligibilityRule) -> str:
    dates = ""
    if rule.effective_from or rule.effective_to:
        dates = f"（{rule.effective_from or '…'} 至 {rule.effective_to or '…'}）"
    return f"{rule.label or rule.message}{dates}——{book.cite(rule.citation)}"


def _channels(m: Item) -> tuple[tuple[str, str], ...]:
    """(kinds, description) in order; channels with the same description are shown once."""
    kinds: dict[str, list[str]] = {}
    for c in m.channels:
        kinds.setdefault(c.description, []).append(CHANNEL_LABELS[c.kind])
    return tuple(("、".join(labels), description) for description, labels in kinds.items())


def _situation(s: Situation) -> GuideSituation:
    return GuideSituation(
        name=s.name,
        inherits=tuple(s.inherits),
        inherits_text=s.inherits_text,
        materials=tuple(_material(m) for m in s.materials),
        source_text=tuple(s.source_text),
    )


def _material(m: Material) -> GuideMaterial:
    line = m.name
    if m.requirements:
        line += f"（{m.requirements}）"
    if m.form and m.form not in line:
        line += f"（{m.form}）"
    if m.count:
        line += f"　{m.count}份"
    if not m.required:
        line += "（非必需）"
    if m.source != "unspecified":
        line += f"　材料来源：{m.source}"
    subs = tuple(
        f"{s.kind}" + (f"：{s.description}" if s.description else "") + (f"（{s.when}）" if s.when else "")
        for s in m.substitutes
    )
    return GuideMaterial(name=m.name, line=line, substitutes=subs)


def _limit(t: TimeLimit) -> GuideLimit:
    stages = []
    for s in t.stages:
        extra = [x for x in (s.actor, None if s.counted else "不计入时限", "可选" if s.optional else None) if x]
        stages.append(f"{s.name}：{s.text or ''}" + (f"（{'，'.join(extra)}）" if extra else ""))
    return GuideLimit(
        basis=BASIS_LABELS[t.basis],
        text=t.text,
        situation=t.situation,
        applies_when=t.applies_when,
        stages=tuple(stages),
        excludes=tuple(t.excludes),
    )


def _diseases(m: Item) -> Iterable[str]:
    for d in m.diseases:
        listed = "、".join(x.name for x in d.diseases) if isinstance(d.diseases, list) else "病种未列出"
        count = f"{d.count}个病种" if d.count else ""
        yield f"{d.scope}：{count}{'，' if count else ''}{listed}"


# -- bundles ------------------------------------------------------------------------------------


def _bundle_guide(book: CompiledRulebook, loaded: LoadedBundle, day: dt.date) -> Guide:
    b: Bundle = loaded.model
    members = tuple(
        GuideMember(
            mem.item,
            book.items[mem.item].name,
            mem.item_type,
            mem.accepting_unit,
            tuple(mem.info.items()),
            _citations(book, book.items[mem.item].model.citations),
            mem.policy_content,
        )
        for mem in b.members
    )
    facts = [
        ("牵头部门", b.lead),
        ("联办机构", "、".join(b.partners) or "无"),
        ("服务对象", "、".join(b.service_objects)),
        ("办件类型", b.item_type),
        ("到场次数", b.visits.text if b.visits else None),
        ("必须现场办理原因说明", b.visits.reason if b.visits else None),
        ("适用对象说明", b.applicability),
        ("行使层级", b.levels),
        ("事项审查类型", b.review_type),
        ("网办深度（等级）", b.online_level),
    ]
    facts += [(k, v) for k, v in b.info.items()]
    refs: list[CitationRef] = [b.source, *b.citations]
    refs += [c.citation for c in b.claims]
    notes = _annotations(b.name, b.notes)
    for limit in b.time_limits:
        notes += _annotations("办理时限", limit.notes)
    return Guide(
        kind="bundle",
        id=b.id,
        name=b.name,
        on=day,
        in_force=b.in_force(day),
        jurisdiction=book.vocabulary.divisions.name(b.jurisdiction),
        item_type=b.item_type,
        service_objects=tuple(b.service_objects),
        conditions=tuple(b.conditions_text),
        time_limits=tuple(_limit(t) for t in b.time_limits),
        contacts=tuple((c.kind, "　".join(c.phones)) for c in b.contacts),
        faq=tuple((f.question, f.answer) for f in b.faq),
        lead=b.lead,
        partners=tuple(b.partners),
        facts=tuple((k, v) for k, v in facts if v),
        members=members,
        claims=tuple(
            GuideClaim(
                CLAIM_LABELS[c.metric],
                c.label,
                CLAIM_UNITS[c.metric].format(c.before),
                CLAIM_UNITS[c.metric].format(c.after),
                c.source_text or c.text,
            )
            for c in b.claims
        ),
        citations=_citations(book, refs),
        annotations=tuple(notes) + _citation_annotations(book, refs),
    )


# -- shared -------------------------------------------------------------------------------------


def _annotations(where: str, notes: Iterable[Note]) -> list[Annotation]:
    return [Annotation(n.kind, where, n.text) for n in notes if n.kind in STAFF_KINDS]


def _citations(book: CompiledRulebook, refs: Iterable[CitationRef]) -> tuple[GuideCitation, ...]:
    out: dict[str, GuideCitation] = {}
    clauses: dict[str, dict[str, str]] = {}
    for ref in refs:
        c = book.citations[ref.ref]
        if ref.clause and ref.clause in c.clauses:
            clauses.setdefault(ref.ref, {})[ref.clause] = c.clauses[ref.clause]
        if ref.ref in out:
            continue
        out[ref.ref] = GuideCitation(
            key=ref.ref,
            title=c.title,
            document_number=c.document_number,
            issuer=c.issuer,
            effective_date=_date(c.effective_date),
            issued=_date(c.issued) if c.issued else None,
            clauses=(),
        )
    return tuple(
        GuideCitation(**{**vars(g), "clauses": tuple((clauses.get(k) or _all_clauses(book, k)).items())})
        for k, g in out.items()
    )


def _all_clauses(book: CompiledRulebook, key: str) -> dict[str, str]:
    return dict(book.citations[key].clauses)


def _citation_annotations(book: CompiledRulebook, refs: Iterable[CitationRef]) -> tuple[Annotation, ...]:
    seen = dict.fromkeys(r.ref for r in refs)
    notes: list[Annotation] = []
    for key in seen:
        c = book.citations[key]
        notes += _annotations(f"《{c.title}》", c.notes)
    return tuple(notes)


def _date(value: dt.date | str | None) -> str:
    if isinstance(value, dt.date):
        return f"{value.year}年{value.month}月{value.day}日"
    return "来源未载明" if value in (None, "unspecified") else str(value)
