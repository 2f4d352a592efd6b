"""Pydantic validation errors turned into located problems in policy terms.

Used by every reader of rule files (the loader, calendar notices, scenario files), so it
lives below all of them.
"""

from __future__ import annotations

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
    current: Any = model
    for part in loc:
        current = _unwrap(current, part)
        if current is None:
            return []
    return list(current.model_fields) if isinstance(current, type) and issubclass(current, BaseModel) else []


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


_MESSAGES: dict[str, Callable[[dict[str, Any], YamlPath], str]] = {
    "extra_forbidden": lambda e, p: (
        f"未知的字段 (unknown field) '{p[-1] if p else e['loc'][-1]}'"
        f"{did_you_mean(str(p[-1] if p else e['loc'][-1]), e.get('ctx', {}).get('allowed') or _FIELD_NAMES)}"
    ),
    "missing": lambda e, p: f"缺少必填字段 (missing required field) '{e['loc'][-1]}'",
    "literal_error": lambda e, p: (
        f"不是允许的值 (not an allowed value) {e['input']!r}"
        f"{did_you_mean(str(e['input']), _literal_options(e))}; "
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


def _message(kind: str, error: Mapping[str, Any], path: YamlPath) -> str:
    maker = _MESSAGES.get(kind)
    if maker is not None:
        return maker(dict(error), path)
    msg = str(error["msg"]).removeprefix("Value error, ")
    where = ".".join(str(p) for p in error["loc"] if isinstance(p, str | int))
    return f"{msg} (at '{where}')" if where else msg
