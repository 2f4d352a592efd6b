"""Hypothesis strategies generated from a rulebook's vocabulary.

>>> from yibao_rules import load_rulebook
>>> book = load_rulebook()
>>> strategy = facts_for(book, "职工医保个人账户家庭共济办理", complete=True)   # every fact its rules use
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from yibao_rules.calendar import WorkingCalendar, calendar_for
from yibao_rules.rulebook import Rulebook

__all__ = ["MutatedRulebook", "applicants", "dates", "fact_values", "facts_for", "rulebooks", "used_facts"]


def fact_values(book: Rulebook, key: str) -> st.SearchStrategy[Any]:
    """Valid input values for one fact (provinces by name, short name or code)."""
    fact = book.vocabulary.facts[key]
    divisions = book.vocabulary.divisions
    match fact.kind:
        case "bool":
            return st.booleans()
        case "enum":
            return st.sampled_from(fact.values)
        case "enum_set":
            return st.lists(st.sampled_from(fact.values), unique=True)
        case "province":
            provinces = [d for d in divisions.by_code.values() if d.level == "省级"]
            return st.sampled_from(provinces).flatmap(
                lambda d: st.sampled_from([d.name, d.code, *([d.short_name] if d.short_name else [])])
            )
        case "admin_division":
            return st.sampled_from(sorted(divisions.by_code))
        case "int":
            return st.integers(-(10**6), 10**6)
        case "decimal":
            return st.decimals(min_value=-(10**6), max_value=10**6, places=2, allow_nan=False)
        case "date":
            low, high = fact.spec.minimum or dt.date(1900, 1, 1), fact.spec.maximum or dt.date(2100, 12, 31)
            return st.dates(min_value=low, max_value=high)
    return st.text(max_size=20)


def used_facts(book: Rulebook, item: str) -> list[str]:
    """Every fact the item's eligibility rules depend on."""
    compiled = book.item(item)
    return sorted(set().union(*(step.condition.facts for step in compiled.plan)))


def facts_for(book: Rulebook, item: str, *, complete: bool = False) -> st.SearchStrategy[dict[str, Any]]:
    """Flat fact dicts for ``item``: all of its facts (``complete``) or any subset of them."""
    keys = used_facts(book, item)
    if complete:
        return st.fixed_dictionaries({k: fact_values(book, k) for k in keys})
    return st.fixed_dictionaries({}, optional={k: fact_values(book, k) for k in keys})


def applicants(book: Rulebook) -> st.SearchStrategy[dict[str, Any]]:
    """Partial fact dicts over every fact of the vocabulary, nested by party."""
    keys = sorted(book.vocabulary.facts)
    flat = st.fixed_dictionaries({}, optional={k: fact_values(book, k) for k in keys})

    def nest(facts: dict[str, Any]) -> dict[str, Any]:
        nested: dict[str, dict[str, Any]] = {}
        for key, value in facts.items():
            party, name = key.split(".", 1)
            nested.setdefault(party, {})[name] = value
        return nested

    return flat.map(nest)


def dates(
    book: Rulebook | None = None, *, official_only: bool = True, calendar: WorkingCalendar | None = None
) -> st.SearchStrategy[dt.date]:
    """Dates the calendar covers; with ``official_only``, only days an official notice covers."""
    from yibao_rules.calendar import default_calendar

    cal = calendar or (calendar_for(book.root) if book is not None else default_calendar())
    high = cal.official_until if official_only else cal.last
    return st.dates(min_value=cal.first, max_value=high)


@dataclass(frozen=True)
class MutatedRulebook:
    """The text of every file of a rulebook after one random edit."""

    files: dict[str, str]
    description: str

    def write(self, target: Path) -> Path:
        for rel, text in self.files.items():
            path = target / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        return target


_EDITS = ["delete_line", "duplicate_line", "replace_token", "insert_text", "truncate"]


def rulebooks(base: Path) -> st.SearchStrategy[MutatedRulebook]:
    """A rulebook directory with one random edit to one of its YAML files (for hardening tests)."""
    files = {str(p.relative_to(base)): p.read_text(encoding="utf-8") for p in sorted(base.rglob("*.yaml"))}
    names = sorted(files)
    junk = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=12) | st.sampled_from(
        [
            "[",
            "]",
            "{",
            ": :",
            "&a",
            "*a",
            "!!python/object",
            "- ",
            "  ",
            "\t",
            "'",
            '"',
            "甘肃省",
            "1e999",
            "2023-02-30",
        ]
    )

    @st.composite
    def edit(draw: st.DrawFn) -> MutatedRulebook:
        name = draw(st.sampled_from(names))
        lines = files[name].splitlines(keepends=True) or [""]
        kind = draw(st.sampled_from(_EDITS))
        i = draw(st.integers(0, len(lines) - 1))
        if kind == "delete_line":
            lines.pop(i)
        elif kind == "duplicate_line":
            lines.insert(i, lines[i])
        elif kind == "replace_token":
            tokens = lines[i].split(" ")
            j = draw(st.integers(0, len(tokens) - 1))
            tokens[j] = draw(junk)
            lines[i] = " ".join(tokens)
        elif kind == "insert_text":
            lines.insert(i, draw(junk) + "\n")
        else:
            lines = lines[:i]
        return MutatedRulebook({**files, name: "".join(lines)}, f"{kind} at {name}:{i + 1}")

    return edit()
