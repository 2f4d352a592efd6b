"""The working-day calendar: an independent oracle, counting properties, worked examples, bad input."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from yibao_rules import RulebookError
from yibao_rules.calendar import (
    CalendarRangeError,
    ProvisionalDateError,
    WorkingCalendar,
    default_calendar,
    load_calendar,
)

CAL = default_calendar()
OFFICIAL = st.dates(min_value=dt.date(2004, 1, 1), max_value=dt.date(2026, 6, 30))

# Where the oracle is wrong, checked against the State Council notice itself.
ORACLE_ERRATA = {
    # 国务院办公厅关于2006年部分节假日安排的通知（国办发明电〔2005〕35号）：
    # "一、元旦：1月1日—3日放假……12月31日（星期六）上班。" chinesecalendar marks it a rest day.
    dt.date(2005, 12, 31): True,
}


def test_agrees_with_chinesecalendar_on_every_day_it_covers() -> None:
    day, disagreements = dt.date(2004, 1, 1), []
    while day <= dt.date(2026, 12, 31):
        expected = ORACLE_ERRATA.get(day, chinese_calendar.is_workday(day))
        if CAL.is_working_day(day) != expected:
            disagreements.append(day)
        day += dt.timedelta(days=1)
    assert disagreements == []


def test_the_errata_really_are_oracle_disagreements() -> None:
    for day, working in ORACLE_ERRATA.items():
        assert chinese_calendar.is_workday(day) != working
        assert CAL.is_working_day(day) == working


def working_days() -> st.SearchStrategy[dt.date]:
    return OFFICIAL.filter(CAL.is_working_day)


@given(OFFICIAL, st.integers(0, 120))
@settings(max_examples=500)
def test_due_date_is_a_working_day(start: dt.date, n: int) -> None:
    due = CAL.add_working_days(start, n)
    if n > 0:
        assert CAL.is_working_day(due) and due > start
        assert CAL.working_days_between(start, due) == n


@given(working_days(), st.integers(0, 60), st.integers(0, 60))
@settings(max_examples=500)
def test_adding_is_associative_from_a_working_day(start: dt.date, a: int, b: int) -> None:
    assert CAL.add_working_days(CAL.add_working_days(start, a), b) == CAL.add_working_days(start, a + b)


@given(OFFICIAL, st.integers(0, 100))
@settings(max_examples=300)
def test_monotone_in_n(start: dt.date, n: int) -> None:
    assert CAL.add_working_days(start, n) <= CAL.add_working_days(start, n + 1)


@given(OFFICIAL, OFFICIAL)
@settings(max_examples=300)
def test_between_counts_working_days_in_half_open_interval(a: dt.date, b: dt.date) -> None:
    a, b = min(a, b), max(a, b)
    if (b - a).days > 400:
        b = a + dt.timedelta(days=400)
    naive = sum(CAL.is_working_day(a + dt.timedelta(days=i)) for i in range(1, (b - a).days + 1))
    assert CAL.working_days_between(a, b) == naive == -CAL.working_days_between(b, a)


@given(OFFICIAL, st.integers(0, 60))
@settings(max_examples=300)
def test_natural_days_end_on_a_working_day(start: dt.date, n: int) -> None:
    end = CAL.add_natural_days(start, n)
    assert CAL.is_working_day(end)
    assert end >= start + dt.timedelta(days=n)
    # 民法典 第二百零三条: only moved forward past 法定休假日, never further.
    assert all(not CAL.is_working_day(d) for d in _days(start + dt.timedelta(days=n), end))


def _days(a: dt.date, b: dt.date) -> list[dt.date]:
    return [a + dt.timedelta(days=i) for i in range((b - a).days)]


def test_national_day_2026_from_the_issue() -> None:
    """2026-09-28 + 5 working days: 10-01…10-07 off, Saturday 10-10 worked (调休)."""
    assert CAL.add_working_days(dt.date(2026, 9, 28), 5) == dt.date(2026, 10, 10)
    assert CAL.day_info(dt.date(2026, 10, 10)).kind == "调休上班"
    assert CAL.day_info(dt.date(2026, 10, 1)).name == "国庆节"
    assert CAL.next_working_day(dt.date(2026, 9, 30)) == dt.date(2026, 10, 8)


def test_start_day_is_not_counted_and_zero_is_identity() -> None:
    monday = dt.date(2026, 3, 2)
    assert CAL.add_working_days(monday, 1) == dt.date(2026, 3, 3)
    assert CAL.add_working_days(monday, 0) == monday
    assert CAL.add_working_days(dt.date(2026, 3, 7), 1) == dt.date(2026, 3, 9)  # from a Saturday


def test_natural_days_ending_in_a_holiday_move_to_the_next_working_day() -> None:
    # 2026-09-24 + 7 natural days = 10-01 (国庆节) → 10-08, the first working day after the holiday.
    assert CAL.add_natural_days(dt.date(2026, 9, 24), 7) == dt.date(2026, 10, 8)
    assert CAL.add_natural_days(dt.date(2026, 3, 2), 7) == dt.date(2026, 3, 9)


def test_years_after_the_last_notice_are_provisional() -> None:
    assert CAL.official_until == dt.date(2026, 12, 31)
    assert CAL.is_provisional(dt.date(2027, 1, 4))
    assert not CAL.is_provisional(dt.date(2026, 12, 31))
    strict = CAL.with_strict()
    assert strict.add_working_days(dt.date(2026, 12, 1), 5) == dt.date(2026, 12, 8)
    with pytest.raises(ProvisionalDateError, match="after the last official holiday notice"):
        strict.add_working_days(dt.date(2026, 12, 20), 30)
    with pytest.raises(ProvisionalDateError):
        strict.is_working_day(dt.date(2027, 2, 8))


@pytest.mark.parametrize("day", [dt.date(1999, 1, 1), dt.date(2060, 1, 1)])
def test_dates_outside_the_calendar_are_clear_errors(day: dt.date) -> None:
    with pytest.raises(CalendarRangeError, match="outside the calendar"):
        CAL.add_working_days(day, 3)
    with pytest.raises(CalendarRangeError):
        CAL.is_working_day(day)


def test_bad_arguments() -> None:
    with pytest.raises(ValueError):
        CAL.add_working_days(dt.date(2026, 3, 2), -1)
    with pytest.raises(TypeError):
        CAL.add_working_days(dt.datetime(2026, 3, 2, 9), 1)  # type: ignore[arg-type]


NOTICE = """\
year: 2027
title: 测试用节假日安排通知（非真实通知）
source: tests/test_calendar.py
holidays:
  - {date: 2027-01-01, name: 元旦}
  - {date: 2027-01-04, name: 测试休息日}
make_up_working_days:
  - {date: 2027-01-09, name: 测试上班日}
"""


def test_a_notice_overlay_makes_its_year_official(tmp_path: Path) -> None:
    (tmp_path / "2027.yaml").write_text(NOTICE, encoding="utf-8")
    cal: WorkingCalendar = load_calendar(tmp_path)
    assert cal.official_until == dt.date(2027, 12, 31)
    assert not cal.is_working_day(dt.date(2027, 1, 4))
    assert cal.is_working_day(dt.date(2027, 1, 9))
    assert cal.is_working_day(dt.date(2027, 2, 8))  # the overlay replaces the package's estimate for 2027


def test_a_bad_notice_is_a_located_error(tmp_path: Path) -> None:
    (tmp_path / "2027.yaml").write_text(NOTICE.replace("2027-01-09", "2027-01-11"), encoding="utf-8")
    with pytest.raises(RulebookError, match="is not a Saturday or Sunday"):
        load_calendar(tmp_path)
