"""The fact vocabulary as a reference: every fact, its type, values, question, source and users.

One table of data, three renderings: ``yibao-rules facts`` (text), ``yibao-rules facts --json``
and the README's fact table (:func:`markdown_table`, kept in sync by a test).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from yibao_rules.compiled import CompiledRulebook

__all__ = ["FactEntry", "fact_reference", "markdown_table"]

TYPE_LABELS = {
    "bool": "是/否",
    "int": "整数",
    "decimal": "数值",
    "date": "日期",
    "enum": "单选",
    "enum_set": "多选",
    "province": "省",
    "admin_division": "行政区划",
    "text": "文本",
}


@dataclass(frozen=True)
class FactEntry:
    key: str
    type: str
    label: str
    question: str
    values: tuple[str, ...]
    source: str | None
    items: tuple[str, ...]
    """The items whose conditions (eligibility rules, 情形 and named predicates) read the fact."""

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "type": self.type,
            "label": self.label,
            "question": self.question,
            "values": list(self.values),
            "source": self.source,
            "items": list(self.items),
        }


def fact_reference(book: CompiledRulebook) -> list[FactEntry]:
    """Every fact of the vocabulary, in its file's order, with the items that use it."""
    users: dict[str, list[str]] = {}
    for item in book.items.values():
        used = set().union(*(c.facts for c in item.conditions.values())) if item.conditions else set()
        for key in used:
            users.setdefault(key, []).append(item.name)
    entries = []
    for key, fact in book.vocabulary.facts.items():
        source = book.cite(fact.spec.source) if fact.spec.source else None
        entries.append(
            FactEntry(
                key=key,
                type=fact.kind,
                label=fact.label,
                question=fact.question,
                values=fact.values,
                source=source,
                items=tuple(sorted(users.get(key, []), key=lambda n: _order(book, n))),
            )
        )
    return entries


def _order(book: CompiledRulebook, name: str) -> tuple[int, str]:
    item = book.item(name).model
    return (item.number or 999, item.id)


def markdown_table(entries: list[FactEntry]) -> str:
    """The README's fact table (between ``<!-- facts:start -->`` and ``<!-- facts:end -->``)."""
    rows = ["| 事实 (fact) | 类型 | 含义 | 取值 | 使用的事项 |", "|---|---|---|---|---|"]
    for e in entries:
        values = "、".join(e.values) if e.values else "—"
        items = "、".join(e.items) if e.items else "—"
        rows.append(f"| `{e.key}` | {TYPE_LABELS[e.type]} | {e.label} | {values} | {items} |")
    return "\n".join(rows) + "\n"
