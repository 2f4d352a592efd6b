"""Reading JSON input (facts files, standard input, event logs): one bounded, typed reader.

Every reader of JSON goes through :func:`loads` (text or bytes) or :func:`read_json` (a
file), so every one refuses the same things with a :class:`JsonInputError` naming where:

* bytes that are not UTF-8 (with the line and column of the first bad byte);
* malformed JSON, ``NaN`` / ``Infinity``, and a key given twice in one object (JSON's
  own rule is that the last one silently wins, which hides contradictory input);
* numbers longer than :data:`MAX_NUMBER_LENGTH` characters and nesting deeper than
  :data:`MAX_DEPTH` (Python's parser would otherwise fail with ``ValueError`` or
  ``RecursionError``, or build values no message can show).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from yibao_rules.errors import YibaoError, shown

__all__ = ["MAX_DEPTH", "MAX_NUMBER_LENGTH", "JsonInputError", "decode", "loads", "read_json"]

MAX_DEPTH = 64
MAX_NUMBER_LENGTH = 100


class JsonInputError(YibaoError):
    """JSON input that cannot be read; the message starts with where (``file:line:col``)."""


class _Refused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def decode(raw: bytes, where: str) -> str:
    """``raw`` as UTF-8 text (a byte-order mark is dropped), or a located error."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise JsonInputError(f"{where}:{line}:{col}: 不是 UTF-8 编码 (not valid UTF-8)") from None


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _Refused(f"重复的键 (duplicate key) {shown(key)}: each key may appear once in an object")
        out[key] = value
    return out


def _integer(text: str) -> int:
    if len(text) > MAX_NUMBER_LENGTH:
        raise _Refused(f"数字过长 (a number of {len(text)} digits; at most {MAX_NUMBER_LENGTH} are accepted)")
    return int(text)


def _float(text: str) -> float:
    if len(text) > MAX_NUMBER_LENGTH:
        raise _Refused(f"数字过长 (a number of {len(text)} characters; at most {MAX_NUMBER_LENGTH} are accepted)")
    return float(text)


def _constant(text: str) -> Any:
    raise _Refused(f"不是有效的数字 (not a JSON number: {text})")


def _too_deep(value: Any) -> bool:
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        current, depth = stack.pop()
        if depth > MAX_DEPTH:
            return True
        if isinstance(current, dict):
            stack.extend((v, depth + 1) for v in current.values())
        elif isinstance(current, list):
            stack.extend((v, depth + 1) for v in current)
    return False


def loads(data: str | bytes, where: str, *, first_line: int = 1) -> Any:
    """Parse one JSON document; ``where`` (and ``first_line``, for a line of a larger file) locate errors."""
    text = decode(data, where) if isinstance(data, bytes) else data
    try:
        value = json.loads(
            text, object_pairs_hook=_pairs, parse_int=_integer, parse_float=_float, parse_constant=_constant
        )
    except json.JSONDecodeError as exc:
        raise JsonInputError(
            f"{where}:{first_line + exc.lineno - 1}:{exc.colno}: 不是合法的 JSON (not valid JSON: {exc.msg})"
        ) from None
    except _Refused as exc:
        raise JsonInputError(f"{where}:{first_line}: {exc.message}") from None
    except RecursionError:
        value = None
        deep = True
    else:
        deep = _too_deep(value)
    if deep:
        raise JsonInputError(f"{where}:{first_line}: 嵌套过深 (JSON nested deeper than {MAX_DEPTH} levels)")
    return value


def read_json(path: Path) -> Any:
    """Read and parse a JSON file (see :func:`loads`)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise JsonInputError(f"cannot read {path}: {exc.strerror or exc}") from None
    return loads(raw, str(path))
