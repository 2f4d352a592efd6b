"""Arithmetic of the condition language, bounded: shared by the checker (constant parts are
computed at load time) and the compiled closures (the rest, at evaluation time).

A date moved outside years 1–9999, a division by zero or a number too large for its type is
an :class:`EvaluationError` (a :class:`~yibao_rules.errors.YibaoError`), never Python's own
``OverflowError``.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable
from decimal import Decimal, DivisionByZero, InvalidOperation
from typing import Any

from yibao_rules.errors import YibaoError, shown

__all__ = ["MAX_DAY_SPAN", "EvaluationError", "arithmetic", "negate"]

MAX_DAY_SPAN = dt.date.max.toordinal() - dt.date.min.toordinal()
"""No whole number of days larger than this keeps any date inside years 1–9999."""


class EvaluationError(YibaoError):
    """A condition failed at run time (for example a division by zero)."""


def _shift(day: dt.date, days: Any, sign: int) -> dt.date:
    if abs(days) > MAX_DAY_SPAN:  # checked before int(): int(Decimal("1e999999")) alone takes seconds
        raise OverflowError
    return day + dt.timedelta(days=sign * int(days))


def _add(a: Any, b: Any) -> Any:
    if isinstance(a, dt.date):
        return _shift(a, b, 1)
    return a + b


def _sub(a: Any, b: Any) -> Any:
    if isinstance(a, dt.date):
        if isinstance(b, dt.date):
            return (a - b).days
        return _shift(a, b, -1)
    return a - b


def _div(a: Any, b: Any) -> Any:
    try:
        return Decimal(a) / Decimal(b)
    except (ZeroDivisionError, DivisionByZero, InvalidOperation):
        raise EvaluationError(f"除数为零 (division by zero: {_show(a)} / {_show(b)})") from None


_ARITH: dict[str, Callable[[Any, Any], Any]] = {"+": _add, "-": _sub, "*": operator.mul, "/": _div}


def _show(value: Any) -> str:
    return value.isoformat() if isinstance(value, dt.date) else shown(value)


def arithmetic(op: str, a: Any, b: Any) -> Any:
    """``a op b`` as conditions compute it (``op`` one of ``+ - * /``).

    >>> arithmetic("+", dt.date(2024, 2, 28), 2)
    datetime.date(2024, 3, 1)
    """
    try:
        return _ARITH[op](a, b)
    except EvaluationError:
        raise
    except (ArithmeticError, ValueError):  # OverflowError, decimal.Overflow, …
        if isinstance(a, dt.date):
            raise EvaluationError(
                f"日期超出范围 (date out of range: {_show(a)} {op} {_show(b)} days falls outside years 1–9999)"
            ) from None
        raise EvaluationError(f"数值超出范围 (number out of range: {_show(a)} {op} {_show(b)})") from None


def negate(value: Any) -> Any:
    try:
        return -value
    except ArithmeticError:
        raise EvaluationError(f"数值超出范围 (number out of range: -{_show(value)})") from None
