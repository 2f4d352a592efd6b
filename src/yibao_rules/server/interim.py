"""A function that stands in for work landing from another branch; it is the one place to switch.

:func:`decide_rows` decides a batch row by row with ``book.decide`` (correct, just slower) until
``yibao_rules.batch.decide_many`` is merged. ``POST /api/v1/batch`` calls it and nothing else.
Each row's output is the decision JSON of ``POST /api/v1/decide``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from yibao_rules import serialise
from yibao_rules.errors import YibaoError
from yibao_rules.rulebook import Rulebook

__all__ = ["RowError", "decide_rows"]


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
