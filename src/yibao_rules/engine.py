"""The decision engine: eligibility with reasons and next questions, 情形 checklists, bundles.

**Deciding.** Only rules in force on the decision date apply. Each rule's condition is
evaluated in Kleene's three-valued logic (a missing fact is *unknown*):

* ``ineligible`` — some rule is false, whatever the missing facts are;
* ``eligible`` — every rule is true;
* ``undetermined`` — otherwise: an unknown fact can still change the answer.

Kleene's logic never claims a false answer, but on its own it can say *unknown* for a
condition that is settled anyway (``x == 1 or x != 1``). So when the missing facts have
few enough combinations (:data:`ENUMERATION_LIMIT`, counting only finite types: bool, enum,
province), every combination is tried: if all give the same outcome the case is settled.

**Next questions** are the missing facts, ordered so that the rules closest to settled
come first: rules needing one more answer before rules needing two, and a fact that
several open rules need before one that only one needs.

**No rules, no answer.** An item with no eligibility rules in force on the decision date
is ``undetermined`` with a note: ``eligible`` is never given for lack of rules.

**情形** are chosen from the facts (see :func:`checklist`).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from yibao_rules.calendar import beijing_today
from yibao_rules.compiled import CompiledCondition, CompiledItem, CompiledRulebook, LoadedBundle, RulePlan
from yibao_rules.errors import FactsError, YibaoError, did_you_mean, shown
from yibao_rules.expr import UNKNOWN
from yibao_rules.results import (
    BundleReport,
    Checklist,
    ChecklistEntry,
    Decision,
    Question,
    Reason,
    Status,
    claim_text,
    metric_label,
)
from yibao_rules.schema import Material
from yibao_rules.vocabulary import Fact

__all__ = [
    "ENUMERATION_LIMIT",
    "BundleReport",
    "Checklist",
    "ChecklistEntry",
    "Decision",
    "Question",
    "Reason",
    "bundle_report",
    "checklist",
    "checklist_compiled",
    "decide",
    "decide_compiled",
    "decision_date",
    "fact_domain",
    "questions_for",
]

ENUMERATION_LIMIT = 4096


class SituationError(YibaoError):
    """The 情形 asked for does not exist, or several apply and none was chosen."""


def decide(
    book: CompiledRulebook, item: str, facts: Mapping[str, Any] | None = None, on: dt.date | None = None
) -> Decision:
    """Decide eligibility for ``item`` (id or exact Chinese name) as of ``on`` (default: today).

    ``facts`` is nested by party (``{"applicant": {...}}``) or flat (``{"applicant.x": ...}``);
    it is checked against the vocabulary first (:class:`~yibao_rules.errors.FactsError`).
    """
    compiled = book.item(item)
    day = decision_date(on)
    flat = book.vocabulary.normalise(facts or {})
    return decide_compiled(book, compiled, flat, day)


def decision_date(on: dt.date | None) -> dt.date:
    """The decision date: ``on``, or today; a datetime or a string is refused."""
    if on is None:
        return beijing_today()
    if isinstance(on, dt.datetime) or not isinstance(on, dt.date):
        raise FactsError(
            f"决定日期须为 datetime.date 对象 (the decision date must be a datetime.date, not "
            f"{type(on).__name__} {shown(on)}; for text use datetime.date.fromisoformat)"
        )
    return on


def decide_compiled(book: CompiledRulebook, compiled: CompiledItem, flat: Mapping[str, Any], day: dt.date) -> Decision:
    """:func:`decide` for an item already looked up and facts already normalised."""
    model = compiled.model
    if (model.effective_from or model.effective_to) and not model.in_force(day):
        reason = Reason(
            "item_in_force",
            "failed",
            f"事项在 {day} 不在有效期内 (the item is not in force on {day})",
            book.cite(model.source),
            "",
        )
        return Decision(model.name, model.id, day, "ineligible", (reason,), (), (), (), book.version)
    steps = compiled.rules_in_force(day)
    values = [step.evaluate(flat, day) for step in steps]
    return build_decision(book, compiled, steps, values, flat, day, refine=True)


def build_decision(
    book: CompiledRulebook,
    compiled: CompiledItem,
    steps: Sequence[RulePlan],
    values: Sequence[Any],
    flat: Mapping[str, Any],
    day: dt.date,
    *,
    refine: bool,
) -> Decision:
    """A Decision from each rule's outcome (True, False or UNKNOWN), whichever engine found them.

    With ``refine``, undetermined cases are settled by trying every value of the missing facts
    when they have few combinations (see the module docstring).
    """
    model = compiled.model
    reasons: list[Reason] = []
    open_steps: list[RulePlan] = []
    failed_steps: list[RulePlan] = []
    for step, value in zip(steps, values, strict=True):
        if value is True:
            reasons.append(step.passed)
        elif value is False:
            reasons.append(step.failed)
            failed_steps.append(step)
        else:
            missing = tuple(sorted(f for f in step.condition.facts if f not in flat))
            reasons.append(
                Reason(step.rule.id, "unknown", step.rule.message, step.citation, step.rule.condition, missing)
            )
            open_steps.append(step)
    version = book.version
    outside = compiled.dated_from is not None and day < compiled.dated_from[0]
    dated: tuple[str, ...] = (_outside_note(compiled, day),) if outside else ()
    if not steps:
        return Decision(model.name, model.id, day, "undetermined", (), (), (), (*dated, *_NO_RULES), version, outside)
    if failed_steps:
        notes = (*dated, *_notes_of(failed_steps))
        return Decision(model.name, model.id, day, "ineligible", tuple(reasons), (), (), notes, version, outside)
    if not open_steps:
        notes = (*dated, *_notes_of(steps))
        return Decision(model.name, model.id, day, "eligible", tuple(reasons), (), (), notes, version, outside)
    conditions = [step.condition for step in open_steps]
    settled = _enumerate(book, conditions, flat, day) if refine else None
    if settled is not None:
        status: Status = "eligible" if settled else "ineligible"
        note = "未知事实的所有可能取值都得出同一结论 (every value of the missing facts gives this answer)"
        notes = (*dated, note, *_notes_of(steps))
        return Decision(model.name, model.id, day, status, tuple(reasons), (), (), notes, version, outside)
    missing = _order_questions(conditions, flat)
    questions = questions_for(book, missing)
    notes = (*dated, *_notes_of(open_steps))
    return Decision(
        model.name, model.id, day, "undetermined", tuple(reasons), missing, questions, notes, version, outside
    )


def _notes_of(steps: Sequence[RulePlan]) -> tuple[str, ...]:
    """The policy notes of the rules that decided, each once, in rule order."""
    if len(steps) == 1:
        return steps[0].notes
    return tuple(dict.fromkeys(note for step in steps for note in step.notes))


def _outside_note(compiled: CompiledItem, day: dt.date) -> str:
    start, why = compiled.dated_from or (day, "")
    return (
        f"决定日期 {day} 早于本事项规则已知的最早适用日期 {start}（{why}）：该日期超出规则库的日期范围，"
        f"结论仅按现行规则推算 (the decision date lies outside the rulebook's dated range)"
    )


_NO_RULES = (
    "本事项在该日期没有生效的受理条件，无法判断 (no eligibility rules in force for this item on this date: "
    "undetermined, never eligible for lack of rules)",
)


def _order_questions(open_conditions: Sequence[CompiledCondition], flat: Mapping[str, Any]) -> tuple[str, ...]:
    needs = [sorted(f for f in cond.facts if f not in flat) for cond in open_conditions]
    demand: dict[str, int] = {}
    for facts in needs:
        for f in facts:
            demand[f] = demand.get(f, 0) + 1
    ordered: list[str] = []
    for facts in sorted(needs, key=len):
        for f in sorted(facts, key=lambda k: (-demand[k], k)):
            if f not in ordered:
                ordered.append(f)
    return tuple(ordered)


def fact_domain(book: CompiledRulebook, fact: Fact) -> tuple[Any, ...] | None:
    """Every value a fact can take, for finite types (bool, enum, province); else ``None``."""
    if fact.kind == "bool":
        return (True, False)
    if fact.kind == "enum":
        return fact.values
    if fact.kind == "province":
        return tuple(c for c, d in book.vocabulary.divisions.by_code.items() if d.level == "省级")
    return None


def _enumerate(
    book: CompiledRulebook, conditions: Sequence[CompiledCondition], flat: Mapping[str, Any], day: dt.date
) -> bool | None:
    """The common outcome of all open conditions over every value of the missing facts,
    or ``None`` if the outcome still depends on them (or there are too many combinations)."""
    missing = sorted(set().union(*(c.facts for c in conditions)) - flat.keys())
    domains = [fact_domain(book, book.vocabulary.facts[k]) for k in missing]
    size = 1
    for d in domains:
        if d is None:
            return None
        size *= len(d)
        if size > ENUMERATION_LIMIT:
            return None
    seen: set[bool] = set()
    env = dict(flat)
    for values in itertools.product(*(d for d in domains if d is not None)):
        env.update(zip(missing, values, strict=True))
        seen.add(all(c.evaluate(env, day) is True for c in conditions))
        if len(seen) > 1:
            return None
    return seen.pop() if seen else None


def questions_for(book: CompiledRulebook, keys: Iterable[str]) -> tuple[Question, ...]:
    """The questions for these facts, each addressed to its party."""
    out = []
    for key in keys:
        fact = book.vocabulary.facts[key]
        party = fact.party
        label = book.vocabulary.parties.get(party, party)
        out.append(Question(fact.key, fact.question, fact.label, fact.kind, fact.values, party, label))
    return tuple(out)


# -- checklists -------------------------------------------------------------------------------


def checklist(
    book: CompiledRulebook,
    item: str,
    facts: Mapping[str, Any] | None = None,
    situation: str | None = None,
    on: dt.date | None = None,
) -> Checklist:
    """The materials for the applicant's 情形, each material once.

    With ``situation``, that 情形 alone (an unknown name is a :class:`SituationError`, with
    the closest name). Without it, the facts choose:

    * a 情形 with no ``when`` applies to everyone who uses the item (e.g. 普通门诊);
    * a 情形 whose ``when`` holds applies; several that apply are merged;
    * a 情形 whose ``when`` is still unknown adds its materials marked ``conditional``, and
      its facts become ``next_questions``;
    * when nothing applies yet, there are no materials, only the next questions.

    Inherited materials (「上述……办理资料」) come first. Substitutes are listed when their
    condition holds (or is not known yet: then ``conditional``).
    """
    compiled = book.item(item)
    flat = book.vocabulary.normalise(facts or {})
    return checklist_compiled(book, compiled, flat, situation, decision_date(on))


def checklist_compiled(
    book: CompiledRulebook, compiled: CompiledItem, flat: Mapping[str, Any], situation: str | None, day: dt.date
) -> Checklist:
    """:func:`checklist` for an item already looked up and facts already normalised."""
    model = compiled.model
    names = [s.name for s in model.situations]
    if situation is not None and situation not in names:
        listed = f"情形: {'、'.join(names)}" if names else "本事项没有列出情形 (this item has no 情形)"
        raise SituationError(
            f"'{compiled.name}' 没有情形 '{situation}' (no such 情形{did_you_mean(situation, names)}; {listed})"
        )
    if not model.situations:
        return Checklist(
            model.name, model.id, None, (), ("来源未列出本事项的申请材料 (the sources list no materials)",)
        )
    chosen: list[int]
    open_: list[int] = []
    if situation is not None:
        chosen = [names.index(situation)]
    else:
        chosen, open_ = _select_situations(compiled, flat, day)
    entries: dict[str, ChecklistEntry] = {}
    for indexes, conditional in ((chosen, False), (open_, True)):
        for index in indexes:
            _add_materials(compiled, index, entries, flat, day, conditional)
    open_facts = set().union(*(compiled.conditions[("situations", i, "when")].facts for i in open_)) - flat.keys()
    questions = questions_for(book, sorted(open_facts))
    notes = [n.text for i in chosen for n in model.situations[i].notes]
    if not chosen and not open_:
        notes.append("按已知事实，本事项的情形均不适用 (by the facts given, none of this item's 情形 applies)")
    elif not chosen:
        notes.append("尚不能确定适用的情形，请先回答下列问题 (the 情形 cannot be chosen yet: answer the questions)")
    chosen_names = tuple(names[i] for i in chosen)
    return Checklist(
        model.name,
        model.id,
        "、".join(chosen_names) or None,
        tuple(entries.values()) if chosen else (),
        tuple(notes),
        chosen_names,
        questions,
    )


def _select_situations(compiled: CompiledItem, flat: Mapping[str, Any], day: dt.date) -> tuple[list[int], list[int]]:
    """The 情形 that apply (no ``when``, or it holds) and those still open (``when`` unknown)."""
    chosen: list[int] = []
    open_: list[int] = []
    for i, situation in enumerate(compiled.model.situations):
        if situation.when is None:
            chosen.append(i)
            continue
        holds = _holds(compiled, ("situations", i, "when"), flat, day)
        if holds is True:
            chosen.append(i)
        elif holds is UNKNOWN:
            open_.append(i)
    return chosen, open_


def _add_materials(
    compiled: CompiledItem,
    index: int,
    entries: dict[str, ChecklistEntry],
    flat: Mapping[str, Any],
    day: dt.date,
    conditional: bool,
) -> None:
    """Add the materials of the 情形 at ``index`` and of everything it inherits, each once."""
    situations = compiled.model.situations
    for i in _lineage(compiled, index):
        source = situations[i]
        for j, material in enumerate(source.materials):
            if material.name in entries:
                continue
            include = _holds(compiled, ("situations", i, "materials", j, "when"), flat, day)
            if include is False:
                continue
            entries[material.name] = _entry(
                compiled, material, i, j, source.name, flat, day, conditional or include is UNKNOWN
            )


def _lineage(compiled: CompiledItem, index: int) -> tuple[int, ...]:
    """The 情形 at ``index`` preceded by everything it inherits, parents first (resolved at load)."""
    return compiled.lineages[index]


def _holds(compiled: CompiledItem, path: tuple[str | int, ...], flat: Mapping[str, Any], day: dt.date) -> Any:
    cond = compiled.conditions.get(path)
    return True if cond is None else cond.evaluate(flat, day)


def _entry(
    compiled: CompiledItem,
    material: Material,
    i: int,
    j: int,
    situation: str,
    flat: Mapping[str, Any],
    day: dt.date,
    conditional: bool,
) -> ChecklistEntry:
    subs = []
    for k, sub in enumerate(material.substitutes):
        applies = _holds(compiled, ("situations", i, "materials", j, "substitutes", k, "when"), flat, day)
        if applies is False:
            continue
        subs.append({"kind": sub.kind, "description": sub.description, "conditional": applies is UNKNOWN})
    return ChecklistEntry(
        material.name,
        material.required,
        material.form,
        material.count,
        material.requirements,
        tuple(subs),
        situation,
        conditional,
    )


# -- bundles ----------------------------------------------------------------------------------


def bundle_report(
    book: CompiledRulebook, key: str, facts: Mapping[str, Any] | None = None, on: dt.date | None = None
) -> BundleReport:
    """Each member's decision, one merged checklist (「相同的不重复提交」), and computed metrics
    next to the source's claims, with a warning wherever they differ."""
    loaded = book.bundle(key)
    day = decision_date(on)
    flat = book.vocabulary.normalise(facts or {})
    decisions = tuple(decide_compiled(book, book.items[m.item], flat, day) for m in loaded.model.members)
    materials, notes = merged_materials(book, loaded, flat, day)
    metrics = bundle_metrics(book, loaded, materials)
    claims: dict[str, Mapping[str, Any]] = {
        c.metric: {"before": c.before, "after": c.after, "text": c.text} for c in loaded.model.claims
    }
    warnings = tuple(claim_warnings(metrics, claims))
    return BundleReport(loaded.model.name, loaded.model.id, decisions, materials, metrics, claims, warnings, notes)


def merged_materials(
    book: CompiledRulebook, loaded: LoadedBundle, flat: Mapping[str, Any] | None = None, day: dt.date | None = None
) -> tuple[tuple[ChecklistEntry, ...], tuple[str, ...]]:
    """Every member's materials, each distinct material once with the members that need it."""
    merged: dict[str, ChecklistEntry] = {}
    notes: list[str] = []
    for member in loaded.model.members:
        compiled = book.items[member.item]
        try:
            items = checklist_compiled(book, compiled, flat or {}, None, day or beijing_today())
        except SituationError as exc:
            notes.append(str(exc))
            continue
        notes += [f"{compiled.name}：{n}" for n in items.notes]
        for entry in items.materials:
            identity = book.material_identity(entry.name)
            if identity != entry.name:
                note = f"材料「{entry.name}」与「{identity}」按材料目录视为同一材料 (same document per materials.yaml)"
                if note not in notes:
                    notes.append(note)
            seen = merged.get(identity)
            members = (*seen.members, compiled.name) if seen else (compiled.name,)
            base = seen or entry
            merged[identity] = ChecklistEntry(
                identity,
                base.required or entry.required,
                base.form,
                base.count,
                base.requirements,
                base.substitutes,
                base.situation,
                base.conditional and entry.conditional,
                members,
            )
    return tuple(merged.values()), tuple(notes)


def bundle_metrics(
    book: CompiledRulebook, loaded: LoadedBundle, materials: Iterable[ChecklistEntry] | None = None
) -> dict[str, int | None]:
    """What the rulebook's data gives for the metrics a bundle claims (``None``: not computable)."""
    entries = list(materials) if materials is not None else list(merged_materials(book, loaded)[0])
    promised = [t.days for t in loaded.model.time_limits if t.basis == "promised" and t.kind == "working_days"]
    steps = [len(book.items[m.item].model.process) for m in loaded.model.members]
    return {
        "materials": sum(1 for e in entries if e.required),
        "time_working_days": promised[0] if promised else None,
        "steps": sum(steps) if all(steps) else None,
        "visits": None,
    }


def claim_warnings(metrics: Mapping[str, int | None], claims: Mapping[str, Mapping[str, Any]]) -> list[str]:
    out = []
    for metric, claim in claims.items():
        computed = metrics.get(metric)
        name = f"{metric_label(metric)} ({metric})"
        if computed is None:
            out.append(f"{name}：声称 {claim_text(claim)}，无法按规则库数据计算 (not computable from the data)")
        elif computed != claim["after"]:
            out.append(
                f"{name}：声称 {claim_text(claim)}，按规则库数据计算为 {computed} "
                f"(claimed {claim_text(claim)}, computed {computed})"
            )
    return out
