"""JSON Schemas (draft 2020-12) of the rule files, generated from the pydantic models.

An editor with the YAML language server validates and completes a rule file that begins with
``# yaml-language-server: $schema=../schemas/item.schema.json``. The schemas ship inside the
rules directory (``rules/schemas/``), so the relative path holds in a checkout and in the wheel.
Descriptions give the Chinese term first and the English field name and docstring after it.
"""

from __future__ import annotations

import ast
import copy
import inspect
import json
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from yibao_rules import schema as models
from yibao_rules.errors import YibaoError
from yibao_rules.schema import (
    AdminDivisionsFile,
    Bundle,
    CalendarNotice,
    CitationsFile,
    EligibilityFile,
    Item,
    Jurisdiction,
    MaterialsFile,
    VocabularyFile,
)

__all__ = ["FILE_KINDS", "SchemaExportError", "json_schema", "json_schemas", "kind_of", "write_schemas"]

DIALECT = "https://json-schema.org/draft/2020-12/schema"

# file kind → (model, title in Chinese, the rule files it describes, relative to the rules directory)
FILE_KINDS: dict[str, tuple[type[BaseModel], str, str]] = {
    "item": (Item, "政务服务事项", "items/**/*.yaml"),
    "bundle": (Bundle, "一件事 / 一事联办", "bundles/**/*.yaml"),
    "eligibility": (EligibilityFile, "受理条件的命名集合与谓词", "eligibility/**/*.yaml"),
    "facts": (VocabularyFile, "事实词汇表", "facts.yaml"),
    "citations": (CitationsFile, "政策依据与来源文件", "citations.yaml"),
    "materials": (MaterialsFile, "材料目录", "materials.yaml"),
    "jurisdiction": (Jurisdiction, "辖区与办理时间", "jurisdictions/**/*.yaml"),
    "calendar-notice": (CalendarNotice, "国务院办公厅节假日安排通知", "calendar/**/*.yaml"),
    "admin-divisions": (AdminDivisionsFile, "行政区划代码", "reference/admin_divisions.yaml"),
}

# Chinese names of the fields, for the descriptions an editor shows on hover.
ZH: dict[str, str] = {
    "id": "标识",
    "name": "名称",
    "name_note": "名称后注",
    "number": "序号",
    "category": "类别",
    "jurisdiction": "辖区代码",
    "item_type": "办件类型",
    "accepting_units": "受理单位",
    "decision_body": "审批决定机构",
    "service_objects": "服务对象",
    "conditions_text": "受理条件原文",
    "channels": "办理渠道",
    "process": "办理流程",
    "instructions": "办理说明",
    "eligibility": "受理条件",
    "situations": "情形",
    "materials": "办理材料",
    "time_limits": "办理时限",
    "diseases": "病种",
    "query_methods": "查询方式",
    "fees": "收费标准",
    "contacts": "咨询投诉电话",
    "result_delivery": "结果送达",
    "locations": "办理地点",
    "other": "其它",
    "faq": "常见问题",
    "implements": "所实施的事项",
    "catalogue_level": "目录层级",
    "source": "来源",
    "citations": "政策依据",
    "citation": "政策依据",
    "notes": "说明（缺漏、冲突、解释、事实）",
    "kind": "类别",
    "text": "原文",
    "effective_from": "施行起始日",
    "effective_to": "施行截止日",
    "condition": "条件表达式",
    "message": "不符合时的告知语",
    "when": "适用条件",
    "inherits": "继承的情形",
    "inherits_text": "继承材料的原文",
    "source_text": "情形材料原文",
    "form": "材料形式",
    "count": "份数",
    "required": "是否必需",
    "substitutes": "可替代材料",
    "requirements": "材料要求",
    "basis": "时限性质",
    "days": "天数",
    "stages": "阶段",
    "excludes": "不计入时限的环节",
    "members": "联办事项",
    "claims": "联办效能",
    "lead": "牵头部门",
    "partners": "联办机构",
    "title": "标题",
    "document_number": "文号",
    "issuer": "发文机关",
    "effective_date": "实施日期",
    "issued": "发布日期",
    "clauses": "条款",
    "exempts": "渲染豁免的原文行",
    "holidays": "放假日",
    "make_up_working_days": "调休上班日",
    "year": "年份",
    "office_hours": "办理时间",
    "values": "取值",
    "question": "询问语",
    "label": "标签",
    "type": "类型",
    "facts": "事实",
    "parties": "当事方",
    "sets": "命名集合",
    "aliases": "别名",
    "predicates": "谓词",
}


class SchemaExportError(YibaoError):
    """The schemas cannot be written (an unwritable --out directory)."""


EnumFacts = Mapping[str, Sequence[str]]
"""The enum and enum_set facts of a vocabulary: fact key → allowed values."""


def json_schema(kind: str, enum_facts: EnumFacts | None = None) -> dict[str, Any]:
    """The JSON Schema of one kind of rule file (see :data:`FILE_KINDS`).

    ``enum_facts`` (the vocabulary's enum facts) lets a named set list only its fact's values:
    a set ``of: family_member.relationship`` takes 配偶, 父母, … and nothing else.
    """
    model, title, files = FILE_KINDS[kind]
    schema = _accept_citation_strings(copy.deepcopy(model.model_json_schema(mode="validation")))
    _annotate_model(schema, model.__name__)
    for name, definition in (schema.get("$defs") or {}).items():
        _annotate_model(definition, name)
    if enum_facts and "NamedSet" in (schema.get("$defs") or {}):
        _named_set_enums(schema["$defs"]["NamedSet"], enum_facts)
    english = schema.pop("description", "") or ""
    return {
        "$schema": DIALECT,
        "$id": f"https://yibao-rules.invalid/schemas/{kind}.schema.json",
        **schema,
        "title": f"{title} ({model.__name__})",
        "description": f"{title}：rules/{files}。{english}".strip(),
    }


def json_schemas(enum_facts: EnumFacts | None = None) -> dict[str, dict[str, Any]]:
    """Every file kind's schema, by file name (``item.schema.json``, …)."""
    return {f"{kind}.schema.json": json_schema(kind, enum_facts) for kind in FILE_KINDS}


def write_schemas(out: Path, enum_facts: EnumFacts | None = None) -> list[Path]:
    """Write every schema to ``out`` (created if missing); returns the files written."""
    written = []
    try:
        out.mkdir(parents=True, exist_ok=True)
        for name, schema in json_schemas(enum_facts).items():
            path = out / name
            path.write_text(json.dumps(schema, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
            written.append(path)
    except OSError as exc:
        raise SchemaExportError(f"无法写入 (cannot write) {out}: {exc.strerror or exc}") from None
    return written


def kind_of(relative: Path) -> str | None:
    """The file kind of a rule file, by its path relative to the rules directory."""
    for kind, (_, _, pattern) in FILE_KINDS.items():
        if relative.match(pattern) or relative.as_posix() == pattern:
            return kind
        head = pattern.split("/")[0]
        if "**" in pattern and relative.parts[0] == head:
            return kind
    return None


@cache
def _field_docs() -> dict[tuple[str, str], str]:
    """(model, field) → the field's docstring in schema.py (the string literal after it)."""
    docs: dict[tuple[str, str], str] = {}
    tree = ast.parse(inspect.getsource(models))
    for node in tree.body:
        if not isinstance(node, ast.ClassDef):
            continue
        for first, second in zip(node.body, node.body[1:], strict=False):
            if (
                isinstance(first, ast.AnnAssign)
                and isinstance(first.target, ast.Name)
                and isinstance(second, ast.Expr)
                and isinstance(second.value, ast.Constant)
                and isinstance(second.value.value, str)
            ):
                docs[(node.name, first.target.id)] = " ".join(second.value.value.split())
    return docs


def _annotate_model(definition: dict[str, Any], model: str) -> None:
    """Each property's description: its Chinese name, then its English name and docstring."""
    for name, prop in (definition.get("properties") or {}).items():
        if not isinstance(prop, dict):
            continue
        english = _field_docs().get((model, name), "")
        words = name.replace("_", " ")
        head = f"{ZH[name]} / {words}" if name in ZH else words
        prop["description"] = f"{head} — {english}" if english else head


def _named_set_enums(definition: dict[str, Any], enum_facts: EnumFacts) -> None:
    """A named set's ``of`` names an enum fact, and its values are that fact's values."""
    definition["properties"]["of"]["enum"] = sorted(enum_facts)
    definition["allOf"] = [
        {
            "if": {"properties": {"of": {"const": key}}, "required": ["of"]},
            "then": {"properties": {"values": {"items": {"enum": list(values)}}}},
        }
        for key, values in sorted(enum_facts.items())
    ]


def _accept_citation_strings(node: Any) -> Any:
    """A citation reference may be written as its id alone (``citation: gansu_2021_111``)."""
    if isinstance(node, dict):
        if node.get("$ref") == "#/$defs/CitationRef":
            return {"anyOf": [{"type": "string", "pattern": "^[a-z][a-z0-9_]*$"}, dict(node)]}
        return {k: _accept_citation_strings(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_accept_citation_strings(v) for v in node]
    return node
