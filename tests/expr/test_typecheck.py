from __future__ import annotations

from collections.abc import Collection
from typing import ClassVar

import pytest

from yibao_rules.errors import ConditionError
from yibao_rules.expr import parse, typecheck
from yibao_rules.expr import types as T
from yibao_rules.expr.ast import Compare, Literal

RELATIONS = frozenset({"配偶", "父母", "子女", "兄弟姐妹"})


class FakeScope:
    facts: ClassVar[dict[str, T.Type]] = {
        "p.kind": T.enum(frozenset({"职工医保", "城乡居民医保"}), "p.kind"),
        "p.rel": T.enum(RELATIONS, "p.rel"),
        "p.province": T.PROVINCE,
        "p.birth": T.DATE,
        "p.amount": T.NUMBER,
        "p.flag": T.BOOL,
        "p.tags": T.collection(T.enum(RELATIONS, "p.tags")),
    }

    def fact_type(self, key: str) -> T.Type | None:
        return self.facts.get(key)

    def fact_keys(self) -> Collection[str]:
        return self.facts.keys()

    def set_type(self, name: str) -> T.Type | None:
        return T.collection(T.enum(RELATIONS, "p.rel")) if name == "近亲属" else None

    def is_predicate(self, name: str) -> bool:
        return name == "在甘肃参保"

    def global_names(self) -> Collection[str]:
        return ["近亲属", "在甘肃参保"]

    def province_code(self, text: str) -> str | None:
        return {"甘肃省": "620000", "甘肃": "620000", "620000": "620000"}.get(text)


def check(text: str) -> T.Type:
    return typecheck(parse(text), FakeScope(), text).type


@pytest.mark.parametrize(
    "text",
    [
        'p.kind == "职工医保"',
        "p.rel in 近亲属",
        'p.rel not in ["配偶", "子女"]',
        '"配偶" in p.tags',
        "years_between(p.birth, today) >= 60",
        "p.birth + 30 < today and p.amount * 2 > 10.5",
        "today - p.birth >= 365",
        "在甘肃参保 or not p.flag",
    ],
)
def test_well_typed_conditions(text: str) -> None:
    assert check(text) == T.BOOL


@pytest.mark.parametrize(
    ("text", "keyword", "offset"),
    [
        ('p.kind == "职工医疗"', "did you mean '职工医保'?", 10),
        ('p.rel in ["配偶", "兄妹"]', "'兄妹'", 16),
        ('p.province == "火星"', "not a province", 14),
        ("p.kindd == 1", "did you mean 'p.kind'?", 0),
        ("近亲属s", "did you mean '近亲属'?", 0),
        ("甘肃省", 'put it in quotes: "甘肃省"', 0),
        ("p.province > 3", "ordering compares two numbers or two dates", 0),
        ("p.amount", "must be true or false", 0),
        ("p.flag and p.amount", "both sides of 'and'", 11),
        ("p.rel in p.kind", "must be a list or a named set", 9),
        ("age(p.birth) > 3", "unknown function", 0),
        ("p.birth + p.birth < today", "arithmetic works on numbers", 0),
        ("p.kind == p.rel", "cannot be compared", 0),
    ],
)
def test_type_errors_are_located(text: str, keyword: str, offset: int) -> None:
    with pytest.raises(ConditionError) as info:
        check(text)
    assert keyword in info.value.message
    assert info.value.offset == offset


def test_province_literals_are_normalised_to_codes() -> None:
    checked = typecheck(parse('p.province == "甘肃"'), FakeScope())
    assert isinstance(checked.expr, Compare)
    assert checked.expr.right == Literal("620000")


def test_references_are_collected() -> None:
    checked = typecheck(parse("p.rel in 近亲属 and 在甘肃参保 and p.flag"), FakeScope())
    assert checked.facts == {"p.rel", "p.flag"}
    assert checked.sets == {"近亲属"}
    assert checked.predicates == {"在甘肃参保"}
