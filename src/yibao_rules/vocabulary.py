"""The fact vocabulary: which facts exist, their types, and how input values are normalised.

Facts are addressed as ``party.name`` (``applicant.insured_province``).  Input may be
nested by party (``{"applicant": {"insured_province": "甘肃省"}}``) or flat
(``{"applicant.insured_province": "620000"}``); either way it becomes a flat dict of
canonical values:

========== ==================================================== ====================
type       accepted input                                       canonical value
========== ==================================================== ====================
bool       ``true`` / ``false``                                 ``bool``
int        integer                                              ``int``
decimal    integer, decimal, numeric string                     ``Decimal``
date       ``date`` or ``"YYYY-MM-DD"``                         ``datetime.date``
enum       one of the listed values                             ``str``
enum_set   list of listed values                                ``frozenset[str]``
province   name (甘肃省 / 甘肃) or 6-digit code (620000)          code ``"620000"``
admin_division  any known division's name or code (大冶市 / 420281)   code ``"420281"``
text       string                                               ``str``
========== ==================================================== ====================

``null`` means "not known" and is the same as leaving the fact out. A fact given twice
(nested and flat) must be given the same value both times: contradictory input is refused,
never resolved by order. Numbers are bounded (:data:`MAX_DIGITS` digits before the point),
and every message shows the input abridged, however large or deeply nested it is.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from yibao_rules.errors import FactsError, did_you_mean, did_you_mean_fact, shown
from yibao_rules.expr import types as T
from yibao_rules.schema import AdminDivision, FactSpec

__all__ = ["MAX_DIGITS", "AdminDivisions", "Fact", "Vocabulary"]

MAX_DIGITS = 18
"""Numbers in facts have at most this many digits before the decimal point."""


@dataclass(frozen=True)
class Fact:
    key: str
    kind: str
    label: str
    question: str
    values: tuple[str, ...]
    spec: FactSpec

    @property
    def party(self) -> str:
        return self.key.split(".", 1)[0]

    @property
    def type(self) -> T.Type:
        if self.kind == "enum":
            return T.enum(frozenset(self.values), self.key)
        if self.kind == "enum_set":
            return T.collection(T.enum(frozenset(self.values), self.key))
        return {
            "bool": T.BOOL,
            "int": T.NUMBER,
            "decimal": T.NUMBER,
            "date": T.DATE,
            "province": T.PROVINCE,
            "admin_division": T.DIVISION,
            "text": T.TEXT,
        }[self.kind]


@dataclass(frozen=True)
class AdminDivisions:
    """Administrative divisions (GB/T 2260 codes) known to the rulebook."""

    by_code: Mapping[str, AdminDivision]
    by_name: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, divisions: Iterable[AdminDivision]) -> AdminDivisions:
        listed = list(divisions)
        names = {d.code: d.code for d in listed}
        for d in listed:
            names.setdefault(d.name, d.code)
            if d.short_name:
                names.setdefault(d.short_name, d.code)
        return cls({d.code: d for d in listed}, names)

    def province_code(self, text: str) -> str | None:
        """The code of a provincial-level division named by code, full name or short name."""
        code = self.by_name.get(text.strip())
        return code if code is not None and self.by_code[code].level == "省级" else None

    def division_code(self, text: str) -> str | None:
        """The code of any known division named by code, full name or short name."""
        return self.by_name.get(text.strip())

    def name(self, code: str) -> str:
        found = self.by_code.get(code)
        return found.name if found else code

    def province_names(self) -> list[str]:
        return [d.name for d in self.by_code.values() if d.level == "省级"]


@dataclass(frozen=True)
class Vocabulary:
    parties: Mapping[str, str]
    facts: Mapping[str, Fact]
    divisions: AdminDivisions
    _fast: dict[str, Callable[[Any], Any]] = field(init=False, repr=False, compare=False)
    _by_party: dict[str, dict[str, tuple[str, Callable[[Any], Any]]]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # One precompiled check per fact for the common, well-formed input; anything it does
        # not accept goes through normalise_value, which explains what is wrong.
        fast = {key: self._fast_check(fact) for key, fact in self.facts.items()}
        by_party: dict[str, dict[str, tuple[str, Callable[[Any], Any]]]] = {party: {} for party in self.parties}
        for key, check in fast.items():
            party, name = key.split(".", 1)
            by_party.setdefault(party, {})[name] = (key, check)
        object.__setattr__(self, "_fast", fast)
        object.__setattr__(self, "_by_party", by_party)

    def _fast_check(self, fact: Fact) -> Callable[[Any], Any]:
        slow = self.normalise_value
        if fact.kind == "enum":
            allowed = frozenset(fact.values)
            return lambda v: v if type(v) is str and v in allowed else slow(fact, v)
        if fact.kind == "province":
            names = {n: c for n, c in self.divisions.by_name.items() if self.divisions.by_code[c].level == "省级"}
            return lambda v: names[v] if type(v) is str and v in names else slow(fact, v)
        if fact.kind == "bool":
            return lambda v: v if type(v) is bool else slow(fact, v)
        return lambda v: slow(fact, v)

    def fact_type(self, key: str) -> T.Type | None:
        fact = self.facts.get(key)
        return fact.type if fact else None

    def normalise(self, facts: Mapping[str, Any]) -> dict[str, Any]:
        """Check input facts against the vocabulary and return them flat and canonical.

        Raises :class:`FactsError` naming the key, the value, what is allowed and the
        closest match.
        """
        if type(facts) is not dict and not isinstance(facts, Mapping):
            raise FactsError(
                f"facts must be an object keyed by party ({', '.join(self.parties)}), not {type(facts).__name__}"
            )
        flat: dict[str, Any] = {}
        mixed = False  # only input mixing flat and nested keys can give one fact twice
        by_party = self._by_party
        for top, value in facts.items():
            known = by_party.get(top)
            if known is not None:
                if type(value) is not dict and not isinstance(value, Mapping):
                    raise FactsError(
                        f"'{top}' must be an object of facts about the {self.parties[top]}, not {type(value).__name__}"
                    )
                for name, inner in value.items():
                    entry = known.get(name)
                    if entry is None:
                        key = f"{top}.{name}"
                        raise FactsError(f"未知的事实 (unknown fact {shown(key)}{did_you_mean_fact(key, self.facts)})")
                    if inner is not None:
                        key, canonical = entry[0], entry[1](inner)
                        if mixed and key in flat and flat[key] != canonical:  # a flat key came first
                            _contradiction(key, flat[key], canonical)
                        flat[key] = canonical
            elif isinstance(top, str) and "." in top:
                mixed = True
                self._put(flat, top, value)
            elif not isinstance(top, str):
                raise FactsError(f"fact key {shown(top)} is not a string")
            else:
                hint = did_you_mean(top, [*self.parties, *self.facts])
                raise FactsError(
                    f"未知的当事人 (unknown party {shown(top)}{hint}; parties are: {', '.join(self.parties)})"
                )
        return flat

    def _put(self, flat: dict[str, Any], key: str, value: Any) -> None:
        check = self._fast.get(key)
        if check is None:
            raise FactsError(f"未知的事实 (unknown fact {shown(key)}{did_you_mean_fact(key, self.facts)})")
        if value is not None:
            canonical = check(value)
            if key in flat and flat[key] != canonical:
                _contradiction(key, flat[key], canonical)
            flat[key] = canonical

    def normalise_value(self, fact: Fact, value: Any) -> Any:
        key, kind = fact.key, fact.kind

        def wrong(expected: str) -> FactsError:
            return FactsError(f"事实取值类型不对 (fact '{key}' ({fact.label}) expects {expected}, got {shown(value)})")

        if kind == "bool":
            if isinstance(value, bool):
                return value
            raise wrong("true or false")
        if kind == "int":
            if isinstance(value, int) and not isinstance(value, bool):
                if value.bit_length() > 64 or abs(value) >= 10**MAX_DIGITS:
                    raise wrong(f"a whole number of at most {MAX_DIGITS} digits")
                return value
            raise wrong("a whole number")
        if kind == "decimal":
            if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
                raise wrong("a number")
            if isinstance(value, int) and value.bit_length() > 64:
                raise wrong(f"a number of at most {MAX_DIGITS} digits before the point")
            if isinstance(value, str) and len(value) > 100:
                raise wrong("a number written with at most 100 characters")
            try:
                number = (
                    value if isinstance(value, Decimal) else Decimal(value if isinstance(value, int) else str(value))
                )
            except InvalidOperation:
                raise wrong("a number") from None
            if not number.is_finite():
                raise wrong("a finite number")
            if number.adjusted() >= MAX_DIGITS:
                raise wrong(f"a number of at most {MAX_DIGITS} digits before the point")
            return number
        if kind == "date":
            return self._date(fact, value, wrong)
        if kind == "enum":
            return self._enum_value(fact, value)
        if kind == "enum_set":
            if isinstance(value, str) or not isinstance(value, list | tuple | set | frozenset):
                raise wrong(f"a list of values from: {'、'.join(fact.values)}")
            return frozenset(self._enum_value(fact, v) for v in value)
        if kind == "province":
            text = (
                str(value)
                if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() < 64
                else value
            )
            if not isinstance(text, str):
                raise wrong("a province name or 6-digit code")
            code = self.divisions.province_code(text)
            if code is None:
                hint = did_you_mean(text, self.divisions.province_names())
                raise FactsError(
                    f"fact '{key}' ({fact.label}): {shown(text)} is not a province name or 6-digit province code{hint}"
                )
            return code
        if kind == "admin_division":
            text = (
                str(value)
                if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() < 64
                else value
            )
            code = self.divisions.division_code(text) if isinstance(text, str) else None
            if code is None:
                raise FactsError(
                    f"fact '{key}' ({fact.label}): {shown(value)} is not a known admin division name or code"
                )
            return code
        if isinstance(value, str):
            return value
        raise wrong("text")

    @staticmethod
    def _date(fact: Fact, value: Any, wrong: Any) -> dt.date:
        if isinstance(value, dt.datetime):
            raise wrong("a date (YYYY-MM-DD), not a date and time")
        if isinstance(value, dt.date):
            day = value
        elif isinstance(value, str):
            try:
                day = dt.date.fromisoformat(value)
            except ValueError:
                raise wrong("a date written YYYY-MM-DD") from None
        else:
            raise wrong("a date written YYYY-MM-DD")
        low, high = fact.spec.minimum, fact.spec.maximum
        if (low and day < low) or (high and day > high):
            raise FactsError(
                f"fact '{fact.key}' ({fact.label}): {day} is outside the allowed range {low or '…'} – {high or '…'}"
            )
        return day

    @staticmethod
    def _enum_value(fact: Fact, value: Any) -> str:
        if isinstance(value, str) and value in fact.values:
            return value
        hint = did_you_mean(value, fact.values) if isinstance(value, str) else ""
        raise FactsError(
            f"fact '{fact.key}' ({fact.label}): {shown(value)} is not allowed{hint}; allowed: {'、'.join(fact.values)}"
        )


def _contradiction(key: str, first: Any, second: Any) -> None:
    """A fact given twice (nested and flat) with different values: refused, never resolved by order."""
    raise FactsError(
        f"事实 '{key}' 给出了两个不同的值 (fact '{key}' is given twice with different values, "
        f"{shown(first)} and {shown(second)}; give each fact once)"
    )
