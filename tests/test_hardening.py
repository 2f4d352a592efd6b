"""Hardening: hostile or broken input ends in the library's own located error, quickly, never a traceback."""

from __future__ import annotations

import datetime as dt
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yibao_rules import FactsError, RulebookError, YibaoError, load_rulebook
from yibao_rules.calendar import default_calendar
from yibao_rules.testing.strategies import MutatedRulebook, rulebooks

from .conftest import RULES, run_cli

BOOK = load_rulebook()


@given(rulebooks(RULES))
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_mutated_rule_files_load_or_fail_with_located_problems(mutated: MutatedRulebook) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = mutated.write(Path(tmp))
        started = time.perf_counter()
        try:
            load_rulebook(root)
        except RulebookError as exc:
            assert exc.problems, mutated.description
            for problem in exc.problems:
                assert problem.location.line >= 1 and problem.location.col >= 1, mutated.description
                assert Path(problem.location.path).is_relative_to(root) or problem.location.path == str(root)
        assert time.perf_counter() - started < 2, mutated.description


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=10)
    | st.sampled_from(["甘肃省", "620000", "配偶", "2023-01-01", "职工医保", "9999-12-31"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=10,
)
party_facts = st.dictionaries(
    st.sampled_from(["applicant", "family_member", "applicantt", "x.y"]),
    st.dictionaries(
        st.sampled_from([k.split(".")[1] for k in BOOK.vocabulary.facts] + ["nope"]), json_values, max_size=4
    )
    | json_values,
    max_size=3,
)


@given(party_facts, st.sampled_from(sorted(BOOK.items)))
@settings(max_examples=400, deadline=None)
def test_arbitrary_facts_input_decides_or_raises_facts_error(facts: Any, item: str) -> None:
    try:
        decision = BOOK.decide(item, facts, on=dt.date(2024, 1, 1))
    except FactsError as exc:
        assert str(exc)
    else:
        assert decision.status in ("eligible", "ineligible", "undetermined")


@pytest.mark.parametrize(
    "value",
    [10**400, Decimal("1e999999"), float("inf"), float("nan"), -(10**50), "1" * 5000, "\x00", [], {}],
)
def test_huge_and_strange_values_are_facts_errors(value: Any) -> None:
    with pytest.raises(FactsError):
        BOOK.decide("family_mutual_aid", {"family_member": {"relationship": value}})
    with pytest.raises(FactsError):
        BOOK.decide("family_mutual_aid", {"applicant": {"insured_province": value}})


@pytest.mark.parametrize("day", [dt.date(1, 1, 1), dt.date(1999, 12, 31), dt.date(2060, 1, 1), dt.date(9999, 12, 31)])
def test_far_dates_are_calendar_errors(day: dt.date) -> None:
    with pytest.raises(YibaoError, match="outside the calendar"):
        BOOK.deadline("门诊费用报销", day)
    with pytest.raises(YibaoError):
        default_calendar().add_working_days(day, 1)


def test_decisions_far_in_time_still_work() -> None:
    """Eligibility has no calendar: any date is a valid decision date."""
    assert BOOK.decide(
        "family_mutual_aid", {"applicant": {"insured_province": "四川省"}}, dt.date(9999, 1, 1)
    ).status == ("ineligible")


@pytest.mark.parametrize(
    "args",
    [
        ("deadline", "门诊费用报销", "--submitted", "9999-12-31T09:00"),
        ("deadline", "--start", "2026-01-01", "--working-days", "100000"),
        ("evaluate", "family_mutual_aid", "--on", "10000-01-01"),
        ("checklist", "不存在的事项"),
        ("track", "/nonexistent/events.jsonl"),
        ("test", "/nonexistent"),
    ],
)
def test_cli_hostile_arguments_exit_2_without_traceback(args: tuple[str, ...]) -> None:
    result = run_cli(*args)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr and result.stderr.strip()


def test_alias_bomb_in_a_rule_file_is_refused_quickly(rules_copy: Path) -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(9)
    )
    (rules_copy / "items" / "bomb.yaml").write_text(bomb, encoding="utf-8")
    started = time.perf_counter()
    with pytest.raises(RulebookError, match="aliases are not allowed"):
        load_rulebook(rules_copy)
    assert time.perf_counter() - started < 2
