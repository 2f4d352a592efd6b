"""Static types of condition expressions, checked at load time against the fact vocabulary."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["BOOL", "DATE", "DIVISION", "NUMBER", "PROVINCE", "TEXT", "Type", "collection", "enum"]


@dataclass(frozen=True)
class Type:
    """``kind`` is one of bool, number, date, text, enum, province, division, collection.

    An ``enum`` carries its allowed values (``domain``) and the fact that defines them
    (``origin``) so that a misspelt value can be reported with the closest allowed one.
    """

    kind: str
    domain: frozenset[str] | None = None
    origin: str | None = None
    element: Type | None = None

    def describe(self) -> str:
        if self.kind == "enum":
            return f"enum of {self.origin}" if self.origin else "enum"
        if self.kind == "collection" and self.element is not None:
            return f"collection of {self.element.describe()}"
        return self.kind

    @property
    def is_stringy(self) -> bool:
        return self.kind in ("text", "enum", "province", "division")


BOOL = Type("bool")
NUMBER = Type("number")
DATE = Type("date")
TEXT = Type("text")
PROVINCE = Type("province")
DIVISION = Type("division")


def enum(values: frozenset[str], origin: str | None = None) -> Type:
    return Type("enum", values, origin)


def collection(element: Type) -> Type:
    return Type("collection", element=element)
