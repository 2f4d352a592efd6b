"""The compiled rulebook: validated models plus compiled conditions, looked up by id or name.

The loader builds these; the engine and deadlines compute on them. Nothing here knows the
engine: :class:`yibao_rules.rulebook.Rulebook` adds the friendly methods on top.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from yibao_rules.errors import SourceLocation, UnknownItemError, did_you_mean
from yibao_rules.expr import Checked, Evaluator
from yibao_rules.schema import Bundle, Citation, CitationRef, EligibilityRule, Item, Jurisdiction, NamedSet
from yibao_rules.vocabulary import Vocabulary
from yibao_rules.yaml_source import YamlDocument, YamlPath

__all__ = [
    "DECIDING_NOTE_KINDS",
    "CompiledCondition",
    "CompiledItem",
    "CompiledRulebook",
    "LoadedBundle",
    "RulePlan",
    "citation_label",
    "citation_start",
    "format_citation",
    "policy_note",
    "rule_start",
]

_NOTE_KINDS = {
    "gap": "来源缺口 gap",
    "conflict": "来源冲突 conflict",
    "interpretation": "本规则库的解释 interpretation",
}
DECIDING_NOTE_KINDS = frozenset(_NOTE_KINDS)
"""The kinds of note a decision carries: the ones that qualify an answer (not ``fact``)."""


def policy_note(kind: str, about: str, text: str) -> str:
    """A note as a decision shows it: ``〔来源缺口 gap〕规则 relative_in_scope_111：…``."""
    return f"〔{_NOTE_KINDS.get(kind, kind)}〕{about}：{text}"


@dataclass(frozen=True)
class CompiledCondition:
    """A condition string, its checked tree and its closure, and where it was written."""

    text: str
    checked: Checked
    evaluate: Evaluator = field(repr=False)
    location: SourceLocation
    facts: frozenset[str] = frozenset()
    """Every fact the condition depends on, through named predicates too."""


@dataclass(frozen=True)
class RulePlan:
    """One eligibility rule ready to evaluate: its closure, dates, and prepared reasons."""

    rule: EligibilityRule
    condition: CompiledCondition
    citation: str
    start: dt.date | None
    end: dt.date | None
    passed: Any = field(repr=False)
    failed: Any = field(repr=False)
    notes: tuple[str, ...] = field(default=(), repr=False)
    """The gap, conflict and interpretation notes of the rule, the named sets and predicates its
    condition uses, and its citation: returned with every decision this rule decides."""

    @property
    def evaluate(self) -> Evaluator:
        return self.condition.evaluate


@dataclass(frozen=True)
class CompiledItem:
    model: Item
    file: str
    conditions: Mapping[YamlPath, CompiledCondition] = field(repr=False)
    source: YamlDocument | None = field(default=None, repr=False, compare=False)
    plan: tuple[RulePlan, ...] = field(default=(), repr=False, compare=False)
    lineages: tuple[tuple[int, ...], ...] = field(default=(), repr=False, compare=False)
    """Per 情形 (by index): the indexes of the 情形 it inherits, parents first, then its own;
    resolved once at load time."""
    dated_from: tuple[dt.date, str] | None = field(default=None, repr=False, compare=False)
    """The earliest day any of the item's rules is known to apply, and why (see
    :func:`rule_start`); a decision before it lies outside the rulebook's dated range."""
    _boundaries: list[int] = field(default_factory=list, repr=False, compare=False)
    _versions: dict[int, tuple[RulePlan, ...]] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        # The rules in force only change on these days (an effective_from, or the day after
        # an effective_to), so the set in force is looked up per interval, not recomputed.
        days = {s.start.toordinal() for s in self.plan if s.start} | {s.end.toordinal() + 1 for s in self.plan if s.end}
        self._boundaries.extend(sorted(days))

    def rules_in_force(self, day: dt.date) -> tuple[RulePlan, ...]:
        """The rule plan entries in force on ``day``, in file order."""
        interval = bisect.bisect_right(self._boundaries, day.toordinal())
        found = self._versions.get(interval)
        if found is None:
            found = tuple(
                s for s in self.plan if (s.start is None or s.start <= day) and (s.end is None or day <= s.end)
            )
            self._versions[interval] = found
        return found

    @property
    def id(self) -> str:
        return self.model.id

    @property
    def name(self) -> str:
        return self.model.name


@dataclass(frozen=True)
class LoadedBundle:
    model: Bundle
    file: str
    source: YamlDocument | None = field(default=None, repr=False, compare=False)

    @property
    def id(self) -> str:
        return self.model.id

    @property
    def name(self) -> str:
        return self.model.name


@dataclass(frozen=True)
class CompiledRulebook:
    """A validated, compiled set of rules: what the loader produces and the engine reads."""

    root: Path
    vocabulary: Vocabulary
    citations: Mapping[str, Citation]
    items: Mapping[str, CompiledItem]
    bundles: Mapping[str, LoadedBundle]
    jurisdictions: Mapping[str, Jurisdiction]
    sets: Mapping[str, NamedSet]
    predicates: Mapping[str, CompiledCondition]
    documents: Mapping[str, YamlDocument] = field(default_factory=dict, repr=False, compare=False)
    version: str = ""
    """``rulebook_version``: the package version plus a content hash of the rules directory."""
    material_names: Mapping[str, str] = field(default_factory=dict, repr=False)
    """The material catalogue (``materials.yaml``): each spelling → the one name of its document."""

    def material_identity(self, name: str) -> str:
        """The catalogue name of a material (its own name when it is not catalogued)."""
        return self.material_names.get(name, name)

    def item(self, key: str) -> CompiledItem:
        """An item by its id or its exact Chinese name."""
        return _lookup(self.items, key, "item", "`yibao-rules items` lists them")

    def bundle(self, key: str) -> LoadedBundle:
        """A bundle (一件事 / 一事联办) by its id or its exact Chinese name."""
        return _lookup(self.bundles, key, "bundle", "`yibao-rules items --bundles` lists them")

    def citation_text(self, ref_id: str, clause: str | None = None) -> str:
        """A human-readable citation: 《title》（document number）clause."""
        return format_citation(self.citations[ref_id], clause)

    def cite(self, ref: CitationRef) -> str:
        """A citation reference as text, with its clause and section: 《title》（number）第十六条."""
        return citation_label(self.citations[ref.ref], ref)


def format_citation(c: Citation, clause: str | None = None) -> str:
    text = f"《{c.title}》"
    if c.document_number:
        text += f"（{c.document_number}）"
    if clause:
        text += clause
    return text


_DOCUMENT_YEAR = re.compile(r"〔(\d{4})〕")


def citation_start(c: Citation) -> tuple[dt.date, str] | None:
    """The earliest day a policy document can apply, and how that is known.

    Its 实施日期 when a source gives one; else the day it was issued; else 1 January of the year
    in its 文号 (a document numbered 〔2021〕 cannot apply before 2021).  ``None`` when nothing
    dates it.
    """
    name = c.document_number or f"《{c.title}》"
    if isinstance(c.effective_date, dt.date):
        return c.effective_date, f"{name} 实施日期 {c.effective_date}"
    if c.issued is not None:
        return c.issued, f"{name} 印发于 {c.issued}"
    found = _DOCUMENT_YEAR.search(c.document_number or "")
    if found and 1 <= int(found.group(1)) <= 9999:
        return dt.date(int(found.group(1)), 1, 1), f"{name} 为 {found.group(1)} 年文件"
    return None


def rule_start(rule: EligibilityRule, citation: Citation | None) -> tuple[dt.date, str] | None:
    """The earliest day ``rule`` is known to apply: its ``effective_from``, else its citation's."""
    if rule.effective_from is not None:
        return rule.effective_from, f"规则 {rule.id} 自 {rule.effective_from} 起生效"
    return citation_start(citation) if citation is not None else None


def citation_label(c: Citation, ref: CitationRef) -> str:
    """The citation with the clause and section that ``ref`` points at."""
    return format_citation(c, " ".join(part for part in (ref.clause, ref.section) if part) or None)


_Named = TypeVar("_Named", CompiledItem, LoadedBundle)


def _lookup(table: Mapping[str, _Named], key: str, what: str, listing: str) -> _Named:
    """An entry of ``table`` by id or exact Chinese name; a clear error with the closest one."""
    if not isinstance(key, str):
        raise UnknownItemError(f"a {what} is named by its id or Chinese name (text), not {type(key).__name__}")
    found = table.get(key) or next((entry for entry in table.values() if entry.name == key), None)
    if found is None:
        names = [*table, *(entry.name for entry in table.values())]
        zh = "一件事" if what == "bundle" else "事项"
        raise UnknownItemError(f"未知的{zh} (unknown {what} '{key}'{did_you_mean(key, names)}; {listing})")
    return found
