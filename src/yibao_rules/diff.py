"""Rule-change impact: what an edit to the rules changes, and whom it affects.

:func:`diff_rulebooks` lists added, removed and changed items, eligibility rules, 情形,
materials and time limits (and bundle members), and for every item whose eligibility
changed it searches for a concrete applicant whose decision flips.

**How the applicant is found.** Only the values a condition mentions can make a difference:
for each fact the item's rules use (in either version) the candidates are the values the
conditions and named sets mention, plus one value they do not mention (all unmentioned values
behave alike), and both values of a yes/no fact. Every combination is tried, as of every date
on which either version's rules start or stop applying (and the day before), so a flip that
exists among these facts and dates is found; an applicant is reported with both decisions.
Facts of other types (numbers, dates, free text) are left unknown in the search.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from yibao_rules.calendar import beijing_today
from yibao_rules.compiled import CompiledItem
from yibao_rules.expr.ast import Literal as Lit
from yibao_rules.expr.ast import Name, walk
from yibao_rules.rulebook import Rulebook

__all__ = ["Change", "Flip", "RulebookDiff", "diff_rulebooks"]

SEARCH_LIMIT = 50_000
_FIRST, _LAST = dt.date.min.toordinal(), dt.date.max.toordinal()


@dataclass(frozen=True)
class Change:
    change: Literal["added", "removed", "changed"]
    what: str
    subject: str
    detail: str

    def to_json(self) -> dict[str, str]:
        return {"change": self.change, "what": self.what, "subject": self.subject, "detail": self.detail}


@dataclass(frozen=True)
class Flip:
    """An applicant whose decision differs between the two rulebooks."""

    item: str
    on: dt.date
    facts: Mapping[str, Mapping[str, Any]]
    old_status: str
    new_status: str
    old_failed: tuple[str, ...]
    new_failed: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "item": self.item,
            "on": self.on.isoformat(),
            "facts": {k: dict(v) for k, v in self.facts.items()},
            "old": {"status": self.old_status, "failed": list(self.old_failed)},
            "new": {"status": self.new_status, "failed": list(self.new_failed)},
        }


@dataclass(frozen=True)
class RulebookDiff:
    changes: tuple[Change, ...]
    flips: tuple[Flip, ...]
    unsearched: tuple[str, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        return {
            "changes": [c.to_json() for c in self.changes],
            "flips": [f.to_json() for f in self.flips],
            "unsearched": list(self.unsearched),
        }


def diff_rulebooks(old: Rulebook, new: Rulebook) -> RulebookDiff:
    """Compare two rulebooks (see the module docstring)."""
    changes: list[Change] = []
    flips: list[Flip] = []
    unsearched: list[str] = []
    changes += _keyed("item", {i: x.name for i, x in old.items.items()}, {i: x.name for i, x in new.items.items()})
    changes += _keyed(
        "bundle", {b: x.name for b, x in old.bundles.items()}, {b: x.name for b, x in new.bundles.items()}
    )
    for item_id in sorted(old.items.keys() & new.items.keys()):
        before, after = old.items[item_id], new.items[item_id]
        item_changes = _item_changes(before, after)
        changes += item_changes
        if any(c.what == "rule" for c in item_changes):
            found = _find_flip(old, new, before, after)
            if found is None and not _searchable(old, before) | _searchable(new, after):
                unsearched.append(after.name)
            elif found is not None:
                flips.append(found)
    for bundle_id in sorted(old.bundles.keys() & new.bundles.keys()):
        a, b = old.bundles[bundle_id].model, new.bundles[bundle_id].model
        changes += _keyed(
            "bundle member", {m.item: m.item for m in a.members}, {m.item: m.item for m in b.members}, subject=b.name
        )
        if _limits(a.time_limits) != _limits(b.time_limits):
            changes.append(
                Change("changed", "time limit", b.name, f"{_limits(a.time_limits)} → {_limits(b.time_limits)}")
            )
    return RulebookDiff(tuple(changes), tuple(flips), tuple(unsearched))


def _keyed(what: str, old: Mapping[str, str], new: Mapping[str, str], subject: str | None = None) -> list[Change]:
    out = [Change("removed", what, subject or name, key) for key, name in old.items() if key not in new]
    out += [Change("added", what, subject or name, key) for key, name in new.items() if key not in old]
    return out


def _limits(limits: Iterable[Any]) -> list[str]:
    def show(t: Any) -> str:
        counted = f" [{t.kind} {t.days}]" if t.days is not None else f" [{t.kind}]"
        return f"{t.basis}{'/' + t.situation if t.situation else ''}: {t.text}{counted}"

    return [show(t) for t in limits]


def _item_changes(before: CompiledItem, after: CompiledItem) -> list[Change]:
    a, b = before.model, after.model
    name = b.name
    rules_a = {r.id: r for r in a.eligibility}
    rules_b = {r.id: r for r in b.eligibility}
    out = _keyed("rule", {k: name for k in rules_a}, {k: name for k in rules_b}, subject=name)
    for rule_id in sorted(rules_a.keys() & rules_b.keys()):
        ra, rb = rules_a[rule_id], rules_b[rule_id]
        for attr in ("condition", "effective_from", "effective_to", "message", "citation"):
            va, vb = getattr(ra, attr), getattr(rb, attr)
            if va != vb:
                out.append(Change("changed", "rule", name, f"{rule_id}.{attr}: {_show(va)} → {_show(vb)}"))
    sits_a = {s.name: s for s in a.situations}
    sits_b = {s.name: s for s in b.situations}
    out += _keyed("情形", {k: name for k in sits_a}, {k: name for k in sits_b}, subject=name)
    for sit in sorted(sits_a.keys() & sits_b.keys()):
        ma = {m.name: m for m in sits_a[sit].materials}
        mb = {m.name: m for m in sits_b[sit].materials}
        out += [Change("removed", "material", name, f"{sit}: {m}") for m in ma if m not in mb]
        out += [Change("added", "material", name, f"{sit}: {m}") for m in mb if m not in ma]
        out += [Change("changed", "material", name, f"{sit}: {m}") for m in ma.keys() & mb.keys() if ma[m] != mb[m]]
    if _limits(a.time_limits) != _limits(b.time_limits):
        out.append(Change("changed", "time limit", name, f"{_limits(a.time_limits)} → {_limits(b.time_limits)}"))
    return out


def _show(value: Any) -> str:
    if value is None:
        return "—"
    if hasattr(value, "ref"):
        return f"{value.ref}{' ' + value.clause if value.clause else ''}"
    return str(value)


# -- the search for a flipping applicant --------------------------------------------------------


def _searchable(book: Rulebook, item: CompiledItem) -> set[str]:
    kinds = ("bool", "enum", "province", "admin_division")
    return {f for step in item.plan for f in step.condition.facts if book.vocabulary.facts[f].kind in kinds}


def _mentioned(book: Rulebook, item: CompiledItem) -> set[Any]:
    """Every literal value the item's conditions (with predicates and named sets) mention."""
    values: set[Any] = set()
    seen: set[str] = set()

    def visit(expr: Any) -> None:
        for node in walk(expr):
            if isinstance(node, Lit):
                values.add(node.value)
            elif isinstance(node, Name) and node.name not in seen:
                seen.add(node.name)
                if node.name in book.sets:
                    values.update(book.sets[node.name].values)
                elif node.name in book.predicates:
                    visit(book.predicates[node.name].checked.expr)

    for step in item.plan:
        visit(step.condition.checked.expr)
    return values


def _domain(book: Rulebook, key: str) -> list[Any]:
    fact = book.vocabulary.facts[key]
    if fact.kind == "bool":
        return [True, False]
    if fact.kind == "enum":
        return list(fact.values)
    if fact.kind == "province":
        return [c for c, d in book.vocabulary.divisions.by_code.items() if d.level == "省级"]
    return sorted(book.vocabulary.divisions.by_code)


def _candidates(old: Rulebook, new: Rulebook, key: str, mentioned: set[Any]) -> list[Any]:
    """Values of ``key`` to try: those the conditions name, plus one other.

    Only values that both rulebooks accept are tried, so a value added to (or dropped from) a
    fact's vocabulary between the two does not make either side refuse the facts.
    """
    accepted = set(_domain(old, key))
    domain = [v for v in _domain(new, key) if v in accepted]
    named = [v for v in domain if v in mentioned]
    other = next((v for v in domain if v not in mentioned), None)
    return named + ([other] if other is not None else [])


def _dates(items: Iterable[CompiledItem]) -> list[dt.date]:
    days: set[dt.date] = set()
    for item in items:
        for step in item.plan:
            for day in (step.start, step.end):
                if day is not None:  # the day itself and its neighbours that exist (not before 0001-01-01…)
                    days.update(
                        dt.date.fromordinal(o)
                        for o in (day.toordinal() - 1, day.toordinal(), day.toordinal() + 1)
                        if _FIRST <= o <= _LAST
                    )
    return sorted(days) or [beijing_today()]


def _find_flip(old: Rulebook, new: Rulebook, before: CompiledItem, after: CompiledItem) -> Flip | None:
    keys = sorted(_searchable(old, before) | _searchable(new, after))
    keys = [k for k in keys if k in old.vocabulary.facts and k in new.vocabulary.facts]
    mentioned = _mentioned(old, before) | _mentioned(new, after)
    choices = [_candidates(old, new, k, mentioned) for k in keys]
    size = 1
    for c in choices:
        size *= len(c)
    if size > SEARCH_LIMIT:
        return None
    for day in _dates([before, after]):
        for combo in itertools.product(*choices):
            flat = dict(zip(keys, combo, strict=True))
            a, b = old.decide(before.id, flat, day), new.decide(after.id, flat, day)
            if a.status != b.status:
                nested: dict[str, dict[str, Any]] = {}
                for key, value in flat.items():
                    party, name = key.split(".", 1)
                    fact = new.vocabulary.facts[key]
                    shown = (
                        new.vocabulary.divisions.name(value) if fact.kind in ("province", "admin_division") else value
                    )
                    nested.setdefault(party, {})[name] = shown
                failed_a = tuple(r.rule for r in a.reasons if r.outcome == "failed")
                failed_b = tuple(r.rule for r in b.reasons if r.outcome == "failed")
                return Flip(after.name, day, nested, a.status, b.status, failed_a, failed_b)
    return None
