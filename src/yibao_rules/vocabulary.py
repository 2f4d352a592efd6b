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

``null`` means "not known" and is the same as leaving the fact out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from yibao_rules.errors import FactsError, did_you_mean
from yibao_rules.expr import types as T
from yibao_rules.schema import AdminDivision, FactSpec

__all__ = ["AdminDivisions", "Fact", "Vocabulary"]


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

    @classmethod
    def of(cls, divisions: Iterable[AdminDivision]) -> AdminDivisions:
        return cls({d.code: d for d in divisions})

    def province_code(self, text: str) -> str | None:
        """The code of a provincial-level division named by code, full name or short name."""
        text = text.strip()
        found = self.by_code.get(text)
        if found is None:
            found = next((d for d in self.by_code.values() if text in (d.name, d.short_name)), None)
        return found.code if found is not None and found.level == "省级" else None

    def division_code(self, text: str) -> str | None:
        """The code of any known division named by code, full name or short name."""
        text = text.strip()
        if text in self.by_code:
            return text
        found = next((d for d in self.by_code.values() if text in (d.name, d.short_name)), None)
        return found.code if found is not None else None

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

    def fact_type(self, key: str) -> T.Type | None:
        fact = self.facts.get(key)
        return fact.type if fact else None

    def normalise(self, facts: Mapping[str, Any]) -> dict[str, Any]:
        """Check input facts against the vocabulary and return them flat and canonical.

        Raises :class:`FactsError` naming the key, the value, what is allowed and the
        closest match.
        """
        if not isinstance(facts, Mapping):
            raise FactsError(
                f"facts must be an object keyed by party ({', '.join(self.parties)}), not {type(facts).__name__}"
            )
        flat: dict[str, Any] = {}
        for top, value in facts.items():
            if not isinstance(top, str):
                raise FactsError(f"fact key {top!r} is not a string")
            if "." in top:
                self._put(flat, top, value)
            elif top in self.parties:
                if not isinstance(value, Mapping):
                    raise FactsError(
                        f"'{top}' must be an object of facts about the {self.parties[top]}, not {type(value).__name__}"
                    )
                for name, inner in value.items():
                    self._put(flat, f"{top}.{name}", inner)
            else:
                hint = did_you_mean(top, [*self.parties, *self.facts])
                raise FactsError(f"unknown party '{top}'{hint}; parties are: {', '.join(self.parties)}")
        return flat

    def _put(self, flat: dict[str, Any], key: str, value: Any) -> None:
        fact = self.facts.get(key)
        if fact is None:
            raise FactsError(f"unknown fact '{key}'{did_you_mean(key, self.facts)}")
        if value is None:
            return
        flat[key] = self.normalise_value(fact, value)

    def normalise_value(self, fact: Fact, value: Any) -> Any:
        key, kind = fact.key, fact.kind

        def wrong(expected: str) -> FactsError:
            return FactsError(f"fact '{key}' ({fact.label}) expects {expected}, got {value!r}")

        if kind == "bool":
            if isinstance(value, bool):
                return value
            raise wrong("true or false")
        if kind == "int":
            if isinstance(value, int) and not isinstance(value, bool):
                return value
            raise wrong("a whole number")
        if kind == "decimal":
            if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
                raise wrong("a number")
            try:
                number = Decimal(str(value))
            except InvalidOperation:
                raise wrong("a number") from None
            if not number.is_finite():
                raise wrong("a finite number")
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
            text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
            if not isinstance(text, str):
                raise wrong("a province name or 6-digit code")
            code = self.divisions.province_code(text)
            if code is None:
                hint = did_you_mean(text, self.divisions.province_names())
                raise FactsError(
                    f"fact '{key}' ({fact.label}): '{text}' is not a province name or 6-digit province code{hint}"
                )
            return code
        if kind == "admin_division":
            text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
            code = self.divisions.division_code(text) if isinstance(text, str) else None
            if code is None:
                raise FactsError(f"fact '{key}' ({fact.label}): {value!r} is not a known admin division name or code")
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
        hint = did_you_mean(str(value), fact.values)
        raise FactsError(
            f"fact '{fact.key}' ({fact.label}): {value!r} is not allowed{hint}; allowed: {'、'.join(fact.values)}"
        )
