"""Fuzz targets shared by ``tests/fuzz/`` (bounded examples in every ``pytest`` run) and
``benchmarks/fuzz.py`` (the same targets for N minutes, failures counted by kind).

Each target is a Hypothesis strategy of hostile-but-plausible input and a function that
feeds it to the library. Every outcome must be a clean result or a
:class:`~yibao_rules.errors.YibaoError`, within the target's wall-clock bound.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import shutil
import tempfile
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from yibao_rules import RulebookError, YibaoError, load_rulebook
from yibao_rules.calendar import default_calendar, parse_moment
from yibao_rules.cases import replay
from yibao_rules.deadlines import add_days
from yibao_rules.errors import ConditionError
from yibao_rules.expr import UNKNOWN, compile_expr, parse, typecheck
from yibao_rules.expr import types as T
from yibao_rules.json_source import loads
from yibao_rules.testing.strategies import applicants, rulebooks

REPO = Path(__file__).resolve().parents[2]
RULES = REPO / "rules"
BOOK = load_rulebook()
CAL = default_calendar()
ITEMS = sorted(BOOK.items)
BUNDLES = sorted(BOOK.bundles)


class Slow(AssertionError):
    """A call took longer than its bound."""


@dataclass(frozen=True)
class Target:
    name: str
    strategy: st.SearchStrategy[Any]
    run: Callable[[Any], object]
    limit: float
    """Seconds one example may take (generous: it catches hangs and blow-ups, not jitter)."""


def outcome(target: Target, value: Any) -> str:
    """Run one example: ``"ok"`` or ``"rejected"`` (a YibaoError); raises on anything else."""
    started = time.perf_counter()
    try:
        target.run(value)
        result = "ok"
    except YibaoError:
        result = "rejected"
    took = time.perf_counter() - started
    if took > target.limit:
        raise Slow(f"{target.name}: {took:.1f} s > {target.limit} s")
    return result


# -- conditions ----------------------------------------------------------------------------------


class BookScope:
    """The embedded rulebook as the type checker sees it."""

    def fact_type(self, key: str) -> T.Type | None:
        return BOOK.vocabulary.fact_type(key)

    def fact_keys(self) -> Collection[str]:
        return BOOK.vocabulary.facts.keys()

    def set_type(self, name: str) -> T.Type | None:
        named = BOOK.sets.get(name)
        return T.collection(BOOK.vocabulary.facts[named.of].type) if named else None

    def is_predicate(self, name: str) -> bool:
        return name in BOOK.predicates

    def global_names(self) -> Collection[str]:
        return [*BOOK.sets, *BOOK.predicates]

    def province_code(self, text: str) -> str | None:
        return BOOK.vocabulary.divisions.province_code(text)

    def division_code(self, text: str) -> str | None:
        return BOOK.vocabulary.divisions.division_code(text)


_ATOMS = st.one_of(
    st.sampled_from([*BOOK.vocabulary.facts, "today", *BOOK.sets, *BOOK.predicates, "applicant.nope", "未知名称"]),
    st.integers(-(10**30), 10**30).map(str),
    st.sampled_from(["0", "1", "30", "3000000", "4000000", "1.5", "0.0", "1e999"]),
    st.sampled_from(['"甘肃省"', '"620000"', '"配偶"', '"职工医保"', '"x"', "“配偶”", "「甘肃」", '"420281"', '""']),
    st.sampled_from(["true", "false"]),
    st.sampled_from(['date("2023-01-01")', 'date("9999-12-31")', 'date("0001-01-01")', 'date("2023-02-30")']),
)
_BINARY = ["and", "or", "+", "-", "*", "/", "==", "!=", "<", "<=", ">", ">=", "in", "not in"]


def _combine(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.builds(lambda a, op, b: f"{a} {op} {b}", inner, st.sampled_from(_BINARY), inner),
        st.builds(lambda a: f"not {a}", inner),
        st.builds(lambda a: f"-{a}", inner),
        st.builds(lambda a: f"({a})", inner),
        st.builds(lambda xs: "[" + ", ".join(xs) + "]", st.lists(inner, max_size=4)),
        st.builds(
            lambda f, a, b: f"{f}({a}, {b})", st.sampled_from(["years_between", "days_between", "f"]), inner, inner
        ),
    )


def _typed_atoms() -> list[str]:
    """Conditions that type-check, so that evaluation (not just checking) is exercised."""
    out: list[str] = []
    for key, fact in BOOK.vocabulary.facts.items():
        if fact.kind == "enum":
            out += [f'{key} == "{v}"' for v in fact.values] + [f'{key} in ["{fact.values[0]}", "{fact.values[-1]}"]']
        elif fact.kind == "bool":
            out += [key, f"not {key}", f"{key} == true"]
        elif fact.kind == "province":
            out += [f'{key} == "甘肃省"', f'{key} != "620000"', f'"甘肃" in [{key}]', f'{key} in ["四川省", "甘肃"]']
        elif fact.kind == "admin_division":
            out += [f'{key} == "大冶市"', f'{key} in ["420281", "甘肃省"]']
    out += [f"family_member.relationship in {name}" for name in BOOK.sets] + list(BOOK.predicates)
    out += [
        'today > date("2023-01-01")',
        'today - date("2000-01-01") > 3000',
        'today + 30 > date("2026-01-01")',
        "today - 3650000 < today",
        'years_between(date("2000-01-01"), today) >= 18',
        'days_between(today, date("9999-12-31")) > 1 / 3',
    ]
    return out


_TYPED = st.sampled_from(_typed_atoms())
typed_conditions = st.recursive(
    _TYPED,
    lambda inner: st.one_of(
        st.builds(lambda a, op, b: f"{a} {op} {b}", inner, st.sampled_from(["and", "or"]), inner),
        st.builds(lambda a: f"not ({a})", inner),
        st.builds(lambda a: f"({a})", inner),
    ),
    max_leaves=20,
) | st.builds(lambda n: " + ".join(["1"] * n) + f" == {n}", st.integers(1, 130))

conditions = st.one_of(
    typed_conditions,
    typed_conditions,
    st.recursive(_ATOMS, _combine, max_leaves=12),
    st.builds(  # long chains and deep nesting: the recursion bombs
        lambda op, n, atom: f" {op} ".join([atom] * n),
        st.sampled_from(_BINARY[:6]),
        st.integers(1, 400),
        _ATOMS,
    ),
    st.builds(
        lambda kind, n: kind[0] * n + "x" + kind[1] * n,
        st.sampled_from([("(", ")"), ("not ", ""), ("-", "")]),
        st.integers(1, 300),
    ),
    st.text(max_size=60),
)


def _flat_facts(nested: dict[str, Any]) -> dict[str, Any]:
    return BOOK.vocabulary.normalise(nested)


def run_condition(example: tuple[str, dict[str, Any], dt.date]) -> object:
    text, facts, day = example
    try:
        checked = typecheck(parse(text), BookScope(), text)
    except ConditionError as exc:
        assert str(exc) and len(str(exc)) < 2000
        raise
    evaluate = compile_expr(
        checked.expr,
        predicates={n: c.evaluate for n, c in BOOK.predicates.items()},
        sets={n: frozenset(s.values) for n, s in BOOK.sets.items()},
    )
    value = evaluate(_flat_facts(facts), day)
    assert value is UNKNOWN or isinstance(value, bool), value
    return value


any_dates = st.dates(min_value=dt.date.min, max_value=dt.date.max)
CONDITIONS = Target("conditions", st.tuples(conditions, applicants(BOOK), any_dates), run_condition, 3.0)


# -- rule files ------------------------------------------------------------------------------------

_SNIPPETS = [
    "x: !!bool ''",
    "x: !!timestamp x",
    "x: !!int ''",
    "x: !!python/object:os.system ls",
    "x: &a [1]\ny: *a",
    "x: " + "[" * 200 + "]" * 200,
    "x: " + "1" * 5000,
    "x: 2023-02-30",
    "id: a\nid: b",
    "\t- bad",
    'x: "\\ud800"',
]


@st.composite
def _rule_edits(draw: st.DrawFn) -> tuple[str, str]:
    """(description, how to edit): a random mutation, a condition swapped in, or a YAML snippet added."""
    kind = draw(st.sampled_from(["mutate", "condition", "snippet", "inherits"]))
    if kind == "condition":
        return kind, draw(conditions)
    if kind == "snippet":
        return kind, draw(st.sampled_from(_SNIPPETS))
    if kind == "inherits":
        return kind, json.dumps(draw(st.lists(st.sampled_from(["普通门诊", "急诊", "意外伤害就医", "x"]), max_size=40)))
    return kind, ""


_MUTATED = rulebooks(RULES)


def run_rule_files(example: tuple[tuple[str, str], Any]) -> object:
    (kind, payload), mutated = example
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "rules"
        if kind == "mutate":
            mutated.write(root)
        else:
            shutil.copytree(RULES, root)
            if kind == "condition":
                item = root / "items" / "family_mutual_aid.yaml"
                text = item.read_text(encoding="utf-8")
                item.write_text(
                    text.replace("condition: 在甘肃省参保", f"condition: {json.dumps(payload)}", 1), "utf-8"
                )
            elif kind == "snippet":
                (root / "items" / "snippet.yaml").write_text(payload + "\n", encoding="utf-8")
            else:
                item = root / "items" / "outpatient_reimbursement.yaml"
                text = item.read_text(encoding="utf-8")
                item.write_text(text.replace("inherits: [普通门诊]", f"inherits: {payload}", 1), "utf-8")
        try:
            book = load_rulebook(root)
        except RulebookError as exc:
            assert exc.problems
            for problem in exc.problems:
                assert problem.location.line >= 1 and problem.location.col >= 1
                assert Path(problem.location.path).is_relative_to(root) or problem.location.path == str(root)
            exc.render()
            raise
        for item in ("family_mutual_aid", "outpatient_reimbursement"):
            if item in book.items:
                book.decide(item, {}, dt.date(2024, 1, 1))
        return book


RULE_FILES = Target("rule_files", st.tuples(_rule_edits(), _MUTATED), run_rule_files, 10.0)


# -- facts -----------------------------------------------------------------------------------------

_json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(17, 6000).map(lambda n: 10**n)  # drawn as the exponent: Hypothesis cannot print 10**5000
    | st.floats()
    | st.decimals()
    | st.text(max_size=10)
    | st.sampled_from(["甘肃省", "620000", "配偶", "2023-01-01", "职工医保", "9999-12-31"])
    | st.integers(1000, 5000).map(lambda n: "甘" * n),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=10,
)
_names = sorted({k.split(".")[1] for k in BOOK.vocabulary.facts} | {"nope"})


def _nested(n: int) -> Any:
    value: Any = "配偶"
    for _ in range(n):
        value = [value]
    return value


_shallow_facts = st.one_of(
    st.dictionaries(
        st.sampled_from(["applicant", "family_member", "applicantt", *BOOK.vocabulary.facts]),
        st.dictionaries(st.sampled_from(_names), _json_values, max_size=4) | _json_values,
        max_size=4,
    ),
    _json_values,
)
_facts = _shallow_facts | st.integers(1, 3000).map(lambda n: {"family_member": {"relationship": _nested(n)}})


def _dumps(value: Any) -> str:
    try:
        return json.dumps(value, default=str)
    except ValueError:  # an integer too long for Python to print: the text strategies cover those
        return "{}"


_json_text = st.one_of(
    _shallow_facts.map(_dumps),
    st.text(max_size=40),
    st.integers(1, 3000).map(lambda n: '{"a": ' + "[" * n + "]" * n + "}"),
    st.integers(1, 6000).map(lambda n: '{"applicant": {"insured_province": ' + "9" * n + "}}"),
    st.sampled_from(
        [
            '{"a": 1, "a": 2}',
            '{"x": NaN}',
            "\ufeff{}",
            '{"applicant": {"cross_region_filed": true}, "applicant.cross_region_filed": false}',
        ]
    ),
)


def run_facts(example: tuple[Any, str, str, str | None, Any]) -> object:
    facts, item, bundle, situation, day = example
    if isinstance(facts, str):
        facts = loads(facts, "fuzz.json")
    decision = BOOK.decide(item, facts, day)
    assert decision.status in ("eligible", "ineligible", "undetermined")
    for call in (lambda: BOOK.checklist(item, facts, situation, day), lambda: BOOK.bundle_report(bundle, facts, day)):
        with contextlib.suppress(YibaoError):  # a refusal here (several 情形 apply, …) is fine
            call()
    return decision


FACTS = Target(
    "facts",
    st.tuples(
        applicants(BOOK) | applicants(BOOK) | applicants(BOOK).map(_dumps) | _facts | _json_text,
        st.sampled_from(ITEMS),
        st.sampled_from(BUNDLES),
        st.none() | st.sampled_from(["普通门诊", "急诊", "x"]),
        st.none() | any_dates | any_dates | st.sampled_from(["2024-01-01", 20240101]),
    ),
    run_facts,
    3.0,
)


# -- dates and deadlines ---------------------------------------------------------------------------

_counts = (
    st.integers(0, 400)
    | st.integers(0, 60)
    | st.integers(-5, 10**10)
    | st.sampled_from([3_000_000, 10**9, True, 1.5, "3"])
)
_usual = st.datetimes(min_value=dt.datetime(2001, 1, 1), max_value=dt.datetime(2029, 12, 31))
_moments = st.one_of(
    _usual,
    _usual,
    _usual.map(lambda d: d.date()),
    st.datetimes(min_value=dt.datetime.min, max_value=dt.datetime.max),
    st.datetimes(timezones=st.timezones() | st.just(dt.UTC)),
    any_dates,
    st.text(max_size=30).map(lambda s: s),
    st.sampled_from(
        ["2026-04-29T09:30+00:00", "2026-04-29T09:30Z", "9999-12-31T23:59-12:00", "0001-01-01T00:00+14:00"]
    ),
)


def run_dates(example: tuple[Any, Any, str, Any, Any]) -> object:
    when, n, kind, item, pause = example
    if isinstance(when, str):
        when = parse_moment(when)
    day = when.date() if isinstance(when, dt.datetime) else when
    if isinstance(n, int) and not isinstance(n, bool) and n < 0:
        return None  # documented: a negative count is a ValueError
    add_days(CAL, day, kind, n)
    CAL.add_natural_days(day, n)
    CAL.working_days_between(day, CAL.last)
    return BOOK.deadline(item, when, pauses=pause)


DATES = Target(
    "dates",
    st.tuples(
        _moments,
        _counts,
        st.sampled_from(["working_days", "natural_days"]),
        st.sampled_from([*ITEMS, *BUNDLES]),
        st.just(())
        | st.just(())
        | st.lists(st.tuples(_usual.map(lambda d: d.date()), _usual.map(lambda d: d.date())), max_size=2)
        | st.lists(st.tuples(any_dates, any_dates), max_size=2)
        | st.sampled_from([[1], "x"]),
    ),
    run_dates,
    3.0,
)


# -- event logs ------------------------------------------------------------------------------------

_EVENT_KINDS = ["submitted", "accepted", "correction_requested", "corrected", "stage_completed", "closed", "reopened"]
_near = st.datetimes(min_value=dt.datetime(2025, 1, 1), max_value=dt.datetime(2027, 12, 31))
_times = st.one_of(
    _near.map(lambda d: d.isoformat()),
    _near.map(lambda d: d.isoformat()),
    _near.map(lambda d: d.isoformat()),
    st.datetimes().map(lambda d: d.isoformat()),
    st.sampled_from(["0001-01-01T09:00", "9999-12-31T09:00", "2026-04-29T09:30+00:00", "yesterday", ""]),
    st.integers(),
)
_event = st.fixed_dictionaries(
    {"case": st.sampled_from(["A", "B"]) | st.integers(), "event": st.sampled_from(_EVENT_KINDS), "at": _times},
    optional={
        "item": st.sampled_from([*ITEMS[:4], "门诊费用报销", "nope"]) | st.lists(st.text(max_size=2), max_size=1),
        "situation": st.sampled_from(["普通门诊", "急诊"]) | st.lists(st.just("x"), max_size=1) | st.integers(),
        "stage": st.text(max_size=4),
        "extra": st.integers(),
    },
)


@st.composite
def _case_log(draw: st.DrawFn) -> list[str]:
    """A plausible log: one case submitted, then events in time order."""
    at = draw(_near)
    item = draw(st.sampled_from(["门诊费用报销", "慢性病规定病种申报一件事", "就医费用报销一件事", *ITEMS[:3]]))
    lines = [{"case": "A", "event": "submitted", "at": at.isoformat(), "item": item}]
    for kind in draw(st.lists(st.sampled_from(_EVENT_KINDS[1:6]), max_size=5)):
        at += dt.timedelta(hours=draw(st.integers(0, 24 * 40)))
        lines.append(
            {
                "case": "A",
                "event": kind,
                "at": at.isoformat(),
                **({"stage": "审核"} if kind == "stage_completed" else {}),
            }
        )
    return [json.dumps(e, ensure_ascii=False) for e in lines]


_lines = (
    _case_log()
    | _case_log()
    | st.lists(
        _event.map(lambda e: json.dumps(e, ensure_ascii=False))
        | st.sampled_from(["{not json", "[]", '{"case": "A", "case": "B"}', "1" * 5000, "[" * 1000 + "]" * 1000]),
        max_size=6,
    )
)
_nows = st.none() | st.datetimes(min_value=dt.datetime(2025, 1, 1)) | st.sampled_from([dt.datetime(9999, 1, 1)])


def run_events(example: tuple[list[str], dt.datetime | None, bool]) -> object:
    lines, now, raw_bytes = example
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "events.jsonl"
        data = "\n".join(lines).encode()
        log.write_bytes(data + (b"\xff\n" if raw_bytes else b"\n"))
        return replay(BOOK, log, now=now)


EVENTS = Target("events", st.tuples(_lines, _nows, st.booleans()), run_events, 5.0)

TARGETS = [CONDITIONS, RULE_FILES, FACTS, DATES, EVENTS]
