"""Pydantic validation errors turned into located problems in policy terms.

Used by every reader of rule files (the loader, calendar notices, scenario files), so it
lives below all of them.
"""

from __future__ import annotations

import functools
import re
import types
import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ValidationError

from yibao_rules import schema as S
from yibao_rules.errors import Problem, did_you_mean
from yibao_rules.yaml_source import MAX_PROBLEMS, YamlDocument, YamlPath, more_problems

__all__ = ["translate_validation_error"]

# -- pydantic errors → located problems --------------------------------------------------------


def _all_field_names() -> set[str]:
    names: set[str] = set()
    for obj in vars(S).values():
        if isinstance(obj, type) and issubclass(obj, BaseModel):
            names.update(obj.model_fields)
    return names


_FIELD_NAMES = _all_field_names()


def translate_validation_error(
    exc: ValidationError, doc: YamlDocument, model: type[BaseModel] | None = None
) -> list[Problem]:
    """Turn pydantic's errors into located problems in policy terms.

    With ``model`` (the class validated), an unknown field is matched against the fields
    allowed at that very place, so the suggestion is one that would be accepted there.
    """
    problems = []
    errors = exc.errors(include_url=False)
    for error in errors[:MAX_PROBLEMS]:  # linear however broken the file: suggestions cost per problem
        path = _document_path(doc, error["loc"])
        kind = error["type"]
        if kind == "extra_forbidden" and model is not None:
            allowed = _fields_at(model, [p for p in error["loc"][:-1] if isinstance(p, str | int)])
            if allowed:
                error = {**error, "ctx": {**error.get("ctx", {}), "allowed": allowed}}
        message = _message(kind, error, path)
        problems.append(doc.problem(path, message, key=kind == "extra_forbidden"))
    if len(errors) > MAX_PROBLEMS:
        problems.append(more_problems(doc.path, len(doc.lines), len(errors) - MAX_PROBLEMS))
    return problems


def _fields_at(model: type[BaseModel], loc: Sequence[str | int]) -> list[str]:
    """The field names of the model reached by following ``loc`` from ``model``."""
    # list positions do not change the model reached: one lookup serves every element
    return list(_fields_at_cached(model, tuple(0 if isinstance(p, int) else p for p in loc)))


@functools.lru_cache(maxsize=1024)
def _fields_at_cached(model: type[BaseModel], loc: tuple[str | int, ...]) -> tuple[str, ...]:
    current: Any = model
    for part in loc:
        current = _unwrap(current, part)
        if current is None:
            return ()
    return tuple(current.model_fields) if isinstance(current, type) and issubclass(current, BaseModel) else ()


def _unwrap(annotation: Any, part: str | int) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        field = annotation.model_fields.get(str(part))
        return _unwrap_optional(field.annotation) if field is not None else None
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    origin = typing.get_origin(annotation)
    if origin in (list, tuple) and isinstance(part, int) and args:
        return _unwrap_optional(args[0])
    if origin is dict and len(args) == 2:
        return _unwrap_optional(args[1])
    return None


def _unwrap_optional(annotation: Any) -> Any:
    """``X | None`` (or ``Annotated[X, …]``) → ``X``; the first model of a union."""
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        models = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
        return models[0] if models else (args[0] if args else annotation)
    return annotation


def _document_path(doc: YamlDocument, loc: Iterable[int | str]) -> YamlPath:
    """Keep the parts of a pydantic location that are real keys/indexes of the document
    (pydantic adds union and validator names in between)."""
    path: YamlPath = ()
    for part in loc:
        candidate = (*path, part)
        if candidate in doc.values or candidate in doc.keys:
            path = candidate
    return path


@functools.lru_cache(maxsize=4096)
def _suggest(word: str, candidates: tuple[str, ...]) -> str:
    """:func:`did_you_mean`, once per distinct word (a broken file repeats the same mistake)."""
    return did_you_mean(word, candidates)


_MESSAGES: dict[str, Callable[[dict[str, Any], YamlPath], str]] = {
    "extra_forbidden": lambda e, p: (
        f"未知的字段 (unknown field) '{p[-1] if p else e['loc'][-1]}'"
        f"{_suggest(str(p[-1] if p else e['loc'][-1]), tuple(e.get('ctx', {}).get('allowed') or _FIELD_NAMES))}"
    ),
    "missing": lambda e, p: f"缺少必填字段 (missing required field) '{e['loc'][-1]}'",
    "literal_error": lambda e, p: (
        f"不是允许的值 (not an allowed value) {e['input']!r}"
        f"{_suggest(str(e['input']), tuple(_literal_options(e)))}; "
        f"可选值 (expected): {e.get('ctx', {}).get('expected', '')}"
    ),
    "string_pattern_mismatch": lambda e, p: _pattern_message(e),
}


def _literal_options(error: Mapping[str, Any]) -> list[str]:
    expected = str(error.get("ctx", {}).get("expected", ""))
    return [part.strip().strip("'") for part in expected.replace(" or ", ",").split(",") if part.strip()]


def _pattern_message(error: Mapping[str, Any]) -> str:
    pattern = error.get("ctx", {}).get("pattern", "")
    if pattern == r"^\d{6}$":
        return f"{error['input']!r} 不是 6 位行政区划代码 (expected a 6-digit admin code such as 620000)"
    return f"{error['input']!r} 必须是小写英文加下划线 (expected snake_case like 'family_mutual_aid')"


# What pydantic's common error types mean, in the words of a rule author; the English follows
# in brackets. ``{…}`` are filled from the error's ``ctx``.
_CHINESE: dict[str, str] = {
    "dict_type": "应为键值映射（“字段: 值”，或 {{…}}）",
    "model_type": "应为键值映射（“字段: 值”，或 {{…}}）",
    "model_attributes_type": "应为键值映射（“字段: 值”，或 {{…}}）",
    "list_type": "应为列表（每项一行，以“- ”开头，或 […]）",
    "tuple_type": "应为列表（每项一行，以“- ”开头，或 […]）",
    "set_type": "应为列表（每项一行，以“- ”开头，或 […]）",
    "string_type": "应为文字",
    "string_too_short": "文字不能为空",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "int_from_float": "应为整数（不能有小数）",
    "float_parsing": "应为数字",
    "float_type": "应为数字",
    "bool_parsing": "应为 true 或 false",
    "bool_type": "应为 true 或 false",
    "date_from_datetime_parsing": "应为日期，写作 YYYY-MM-DD",
    "date_from_datetime_inexact": "应为日期，写作 YYYY-MM-DD（不带时间）",
    "date_parsing": "应为日期，写作 YYYY-MM-DD",
    "date_type": "应为日期，写作 YYYY-MM-DD",
    "time_parsing": "应为时间，写作 HH:MM",
    "time_type": "应为时间，写作 HH:MM",
    "greater_than_equal": "应大于或等于 {ge}",
    "greater_than": "应大于 {gt}",
    "less_than_equal": "应小于或等于 {le}",
    "less_than": "应小于 {lt}",
    "too_short": "至少要有 {min_length} 项",
    "too_long": "最多只能有 {max_length} 项",
    "enum": "不是允许的值，可选值：{expected}",
    "none_required": "此处不应填写值",
}

# The rule files' own checks (schema validators) raise ValueError in English.
_VALUE_ERRORS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"an? (\w+) time limit needs 'days'"), "{0} 类的时限必须写 days（天数）"),
    (re.compile(r"an? (\w+) time limit has no 'days'"), "{0} 类的时限不写 days（天数）"),
    (re.compile(r"a staged time limit needs 'stages'"), "分阶段（staged）时限必须写 stages（各阶段）"),
    (re.compile(r"effective_to is before effective_from"), "effective_to（失效日期）早于 effective_from（生效日期）"),
    (re.compile(r"a period must end after it starts"), "办公时段的结束时间必须晚于开始时间"),
    (re.compile(r"count is (\d+) but (\d+) diseases are listed"), "写明 {0} 种，但列出了 {1} 种病种"),
    (re.compile(r"make-up working day (\S+) is not a Saturday or Sunday"), "调休上班日 {0} 不是周六或周日"),
    (re.compile(r"'values' lists a value twice"), "values 中有重复的值"),
    (re.compile(r"fact key '(.+)' must be 'party.snake_case_name'"), "事实名 '{0}' 应写作 当事方.英文小写名"),
)


def _message(kind: str, error: Mapping[str, Any], path: YamlPath) -> str:
    maker = _MESSAGES.get(kind)
    if maker is not None:
        return maker(dict(error), path)
    english = str(error["msg"])
    where = ".".join(str(p) for p in error["loc"] if isinstance(p, str | int))
    at = f" (at '{where}')" if where else ""
    if kind == "value_error":
        english = english.removeprefix("Value error, ")
        zh = next(
            (tr.format(*m.groups()) for rx, tr in _VALUE_ERRORS if (m := rx.fullmatch(english))), "取值不符合要求"
        )
        return f"{zh} ({english}){at}"
    template = _CHINESE.get(kind)
    if template is None:
        return f"{english}{at}"
    try:
        zh = template.format(**error.get("ctx", {}))
    except (KeyError, IndexError):
        zh = template.split("{", 1)[0].rstrip("：，")
    return f"{zh}，而不是 {_shown(error.get('input'))} ({english}){at}"


def _shown(value: Any) -> str:
    """A value as the author wrote it, cut short if long."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "…"
