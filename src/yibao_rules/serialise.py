"""The one JSON contract: results and rulebook entries as the README's "JSON output" shapes.

The CLI's ``--json`` and the HTTP API (``/api/v1``) both build their bodies here, so the two
cannot drift apart. A result type's own ``to_json`` gives its fields; this module adds what
the type does not know (``rulebook_version`` for results that do not carry it, the listing
rows of items and bundles, problems, calendar days) and writes the text.

Every object answer carries ``rulebook_version``: the package version plus a content hash of
the rules, the same value as ``Decision.rulebook_version`` and the 告知单's.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from typing import Any

from yibao_rules.calendar import DayInfo, describe
from yibao_rules.compiled import CompiledItem, CompiledRulebook, LoadedBundle
from yibao_rules.errors import Problem
from yibao_rules.results import BundleReport, Checklist, DeadlineReport, Decision, Notice, Screening

__all__ = [
    "bundle_json",
    "bundle_summary",
    "calendar_json",
    "check_json",
    "checklist_json",
    "count_json",
    "deadline_json",
    "decision_json",
    "dumps",
    "entry_json",
    "item_order",
    "item_summary",
    "notice_json",
    "problem_json",
    "screening_json",
    "to_bytes",
]


# -- writing --------------------------------------------------------------------------------


def dumps(data: Any) -> str:
    """The CLI's layout: indented, Chinese left as is."""
    return json.dumps(data, ensure_ascii=False, indent=2, default=str)


def to_bytes(data: Any) -> bytes:
    """The API's layout: compact UTF-8 (the same data as :func:`dumps`)."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str).encode("utf-8")


# -- answers ----------------------------------------------------------------------------------


def decision_json(decision: Decision) -> dict[str, Any]:
    """``evaluate --json`` and ``POST /api/v1/decide`` (the decision carries its own version)."""
    return decision.to_json()


def checklist_json(checklist: Checklist, version: str) -> dict[str, Any]:
    """``checklist --json`` and ``POST /api/v1/checklist``."""
    return {**checklist.to_json(), "rulebook_version": version}


def screening_json(screening: Screening, version: str) -> dict[str, Any]:
    """``screen --json`` and ``POST /api/v1/screen``."""
    return {**screening.to_json(), "rulebook_version": version}


def bundle_json(report: BundleReport, version: str) -> dict[str, Any]:
    """``bundle --json`` and ``POST /api/v1/bundle``."""
    return {**report.to_json(), "rulebook_version": version}


def deadline_json(report: DeadlineReport, version: str) -> dict[str, Any]:
    """``deadline ITEM --submitted … --json`` and ``POST /api/v1/deadline``."""
    return {**report.to_json(), "rulebook_version": version}


def count_json(
    start: dt.date,
    kind: str,
    n: int,
    due: dt.date,
    provisional: bool,
    skipped: Sequence[DayInfo],
    made_up: Sequence[DayInfo],
) -> dict[str, Any]:
    """``deadline --start DATE --working-days N --json``: a plain count on the calendar."""
    return {
        "start": start.isoformat(),
        kind: n,
        "due": due.isoformat(),
        "provisional": provisional,
        "skipped": describe(skipped),
        "make_up_working_days": describe(made_up),
    }


def notice_json(notice: Notice) -> dict[str, Any]:
    """``notice --json`` and ``POST /api/v1/notice`` with ``format: json``."""
    return notice.to_json()


# -- the rulebook's entries -------------------------------------------------------------------


def item_order(item: CompiledItem) -> tuple[str, int, str]:
    """Items listed by jurisdiction, then guide number, then id."""
    return (item.model.jurisdiction, item.model.number or 0, item.id)


def item_summary(book: CompiledRulebook, item: CompiledItem) -> dict[str, Any]:
    """One row of ``items --json``."""
    m = item.model
    return {
        "id": m.id,
        "name": m.name,
        "number": m.number,
        "category": m.category,
        "jurisdiction": {"code": m.jurisdiction, "name": book.vocabulary.divisions.name(m.jurisdiction)},
        "item_type": m.item_type,
        "implements": m.implements,
        "source": book.citation_text(m.source.ref),
    }


def bundle_summary(book: CompiledRulebook, bundle: LoadedBundle) -> dict[str, Any]:
    """One row of ``items --bundles --json``."""
    m = bundle.model
    return {
        "id": m.id,
        "name": m.name,
        "kind": m.kind,
        "jurisdiction": {"code": m.jurisdiction, "name": book.vocabulary.divisions.name(m.jurisdiction)},
        "members": [{"id": mem.item, "name": book.items[mem.item].name} for mem in m.members],
    }


def entry_json(found: CompiledItem | LoadedBundle) -> dict[str, Any]:
    """``show ITEM --json``: every field of the rule file, after ``type``."""
    entry_type = "item" if isinstance(found, CompiledItem) else "bundle"
    return {"type": entry_type, **found.model.model_dump(mode="json")}


# -- checking and the calendar ----------------------------------------------------------------


def problem_json(problem: Problem) -> dict[str, Any]:
    """One located problem of ``check --json``."""
    loc = problem.location
    return {
        "path": loc.path,
        "line": loc.line,
        "col": loc.col,
        "message": problem.message,
        "severity": problem.severity,
    }


def check_json(
    problems: Iterable[Problem], book: CompiledRulebook | None = None, version: str | None = None
) -> dict[str, Any]:
    """``check --json``: ``ok`` and every problem; with the loaded ``book``, how many items and bundles.

    ``version`` (the API's) is the rulebook that answered, not the one checked.
    """
    data: dict[str, Any] = {"ok": book is not None, "problems": [problem_json(p) for p in problems]}
    if book is not None:
        data["items"] = len(book.items)
        data["bundles"] = len(book.bundles)
    if version is not None:
        data["rulebook_version"] = version
    return data


def calendar_json(days: Iterable[DayInfo]) -> list[dict[str, Any]]:
    """``calendar YYYY-MM --json``: each day of a month."""
    return [
        {"date": d.date.isoformat(), "working": d.working, "kind": d.kind, "name": d.name, "provisional": d.provisional}
        for d in days
    ]
