"""Two functions that stand in for work landing from other branches; each is the one place to switch.

- :func:`guide_text` renders an item's 办事指南 from its existing data until the shared guide
  renderer (``book.guide``, ``render/`` guide templates) is merged. ``GET /api/v1/guide/{id}``
  and the page ``/items/{id}`` both call it and nothing else.
- :func:`decide_rows` decides a batch row by row with ``book.decide`` (correct, just slower)
  until ``yibao_rules.batch.decide_many`` is merged. ``POST /api/v1/batch`` calls it and
  nothing else. Each row's output is the decision JSON of ``POST /api/v1/decide``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from yibao_rules import serialise
from yibao_rules.compiled import CompiledItem
from yibao_rules.errors import YibaoError
from yibao_rules.render import render_page
from yibao_rules.rulebook import Rulebook
from yibao_rules.schema import BASIS_LABELS

__all__ = ["GuideFormat", "RowError", "decide_rows", "guide_text"]

GuideFormat = Literal["html", "markdown"]


def guide_text(book: Rulebook, item: CompiledItem, fmt: GuideFormat) -> str:
    """The 办事指南 of ``item`` as an HTML fragment (a ``<section>``) or a Markdown document.

    Interim: name, 受理条件 from the rules, the materials of each 情形 (``book.checklist``),
    time limits, citations and staff notes. The lead switches this one function to the
    shared guide renderer.
    """
    m = item.model
    situations = []
    for s in m.situations:
        try:
            materials = book.checklist(m.id, situation=s.name).materials
        except YibaoError:  # a 情形 the checklist cannot list on its own: show its name only
            materials = ()
        situations.append({"name": s.name, "materials": materials})
    context = {
        "item": m,
        "jurisdiction": book.vocabulary.divisions.name(m.jurisdiction),
        "rules": [
            {
                "id": r.id,
                "condition": r.condition,
                "message": r.message,
                "citation": book.citation_text(r.citation.ref, r.citation.clause),
                "effective_from": r.effective_from,
                "effective_to": r.effective_to,
            }
            for r in m.eligibility
        ],
        "situations": situations,
        "time_limits": [
            {"basis": BASIS_LABELS[t.basis], "text": t.text, "situation": t.situation, "applies_when": t.applies_when}
            for t in m.time_limits
        ],
        "citations": [book.citation_text(m.source.ref), *(book.citation_text(c.ref, c.clause) for c in m.citations)],
        "notes": m.notes,
        "version": book.version,
    }
    return render_page("guide.html" if fmt == "html" else "guide.md", **context)


class RowError(YibaoError):
    """One row of a batch is bad input; ``row`` is its index (from 0)."""

    def __init__(self, row: int, error: YibaoError) -> None:
        super().__init__(str(error))
        self.row = row
        self.error = error


def decide_rows(book: Rulebook, item: str, rows: Sequence[Mapping[str, Any]], on: dt.date) -> list[dict[str, Any]]:
    """Each row's decision JSON, in order; the first bad row raises :class:`RowError`.

    Interim: ``book.decide`` per row. The lead switches this one function to
    ``yibao_rules.batch.decide_many``.
    """
    book.item(item)  # an unknown item is the request's mistake, not a row's
    out = []
    for n, facts in enumerate(rows):
        try:
            out.append(serialise.decision_json(book.decide(item, facts, on)))
        except YibaoError as exc:
            raise RowError(n, exc) from None
    return out
