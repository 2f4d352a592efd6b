"""Named invariants that any rulebook should satisfy; each raises InvariantViolation with details.

Run them all with :func:`check_all`, or through the pytest plugin (``--yibao-rulebook PATH``).
The Hypothesis-based ones draw their examples from the rulebook's own vocabulary.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yibao_rules.calendar import calendar_for
from yibao_rules.rulebook import Rulebook
from yibao_rules.testing.strategies import dates, fact_values, facts_for, used_facts

__all__ = ["INVARIANTS", "InvariantViolation", "check_all"]


class InvariantViolation(AssertionError):
    """A rulebook breaks one of the invariants."""


Invariant = Callable[[Rulebook], None]
INVARIANTS: dict[str, Invariant] = {}
_SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck), database=None)


def invariant(fn: Invariant) -> Invariant:
    INVARIANTS[fn.__name__] = fn
    return fn


def _fail(problems: list[str]) -> None:
    if problems:
        raise InvariantViolation("\n".join(problems))


@invariant
def promised_within_legal(book: Rulebook) -> None:
    """A promised time limit (承诺办结时限) is never longer than the legal one (法定办结时限)."""
    problems = []
    entries: list[tuple[str, Any]] = [(i.name, i.model) for i in book.items.values()]
    entries += [(b.name, b.model) for b in book.bundles.values()]
    for name, model in entries:
        for situation in {t.situation for t in model.time_limits}:
            limits = {t.basis: t for t in model.time_limits if t.situation == situation}
            legal, promised = limits.get("legal"), limits.get("promised")
            if legal is None or promised is None or legal.kind != promised.kind:
                continue
            if legal.days is not None and promised.days is not None and promised.days > legal.days:
                problems.append(f"{name}: promised {promised.text} is longer than legal {legal.text}")
    _fail(problems)


@invariant
def deadlines_land_on_working_days(book: Rulebook) -> None:
    """Every counted due date falls on a working day, for any official submission date."""
    counted = [i.id for i in book.items.values() if any(t.days for t in i.model.time_limits)]
    if not counted:
        return

    calendar = calendar_for(book.root)

    @_SETTINGS
    @given(st.sampled_from(counted), dates(book))
    def check(item: str, day: dt.date) -> None:
        for d in book.deadline(item, day).deadlines:
            if d.due is not None and not calendar.is_working_day(d.due):
                raise InvariantViolation(f"{item}: {d.text} from {day} is due on a non-working day {d.due}")

    check()


@invariant
def rules_are_cited(book: Rulebook) -> None:
    """Every eligibility rule and time limit cites a document the rulebook defines."""
    problems = []
    for item in book.items.values():
        refs = [(r.id, r.citation.ref) for r in item.model.eligibility]
        refs += [(t.text, t.citation.ref) for t in item.model.time_limits]
        problems += [f"{item.id}: {what} cites unknown '{ref}'" for what, ref in refs if ref not in book.citations]
    _fail(problems)


@invariant
def no_dangling_references(book: Rulebook) -> None:
    """Bundle members, implemented items and inherited 情形 all exist."""
    problems = []
    for bundle in book.bundles.values():
        problems += [f"{bundle.id}: member {m.item}" for m in bundle.model.members if m.item not in book.items]
    for item in book.items.values():
        if item.model.implements and item.model.implements not in book.items:
            problems.append(f"{item.id}: implements {item.model.implements}")
        names = {s.name for s in item.model.situations}
        problems += [
            f"{item.id}: 情形 inherits {p}" for s in item.model.situations for p in s.inherits if p not in names
        ]
    _fail(problems)


@invariant
def irrelevant_facts_do_not_change_decisions(book: Rulebook) -> None:
    """Adding facts an item's rules do not use never changes its decision."""
    items = [i.id for i in book.items.values() if i.plan]
    if not items:
        return

    @_SETTINGS
    @given(st.sampled_from(items), st.data(), dates(book))
    def check(item: str, data: st.DataObject, on: dt.date) -> None:
        facts = data.draw(facts_for(book, item))
        others = sorted(set(book.vocabulary.facts) - set(used_facts(book, item)))
        extra = data.draw(st.fixed_dictionaries({}, optional={k: fact_values(book, k) for k in others}))
        before, after = book.decide(item, facts, on), book.decide(item, {**facts, **extra}, on)
        if before != after:
            raise InvariantViolation(f"{item}: adding {extra} changed {before.status} to {after.status}")

    check()


@invariant
def bundle_checklists_merge_cleanly(book: Rulebook) -> None:
    """A bundle's merged checklist lists each material once, all from its members."""
    problems = []
    for bundle in book.bundles.values():
        names = [m.name for m in book.bundle_report(bundle.id).materials]
        union = {
            m.name for mem in bundle.model.members for s in book.items[mem.item].model.situations for m in s.materials
        }
        if len(names) != len(set(names)):
            problems.append(f"{bundle.id}: a material is listed twice: {names}")
        if not set(names) <= union:
            problems.append(f"{bundle.id}: {sorted(set(names) - union)} come from no member")
    _fail(problems)


@invariant
def engines_agree(book: Rulebook) -> None:
    """With every fact known, the durable-rules engine decides exactly as the native one."""
    from yibao_rules.engines.durable import DurableEngine

    items = [i.id for i in book.items.values() if i.plan]
    if not items:
        return
    engine = DurableEngine(book)

    @_SETTINGS
    @given(st.sampled_from(items), st.data(), dates(book))
    def check(item: str, data: st.DataObject, on: dt.date) -> None:
        facts = data.draw(facts_for(book, item, complete=True))
        native, durable = book.decide(item, facts, on), engine.decide(item, facts, on)
        if native != durable:
            raise InvariantViolation(f"{item} on {on} with {facts}: native {native.status}, durable {durable.status}")

    check()


@invariant
def decisions_use_rules_in_force(book: Rulebook) -> None:
    """A decision as of a date gives a reason for exactly the rules in force that day."""
    items = [i.id for i in book.items.values() if i.plan]
    if not items:
        return

    @_SETTINGS
    @given(st.sampled_from(items), st.data(), st.dates(dt.date(2000, 1, 1), dt.date(2040, 12, 31)))
    def check(item: str, data: st.DataObject, on: dt.date) -> None:
        decision = book.decide(item, data.draw(facts_for(book, item)), on)
        expected = [r.id for r in book.item(item).model.eligibility if r.in_force(on)]
        if [r.rule for r in decision.reasons] != expected:
            raise InvariantViolation(
                f"{item} on {on}: reasons for {[r.rule for r in decision.reasons]}, rules in force {expected}"
            )

    check()


def check_all(book: Rulebook) -> dict[str, str | None]:
    """Run every invariant; map each name to None (holds) or the violation's message."""
    results: dict[str, str | None] = {}
    for name, fn in INVARIANTS.items():
        try:
            fn(book)
            results[name] = None
        except InvariantViolation as exc:
            results[name] = str(exc)
    return results
