"""The Rulebook facade: a compiled rulebook with the engine's questions as methods.

``load_rulebook()`` reads a rules directory (the loader), and the methods call the engine
(:mod:`yibao_rules.engine`) and deadlines (:mod:`yibao_rules.deadlines`), which work on the
compiled data below this module.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from yibao_rules import deadlines as _deadlines
from yibao_rules import engine as _engine
from yibao_rules import notice as _notice
from yibao_rules import screen as _screen
from yibao_rules.compiled import CompiledRulebook
from yibao_rules.loader import load_compiled
from yibao_rules.render.guide import Guide
from yibao_rules.render.guide import guide as _guide
from yibao_rules.results import BundleReport, Checklist, DeadlineReport, Decision, Notice, Screening

__all__ = ["Rulebook", "load_rulebook"]


@dataclasses.dataclass(frozen=True)
class Rulebook(CompiledRulebook):
    """A validated, compiled set of rules. Build one with :func:`yibao_rules.load_rulebook`."""

    @classmethod
    def of(cls, compiled: CompiledRulebook) -> Rulebook:
        """The facade over an already compiled rulebook."""
        return cls(**{f.name: getattr(compiled, f.name) for f in dataclasses.fields(CompiledRulebook)})

    def decide(self, item: str, facts: Mapping[str, Any] | None = None, on: dt.date | None = None) -> Decision:
        """Eligibility for ``item`` as of ``on`` (default today), with reasons and next questions.

        >>> from yibao_rules import load_rulebook
        >>> book = load_rulebook()
        >>> facts = {"family_member": {"relationship": "兄弟姐妹"}}
        >>> book.decide("职工医保个人账户家庭共济办理", facts, on=dt.date(2022, 7, 1)).status
        'ineligible'
        """
        return _engine.decide(self, item, facts, on)

    def checklist(
        self, item: str, facts: Mapping[str, Any] | None = None, situation: str | None = None, on: dt.date | None = None
    ) -> Checklist:
        """The materials for one 情形 of ``item``, inherited materials expanded, each once."""
        return _engine.checklist(self, item, facts, situation, on)

    def bundle_report(
        self, bundle: str, facts: Mapping[str, Any] | None = None, on: dt.date | None = None
    ) -> BundleReport:
        """Members' decisions, the merged checklist, and computed metrics next to the claims."""
        return _engine.bundle_report(self, bundle, facts, on)

    def screen(self, facts: Mapping[str, Any] | None = None, on: dt.date | None = None) -> Screening:
        """Every item and bundle for one applicant, grouped eligible / undetermined / ineligible (一次告知).

        >>> from yibao_rules import load_rulebook
        >>> result = load_rulebook().screen({}, on=dt.date(2024, 1, 1))
        >>> result.eligible == ()   # with no facts at all, no item is eligible
        True
        """
        return _screen.screen(self, facts, on)

    def notice(
        self,
        item: str,
        facts: Mapping[str, Any] | None = None,
        situation: str | None = None,
        submitted: dt.datetime | dt.date | None = None,
        on: dt.date | None = None,
    ) -> Notice:
        """The 一次性告知单 of ``item``; lay it out with :func:`yibao_rules.render.render_notice`.

        >>> from yibao_rules import load_rulebook
        >>> from yibao_rules.render import render_notice
        >>> n = load_rulebook().notice("门诊费用报销", situation="意外伤害就医",
        ...                            submitted=dt.datetime(2026, 9, 28, 10, 0))
        >>> n.deadline.due("stated").isoformat()
        '2026-11-13'
        >>> "处方底方" in render_notice(n, "html")
        True
        """
        return _notice.notice(self, item, facts, situation, submitted, on)

    def guide(self, name: str, on: dt.date | None = None) -> Guide:
        """The 办事指南 of an item or bundle as of ``on`` (default today); lay it out with
        :func:`yibao_rules.render.render_guide`.

        >>> from yibao_rules import load_rulebook
        >>> g = load_rulebook().guide("门诊费用报销", on=dt.date(2026, 1, 1))
        >>> [s.name for s in g.situations]
        ['普通门诊', '意外伤害就医', '急诊']
        >>> "处方底方" in g.materials
        True
        """
        return _guide(self, name, on)

    def deadline(self, item: str, submitted: dt.datetime | dt.date, **options: Any) -> DeadlineReport:
        """Receipt day and due dates of ``item`` for a submission (see :mod:`yibao_rules.deadlines`)."""
        return _deadlines.item_deadlines(self, item, submitted, **options)


def load_rulebook(path: str | Path | None = None) -> Rulebook:
    """Load, validate and compile a rules directory (default: the embedded rulebook).

    Raises :class:`~yibao_rules.errors.RulebookError` listing every problem found.

    >>> book = load_rulebook()
    >>> book.item("职工医保个人账户家庭共济办理").id
    'family_mutual_aid'
    """
    return Rulebook.of(load_compiled(path))
