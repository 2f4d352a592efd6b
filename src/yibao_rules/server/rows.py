"""``POST /api/v1/batch``: rows of facts, inline as JSON, decided by the batch path.

The rows go through :func:`yibao_rules.batch.decide_many`, the same SQL path as
``yibao-rules batch`` (DuckDB), so each row's answer has the CLI's columns: ``status``,
``failed``, ``unknown``, ``missing_facts`` and, for a row whose values cannot be used,
``status: "invalid"`` with ``invalid_reason``; the other rows are still decided.  For the full
explanation of one applicant (reasons, questions, notes) call ``POST /api/v1/decide``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import pyarrow as pa

from yibao_rules.batch import decide_many
from yibao_rules.errors import FactsError, YibaoError
from yibao_rules.rulebook import Rulebook

__all__ = ["ROW_COLUMNS", "MixedColumnError", "RowError", "decide_rows"]

ROW_COLUMNS = ("status", "failed", "unknown", "missing_facts", "invalid_reason")
"""What each answered row holds, as in the output of ``yibao-rules batch --on-bad-rows=report``."""


class RowError(YibaoError):
    """One row of a batch cannot be read at all; ``row`` is its index (from 0)."""

    def __init__(self, row: int, error: YibaoError) -> None:
        super().__init__(str(error))
        self.row = row
        self.error = error


class MixedColumnError(YibaoError):
    """One key of the rows (a fact or a passed-through column) has values of different JSON types."""


def decide_rows(book: Rulebook, item: str, rows: Sequence[Mapping[str, Any]], on: dt.date) -> list[dict[str, Any]]:
    """Each row's answer, in order (see the module docstring)."""
    book.item(item)  # an unknown item is the request's mistake, not a row's
    if not rows:
        return []
    # _row passes through (the batch path keeps columns that are not facts): a table needs a column
    # even when no row gives any fact
    flat = [{"_row": n, **_flat(row, n)} for n, row in enumerate(rows)]
    try:
        table = pa.Table.from_pylist(flat)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise MixedColumnError(
            f"同一列在不同行中的值类型不一致 (a key has values of different types across rows: {exc})"
        ) from None
    answered: list[dict[str, Any]] = (
        decide_many(book, item, table, on, on_bad_rows="report").select(list(ROW_COLUMNS)).to_pylist()
    )
    return answered


def _flat(row: Mapping[str, Any], n: int) -> dict[str, Any]:
    """A row keyed by party (``{"applicant": {"insurance_type": …}}``) or by fact key, as fact keys."""
    out: dict[str, Any] = {}
    for key, value in row.items():
        pairs = [(f"{key}.{name}", v) for name, v in value.items()] if isinstance(value, Mapping) else [(key, value)]
        for fact, v in pairs:
            if fact in out and out[fact] != v:
                raise RowError(
                    n, FactsError(f"事实 {fact} 给出了两个不同的值 (fact given twice with different values)")
                )
            out[fact] = v
    return out
