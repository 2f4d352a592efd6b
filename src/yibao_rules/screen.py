"""Screening (一次告知): one applicant against every item and bundle of the rulebook.

The Gansu guide's 基本原则 asks offices to 「一次告知」: tell a person at once what they can
apply for. :func:`screen` decides every item for one set of facts and groups the answers:

* ``eligible`` — every rule in force holds;
* ``undetermined`` — each with its next question;
* ``ineligible`` — with the failing rules and their citations.

A bundle (一件事 / 一事联办) is offered as a whole, so it is ``eligible`` when every member
is, ``ineligible`` when any member is (its failed rules are the members'), and
``undetermined`` otherwise. Its members also appear on their own.

``next_question`` is the single question that settles the most undetermined items: for
each fact an undetermined item is missing, every value of the fact is tried, and the item
counts as settled by it when no value leaves it undetermined. Facts without a finite set
of values (dates, numbers, text) settle nothing by this test; when no fact settles any
item, the fact missing from the most items is asked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from yibao_rules.compiled import CompiledItem, CompiledRulebook, LoadedBundle
from yibao_rules.engine import decide_compiled, decision_date, fact_domain, questions_for
from yibao_rules.results import Decision, FailedRule, Question, ScreenEntry, Screening, Status

__all__ = ["screen"]


def screen(book: CompiledRulebook, facts: Mapping[str, Any] | None = None, on: dt.date | None = None) -> Screening:
    """Every item and bundle for one applicant, grouped by status (see the module docstring)."""
    day = decision_date(on)
    flat = book.vocabulary.normalise(facts or {})
    items = sorted(book.items.values(), key=_order)
    decisions = {item.id: decide_compiled(book, item, flat, day) for item in items}
    entries = [_item_entry(decisions[item.id]) for item in items]
    entries += [_bundle_entry(book, bundle, decisions, day) for bundle in book.bundles.values()]
    question, settles = _best_question(book, items, decisions, flat, day)
    return Screening(
        on=day,
        eligible=tuple(e for e in entries if e.status == "eligible"),
        undetermined=tuple(e for e in entries if e.status == "undetermined"),
        ineligible=tuple(e for e in entries if e.status == "ineligible"),
        next_question=question,
        settles=settles,
        decisions=tuple(decisions[item.id] for item in items),
    )


def _order(item: CompiledItem) -> tuple[str, int, str]:
    return (item.model.jurisdiction, item.model.number or 10_000, item.id)


def _failed(decision: Decision, prefix: str = "") -> tuple[FailedRule, ...]:
    return tuple(
        FailedRule(f"{prefix}{r.rule}", r.message, r.citation) for r in decision.reasons if r.outcome == "failed"
    )


def _item_entry(decision: Decision) -> ScreenEntry:
    question = decision.next_questions[0] if decision.next_questions else None
    return ScreenEntry("item", decision.item, decision.item_id, decision.status, question, _failed(decision))


def _bundle_entry(
    book: CompiledRulebook, bundle: LoadedBundle, decisions: Mapping[str, Decision], day: dt.date
) -> ScreenEntry:
    model = bundle.model
    members = [decisions[m.item] for m in model.members]
    if not model.in_force(day):
        expired = FailedRule("bundle_in_force", f"一件事在 {day} 不在有效期内", book.cite(model.source))
        return ScreenEntry("bundle", model.name, model.id, "ineligible", None, (expired,))
    status: Status
    if any(d.status == "ineligible" for d in members):
        status = "ineligible"
    elif all(d.status == "eligible" for d in members):
        status = "eligible"
    else:
        status = "undetermined"
    failed = tuple(f for d in members for f in _failed(d, f"{d.item_id}:"))
    question = next((d.next_questions[0] for d in members if d.next_questions), None)
    return ScreenEntry("bundle", model.name, model.id, status, question if status == "undetermined" else None, failed)


def _best_question(
    book: CompiledRulebook,
    items: Sequence[CompiledItem],
    decisions: Mapping[str, Decision],
    flat: Mapping[str, Any],
    day: dt.date,
) -> tuple[Question | None, int]:
    open_items = [i for i in items if decisions[i.id].status == "undetermined"]
    settles: dict[str, int] = {}
    missing_in: dict[str, int] = {}
    first_seen: dict[str, int] = {}
    for item in open_items:
        for key in decisions[item.id].missing_facts:
            missing_in[key] = missing_in.get(key, 0) + 1
            first_seen.setdefault(key, len(first_seen))
            domain = fact_domain(book, book.vocabulary.facts[key])
            settled = domain is not None and all(
                decide_compiled(book, item, {**flat, key: value}, day).status != "undetermined" for value in domain
            )
            settles[key] = settles.get(key, 0) + settled
    if not missing_in:
        return None, 0
    best = min(missing_in, key=lambda k: (-settles[k], -missing_in[k], first_seen[k]))
    return questions_for(book, [best])[0], settles[best]
