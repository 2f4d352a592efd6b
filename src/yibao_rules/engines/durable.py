"""A second evaluator: the same checked conditions, run by the durable-rules Rete engine.

It exists to be compared with the native engine (:mod:`yibao_rules.engine`), so it reuses
everything but the evaluation: the parsed and type-checked trees, the rule plan, and the
Decision type.

**Translation.** Each eligibility rule becomes two durable rules: one matching when the
condition holds, one matching when it fails — the condition in negation normal form, with
``not`` pushed down to the comparisons (``not a == b`` → ``a != b``; ``not (x and y)`` →
``(not x) or (not y)``; ``x not in [...]`` → ``x != … and x != …``). Named predicates are
inlined and named sets expanded. Facts travel as one durable *fact* per decision, asserted
and retracted straight away, so the engine holds nothing between decisions.

**Versions.** An item's rules change with their dates, so there is one ruleset per set of
rules in force (an *item version*), built on first use and named uniquely per engine, so
several rulebooks can share one process.

**Unknown facts.** durable-rules never matches a comparison on a missing field, so when a
fact is missing neither the rule nor its negation fires: the rule is *unknown*. For the
and/or/not of comparisons this is exactly Kleene's logic, the native engine's first step.
The native engine then also tries every value of the missing facts when there are few; this
engine does not, so with unknown facts it may say ``undetermined`` where the native engine
has settled the case. With all facts known the two agree on the status and on the set of
failed rules (tested with Hypothesis).

**Not translated.** Arithmetic, ``today``, functions, comparing two facts, and ``in`` on a
set-valued fact have no durable-rules counterpart here; items using them raise
:class:`NotTranslatableError` (none of the embedded rulebook's rules do).
"""

from __future__ import annotations

import datetime as dt
import itertools
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from yibao_rules.compiled import CompiledItem, RulePlan
from yibao_rules.engine import build_decision, decision_date
from yibao_rules.errors import YibaoError
from yibao_rules.expr import UNKNOWN
from yibao_rules.expr.ast import BoolOp, Compare, Expr, ListLit, Literal, Member, Name, Not
from yibao_rules.results import Decision
from yibao_rules.rulebook import Rulebook

__all__ = ["DurableEngine", "NotTranslatableError"]

_NEGATE = {"==": "!=", "!=": "==", "<": ">=", "<=": ">", ">": "<=", ">=": "<"}
_FLIP = {"==": "==", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
_instances = itertools.count(1)
_lock = threading.Lock()


class NotTranslatableError(YibaoError):
    """A condition uses something durable-rules cannot express in this translation."""


def not_handled_error() -> type[Exception]:
    """durable-rules' exception for a fact that no rule matched (imported late: durable is heavy)."""
    from durable.engine import MessageNotHandledException

    error: type[Exception] = MessageNotHandledException
    return error


def field_name(fact: str) -> str:
    """durable-rules field for a fact key (dots are not allowed in field names)."""
    return fact.replace(".", "__")


def encode(value: Any) -> Any:
    """A canonical fact value as JSON for durable-rules (dates as ordinals)."""
    if isinstance(value, dt.date):
        return value.toordinal()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, frozenset):
        return sorted(value)
    return value


# A translated condition is a durable expression, or a constant when it simplifies to one.
Translated = Any


MAX_TRANSLATION_DEPTH = 200
"""Named predicates are expanded inline, so a long chain of them nests deeply; beyond this
depth the condition is refused (the native engine, which shares each predicate, still decides)."""


class _Translator:
    def __init__(self, book: Rulebook, m: Any) -> None:
        self.book = book
        self.m = m
        self.depth = 0

    def __call__(self, node: Expr, positive: bool = True) -> Translated:
        self.depth += 1
        try:
            if self.depth > MAX_TRANSLATION_DEPTH:
                raise NotTranslatableError(
                    f"条件嵌套过深，durable-rules 引擎无法翻译 (condition nests deeper than {MAX_TRANSLATION_DEPTH} "
                    "levels once its predicates are expanded; use the native engine)"
                )
            return self._translate(node, positive)
        finally:
            self.depth -= 1

    def _translate(self, node: Expr, positive: bool) -> Translated:
        match node:
            case Literal(value=bool() as b):
                return b if positive else not b
            case Name(name=n) if "." in n:
                return self.compare("==", node, Literal(positive))
            case Name(name=n) if n in self.book.predicates:
                return self(self.book.predicates[n].checked.expr, positive)
            case Not(operand=x):
                return self(x, not positive)
            case BoolOp(op=op, operands=xs):
                conj = (op == "and") == positive
                return _combine(conj, [self(x, positive) for x in xs])
            case Compare(op=op, left=a, right=b):
                return self.compare(op if positive else _NEGATE[op], a, b)
            case Member(element=a, container=c, negated=neg):
                values = self.values(c)
                inside = positive != neg
                parts = [self.compare("==" if inside else "!=", a, Literal(v)) for v in values]
                return _combine(not inside, parts)
        raise NotTranslatableError(f"cannot translate {type(node).__name__} for durable-rules")

    def values(self, container: Expr) -> list[Any]:
        if isinstance(container, ListLit) and all(isinstance(i, Literal) for i in container.items):
            return [i.value for i in container.items if isinstance(i, Literal)]
        if isinstance(container, Name) and container.name in self.book.sets:
            return list(self.book.sets[container.name].values)
        raise NotTranslatableError("'in' needs a literal list or a named set for durable-rules")

    def compare(self, op: str, a: Expr, b: Expr) -> Translated:
        if isinstance(a, Literal) and isinstance(b, Name):
            a, b, op = b, a, _FLIP[op]
        if not (isinstance(a, Name) and "." in a.name and isinstance(b, Literal)):
            raise NotTranslatableError("durable-rules comparisons need a fact on one side and a value on the other")
        attr = getattr(self.m, field_name(a.name))
        value = encode(b.value)
        ops: dict[str, Callable[[Any, Any], Any]] = {
            "==": lambda x, y: x == y,
            "!=": lambda x, y: x != y,
            "<": lambda x, y: x < y,
            "<=": lambda x, y: x <= y,
            ">": lambda x, y: x > y,
            ">=": lambda x, y: x >= y,
        }
        return ops[op](attr, value)


def _combine(conjunction: bool, parts: list[Translated]) -> Translated:
    """``&`` or ``|`` of translated parts, folding constants away."""
    kept = []
    for part in parts:
        if part is (not conjunction):  # False in a conjunction, True in a disjunction
            return part
        if part is not conjunction:
            kept.append(part)
    if not kept:
        return conjunction
    result = kept[0]
    for part in kept[1:]:
        result = (result & part) if conjunction else (result | part)
    return result


@dataclass
class _Version:
    name: str
    constant: dict[str, str]  # rule id -> outcome for conditions that folded to a constant


class DurableEngine:
    """Decisions through durable-rules. One engine per rulebook; thread-safe.

    >>> from yibao_rules import load_rulebook
    >>> book = load_rulebook()
    >>> engine = DurableEngine(book)
    >>> facts = {"family_member": {"relationship": "兄弟姐妹"}}
    >>> engine.decide("职工医保个人账户家庭共济办理", facts, on=dt.date(2022, 7, 1)).status
    'ineligible'
    """

    def __init__(self, book: Rulebook) -> None:
        from durable import lang

        self._lang = lang
        self.book = book
        self.prefix = f"yibao{next(_instances)}"
        self._versions: dict[tuple[str, tuple[str, ...]], _Version] = {}
        self._outcomes: dict[int, dict[str, str]] = {}
        self._ids = itertools.count(1)

    def decide(self, item: str, facts: Mapping[str, Any] | None = None, on: dt.date | None = None) -> Decision:
        """Like :meth:`yibao_rules.Rulebook.decide`, evaluated by durable-rules."""
        compiled = self.book.item(item)
        day = decision_date(on)
        flat = self.book.vocabulary.normalise(facts or {})
        model = compiled.model
        if (model.effective_from or model.effective_to) and not model.in_force(day):
            return self.book.decide(item, facts, on)  # the item itself is out of force: nothing to evaluate
        steps = list(compiled.rules_in_force(day))
        outcomes = self._evaluate(compiled, steps, flat)
        values = [{"passed": True, "failed": False}.get(outcomes.get(s.rule.id, ""), UNKNOWN) for s in steps]
        return build_decision(self.book, compiled, steps, values, flat, day, refine=False)

    def _evaluate(self, compiled: CompiledItem, steps: list[RulePlan], flat: Mapping[str, Any]) -> dict[str, str]:
        with _lock:
            version = self._version(compiled, steps)
            token = next(self._ids)
            fact = {field_name(k): encode(v) for k, v in flat.items()}
            fact["yibao_token"] = token
            self._outcomes[token] = dict(version.constant)
            if version.name:
                try:
                    self._lang.assert_fact(version.name, fact)
                except not_handled_error():
                    pass  # no rule matched: every rule is unknown
                else:
                    self._lang.retract_fact(version.name, fact)
            return self._outcomes.pop(token)

    def _version(self, compiled: CompiledItem, steps: list[RulePlan]) -> _Version:
        key = (compiled.id, tuple(s.rule.id for s in steps))
        found = self._versions.get(key)
        if found is not None:
            return found
        lang = self._lang
        translate = _Translator(self.book, lang.m)
        constant: dict[str, str] = {}
        rules: list[tuple[str, str, Any]] = []
        for step in steps:
            for outcome, positive in (("passed", True), ("failed", False)):
                expr = translate(step.condition.checked.expr, positive)
                if expr is True:
                    constant[step.rule.id] = outcome
                elif expr is not False:
                    rules.append((step.rule.id, outcome, expr))
        name = ""
        if rules:
            name = f"{self.prefix}_{compiled.id}_v{len(self._versions) + 1}"
            with lang.ruleset(name):
                for rule_id, outcome, expr in rules:
                    lang.when_all(expr)(self._action(rule_id, outcome))
        version = _Version(name, constant)
        self._versions[key] = version
        return version

    def _action(self, rule_id: str, outcome: str) -> Callable[[Any], None]:
        outcomes = self._outcomes

        def record(c: Any) -> None:
            outcomes[c.m.yibao_token][rule_id] = outcome

        record.__name__ = f"{rule_id}__{outcome}"
        return record
