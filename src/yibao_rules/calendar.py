"""The Chinese working-day calendar: 法定节假日, 调休 make-up working days, and counting rules.

Data and logic are separate. The *data* is the ``holidays`` package's China calendar
(State Council notices 2001 onwards) plus YAML overlays in ``rules/calendar/`` for notices
newer than the installed package. The *logic* is one rule: a weekend day is a working day
only if it is a listed 调休 make-up day; a weekday is a working day unless it is a holiday.

Counting follows 《中华人民共和国民法典》 第二百零一条至第二百零三条:

* the day a period starts is not counted (第二百零一条);
* a period counted in natural days whose last day is a 法定休假日 (a holiday or a rest day)
  ends on the next working day (第二百零三条).

Years after the last official notice are *provisional*: their statutory holidays are
known from the 《全国年节及纪念日放假办法》 but their 调休 arrangement is not, so results that
depend on them carry ``provisional=True`` (or raise :class:`ProvisionalDateError` in strict mode).

Lookups are O(1): every day of the covered range is precomputed once into a flag array and
a running count of working days, so ``add_working_days`` costs the same for any ``n``.

Every public function checks its arguments: a date outside the calendar, or a count that
would leave it, is a :class:`CalendarRangeError`; a value of the wrong type a
:class:`CalendarTypeError` (both :class:`~yibao_rules.errors.YibaoError`; a negative count
stays a ``ValueError``). Times are Beijing time (:func:`beijing_time`): a time with a UTC
offset is converted, never silently read as local.

The calendar of a rules folder is cached by the *contents* of its notices, so a notice
added or edited is seen by the next call in the same process.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import ValidationError

from yibao_rules.errors import RulebookError, YibaoError, shown
from yibao_rules.resources import default_rules_path
from yibao_rules.schema import CalendarNotice
from yibao_rules.validation import translate_validation_error
from yibao_rules.yaml_source import read_yaml

__all__ = [
    "BEIJING",
    "CalendarRangeError",
    "CalendarTypeError",
    "DayInfo",
    "MomentError",
    "ProvisionalDateError",
    "WorkingCalendar",
    "beijing_time",
    "beijing_today",
    "default_calendar",
    "load_calendar",
    "parse_moment",
    "parse_submission",
]

_DATE = dt.date
FIRST_YEAR = 2001
PROVISIONAL_YEARS = 3
DayKind = Literal["工作日", "周末", "法定节假日", "调休上班", "调休休息"]


class CalendarRangeError(YibaoError):
    """A date outside the years the calendar covers at all."""


class CalendarTypeError(YibaoError, TypeError):
    """An argument of the wrong type (a string where a date is needed, …)."""


class MomentError(YibaoError, ValueError):
    """Text that is not a time written ``YYYY-MM-DDTHH:MM`` (with an optional UTC offset)."""


BEIJING = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")


def beijing_today() -> dt.date:
    """Today in Beijing time: the default decision date everywhere (CLI, library, service), so
    that one question gets one answer whatever the machine's own time zone."""
    return dt.datetime.now(BEIJING).date()


"""China Standard Time: UTC+8 all year (no daylight saving since 1991, before the calendar starts)."""


def beijing_time(moment: dt.datetime) -> dt.datetime:
    """``moment`` as naive Beijing time: a time with a UTC offset is converted, a naive one kept.

    >>> beijing_time(dt.datetime(2026, 4, 29, 9, 30, tzinfo=dt.timezone.utc))
    datetime.datetime(2026, 4, 29, 17, 30)
    """
    if not isinstance(moment, dt.datetime):
        raise CalendarTypeError(f"expected a datetime, got {type(moment).__name__}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        return moment.replace(tzinfo=None)
    try:
        return moment.astimezone(BEIJING).replace(tzinfo=None)
    except OverflowError:
        raise CalendarRangeError(
            f"{moment.isoformat()} 换算为北京时间后超出日期范围 (out of range in Beijing time)"
        ) from None


def parse_moment(text: str) -> dt.datetime:
    """A submission or event time: ``YYYY-MM-DDTHH:MM[:SS]`` (or a date: midnight) in Beijing time,
    or with a UTC offset (``+00:00``, ``Z``), converted to Beijing time. The one parser of times.

    Raises :class:`MomentError` (a ``ValueError``; ``CalendarTypeError`` for a non-string) on anything else.

    >>> parse_moment("2026-04-29T09:30+00:00")
    datetime.datetime(2026, 4, 29, 17, 30)
    """
    if not isinstance(text, str):
        raise CalendarTypeError(f"expected a time written YYYY-MM-DDTHH:MM, got {type(text).__name__}")
    written = text if ("T" in text or " " in text) else text + "T00:00"
    try:
        if len(text) > 40:
            raise ValueError
        moment = dt.datetime.fromisoformat(written)
    except ValueError:
        raise MomentError(
            f"{shown(text)} 不是时间 (not a time written YYYY-MM-DDTHH:MM, in Beijing time or with a UTC offset)"
        ) from None
    return beijing_time(moment)


def parse_submission(text: str) -> dt.datetime | dt.date:
    """``--submitted`` and the API's ``submitted``: a time (:func:`parse_moment`: Beijing time, a UTC
    offset converted) or, written without a time, a day (received that day, office hours aside).

    Raises :class:`MomentError` on anything else.
    """
    if isinstance(text, str) and "T" not in text and " " not in text:
        try:
            if len(text) > 40:
                raise ValueError
            return dt.date.fromisoformat(text)
        except ValueError:
            raise MomentError(f"{shown(text)} 不是日期或时间 (not YYYY-MM-DD or YYYY-MM-DDTHH:MM)") from None
    return parse_moment(text)


def _check_date(day: object, what: str = "date") -> dt.date:
    if not isinstance(day, dt.date) or isinstance(day, dt.datetime):
        raise CalendarTypeError(f"expected a {what} (datetime.date), got {type(day).__name__}")
    return day


def _check_count(n: object) -> int:
    if not isinstance(n, int) or isinstance(n, bool):
        raise CalendarTypeError(f"n must be a whole number, got {type(n).__name__}")
    if n < 0:
        raise ValueError("n must be >= 0")
    return n


class ProvisionalDateError(YibaoError):
    """Strict mode: an answer would depend on a year no official notice covers yet."""


@dataclass(frozen=True)
class DayInfo:
    """What kind of day a date is, and why."""

    date: dt.date
    working: bool
    kind: DayKind
    name: str | None = None
    provisional: bool = False

    def reason(self) -> str:
        return f"{self.kind}（{self.name}）" if self.name else self.kind


@dataclass(frozen=True)
class Source:
    """Where a year's data comes from."""

    year: int
    official: bool
    reference: str


@dataclass(frozen=True, eq=False)
class WorkingCalendar:
    """A precomputed working-day calendar over ``[first, last]``.

    ``official_until`` is the last day covered by an official notice; later days are
    provisional. With ``strict=True`` any answer that depends on a provisional day raises
    :class:`ProvisionalDateError` instead of being flagged.
    """

    first: dt.date
    last: dt.date
    official_until: dt.date
    holidays: Mapping[dt.date, str]
    make_up_days: Mapping[dt.date, str]
    sources: tuple[Source, ...]
    strict: bool = False
    _base: int = field(init=False, repr=False)
    _working: bytearray = field(init=False, repr=False)
    _rank: list[int] = field(init=False, repr=False)
    _dates: list[dt.date] = field(init=False, repr=False)
    _size: int = field(init=False, repr=False)
    _count: int = field(init=False, repr=False)
    _official_k: int = field(init=False, repr=False)

    def __post_init__(self) -> None:
        base = self.first.toordinal()
        size = self.last.toordinal() - base + 1
        working = bytearray(size)
        rank = [0] * size
        dates: list[dt.date] = []
        count = 0
        for i in range(size):
            day = dt.date.fromordinal(base + i)
            if self._compute_working(day):
                working[i] = 1
                count += 1
                dates.append(day)
            rank[i] = count
        object.__setattr__(self, "_base", base)
        object.__setattr__(self, "_working", working)
        object.__setattr__(self, "_rank", rank)
        object.__setattr__(self, "_dates", dates)
        object.__setattr__(self, "_size", size)
        object.__setattr__(self, "_count", len(dates))
        # index of the last working day an official notice covers
        official = self.official_until.toordinal() - base
        object.__setattr__(self, "_official_k", rank[official] - 1 if 0 <= official < size else len(dates) - 1)

    def _compute_working(self, day: dt.date) -> bool:
        if day.weekday() >= 5:
            return day in self.make_up_days
        return day not in self.holidays

    def with_strict(self, strict: bool = True) -> WorkingCalendar:
        """The same calendar, raising instead of flagging provisional answers."""
        return WorkingCalendar(
            self.first, self.last, self.official_until, self.holidays, self.make_up_days, self.sources, strict
        )

    # -- checks ------------------------------------------------------------------------
    def _index(self, day: dt.date) -> int:
        i = _check_date(day).toordinal() - self._base
        if i < 0 or i >= len(self._working):
            raise CalendarRangeError(
                f"日期 {day} 超出日历范围 (date outside the calendar: {self.first} – {self.last}; "
                f"official holiday notices cover up to {self.official_until})"
            )
        return i

    def is_provisional(self, day: dt.date) -> bool:
        return day > self.official_until

    def _guard(self, *days: dt.date) -> bool:
        """True if any of ``days`` is provisional; raises in strict mode."""
        latest = max(days)
        if latest > self.official_until:
            if self.strict:
                raise ProvisionalDateError(
                    f"{latest} 晚于已公布的节假日安排 (after the last official holiday notice, which covers up to "
                    f"{self.official_until}); add the new notice under rules/calendar/"
                )
            return True
        return False

    # -- the public operations ----------------------------------------------------------
    def is_working_day(self, day: dt.date) -> bool:
        """Whether ``day`` is a working day (raises in strict mode if ``day`` is provisional)."""
        i = self._index(day)
        self._guard(day)
        return bool(self._working[i])

    def day_info(self, day: dt.date) -> DayInfo:
        i = self._index(day)
        provisional = self.is_provisional(day)
        working = bool(self._working[i])
        if day in self.make_up_days and working:
            return DayInfo(day, True, "调休上班", self.make_up_days[day], provisional)
        if day in self.holidays and not working:
            name = self.holidays[day]
            kind: DayKind = "调休休息" if "对调" in name or "调休" in name or "休息日" in name else "法定节假日"
            return DayInfo(day, False, kind, name, provisional)
        return DayInfo(day, working, "工作日" if working else "周末", None, provisional)

    def add_working_days(self, start: dt.date, n: int) -> dt.date:
        """The ``n``-th working day after ``start`` (``start`` itself is not counted).

        ``n == 0`` returns ``start`` unchanged. ``n`` must not be negative.

        >>> cal = default_calendar()
        >>> cal.add_working_days(dt.date(2026, 9, 28), 5)   # across National Day 2026
        datetime.date(2026, 10, 10)
        """
        # Hot path, kept flat on purpose: two list lookups return a prebuilt date.
        if type(start) is _DATE and type(n) is int and n > 0:
            i = start.toordinal() - self._base
            if 0 <= i < self._size:
                k = self._rank[i] + n - 1
                if k < self._count and (k <= self._official_k or not self.strict):
                    return self._dates[k]
        return self._add_working_days_checked(start, n)

    def _add_working_days_checked(self, start: dt.date, n: int) -> dt.date:
        _check_count(n)
        i = self._index(start)
        if n == 0:
            return start
        k = self._rank[i] + n - 1
        if k >= self._count:
            raise CalendarRangeError(
                f"超出日历范围 ({n} working days after {start} is beyond the calendar, which ends {self.last})"
            )
        due = self._dates[k]
        self._guard(due)
        return due

    def working_days_between(self, a: dt.date, b: dt.date) -> int:
        """Working days in the half-open interval ``(a, b]``; negative if ``b < a``.

        The inverse of :meth:`add_working_days`: ``working_days_between(d, add_working_days(d, n)) == n``.
        """
        i, j = self._index(a), self._index(b)
        self._guard(a, b)
        return self._rank[j] - self._rank[i]

    def next_working_day(self, day: dt.date) -> dt.date:
        """The first working day strictly after ``day``."""
        return self.add_working_days(day, 1)

    def on_or_after(self, day: dt.date) -> dt.date:
        """``day`` if it is a working day, else the next working day."""
        return day if self.is_working_day(day) else self.next_working_day(day)

    def first_day_with_days_left(self, due: dt.date, n: int) -> dt.date | None:
        """The earliest day ``d`` with ``working_days_between(d, due) == n`` (``None`` if there is
        none inside the calendar): the day an "``n`` working days left" condition starts to hold."""
        k = self._rank[self._index(due)] - n  # d needs rank k: the k-th working day (or the calendar's start)
        if k > 0:
            return self._dates[k - 1]
        return self.first if k == 0 and not self._working[0] else None

    def add_natural_days(self, start: dt.date, n: int) -> dt.date:
        """``start + n`` days; if that day is not a working day (法定休假日), the next working day."""
        _check_count(n)
        i = self._index(start)
        if i + n >= self._size:  # checked on the count: start + n may not even be a date
            raise CalendarRangeError(
                f"超出日历范围 ({n} natural days after {start} is beyond the calendar, which ends {self.last})"
            )
        return self.on_or_after(start + dt.timedelta(days=n))

    def non_working_days(self, a: dt.date, b: dt.date) -> list[DayInfo]:
        """Every non-working day in ``(a, b]`` with the reason it is not worked."""
        self._index(a), self._index(b)
        out = []
        for o in range(a.toordinal() + 1, b.toordinal() + 1):
            day = dt.date.fromordinal(o)
            if not self._working[self._index(day)]:
                out.append(self.day_info(day))
        return out

    def make_up_days_between(self, a: dt.date, b: dt.date) -> list[DayInfo]:
        """Every 调休 make-up working day in ``(a, b]``."""
        _check_date(a), _check_date(b)
        return [self.day_info(d) for d in sorted(self.make_up_days) if a < d <= b]


# -- building the calendar from data --------------------------------------------------------


def _package_years() -> tuple[int, str]:
    """The last year with an official 调休 arrangement in the installed ``holidays`` package."""
    from importlib.metadata import version

    from holidays.countries import china

    try:
        last = max(int(y) for y in china.ChinaStaticHolidays.special_public_holidays)
    except (AttributeError, ValueError, TypeError):  # pragma: no cover - depends on the package version
        years = range(FIRST_YEAR, dt.date.today().year + 2)
        last = max(y for y in years if any(d.year == y for d in china.China(years=y).weekend_workdays))  # type: ignore[no-untyped-call]
    return last, f"holidays {version('holidays')} (国务院办公厅节假日安排通知 2001–{last})"


def load_calendar(calendar_dir: Path | None = None, *, provisional_years: int = PROVISIONAL_YEARS) -> WorkingCalendar:
    """Build the calendar from the ``holidays`` package plus the notices in ``calendar_dir``.

    A notice file replaces the package's data for its year and makes that year official.
    """
    from holidays.countries.china import China

    package_until, package_ref = _package_years()
    last_official = package_until
    notices = _read_notices(calendar_dir) if calendar_dir is not None else []
    by_year = {n.year: n for n in notices}
    if by_year:
        last_official = max(last_official, max(by_year))
    last_year = last_official + provisional_years
    package = China(years=range(FIRST_YEAR, last_year + 1), language="zh_CN")  # type: ignore[no-untyped-call]
    days_off: dict[dt.date, str] = {}
    make_up: dict[dt.date, str] = {}
    sources: list[Source] = []
    for year in range(FIRST_YEAR, last_year + 1):
        notice = by_year.get(year)
        if notice is not None:
            days_off.update({d.date: d.name for d in notice.holidays if d.date.year == year})
            make_up.update({d.date: d.name for d in notice.make_up_working_days})
            sources.append(Source(year, True, f"{notice.title}（{notice.document_number or '文号未录入'}）"))
            continue
        days_off.update({d: str(name) for d, name in package.items() if d.year == year})
        official = year <= package_until
        sources.append(Source(year, official, package_ref if official else "法定节假日（推定，调休安排未公布）"))
    notice_years = set(by_year)
    for day in package.weekend_workdays:
        if day.year not in notice_years and (day + dt.timedelta(days=7)).year not in notice_years:
            make_up.setdefault(day, "调休上班")
    for day, name in list(days_off.items()):  # "休息日（由 2026-09-20 调休）" names the make-up day it pairs with
        m = re.search(r"由 ?(\d{4}-\d{2}-\d{2}) ?调休", name)
        if m:
            worked = dt.date.fromisoformat(m.group(1))
            days_off[day] = f"与 {worked.isoformat()} 上班日对调"
            if make_up.get(worked) == "调休上班":
                make_up[worked] = f"与 {day.isoformat()} 休息日对调"
    return WorkingCalendar(
        first=dt.date(FIRST_YEAR, 1, 1),
        last=dt.date(last_year, 12, 31),
        official_until=dt.date(last_official, 12, 31),
        holidays=days_off,
        make_up_days=make_up,
        sources=tuple(sources),
    )


def _read_notices(calendar_dir: Path) -> list[CalendarNotice]:
    notices: list[CalendarNotice] = []
    problems = []
    if not calendar_dir.is_dir():
        return notices
    for file in sorted(calendar_dir.glob("*.y*ml")):
        doc, file_problems = read_yaml(file, str(file), calendar_dir)
        problems.extend(file_problems)
        if doc is None or file_problems:
            continue
        try:
            notices.append(CalendarNotice.model_validate(doc.data))
        except ValidationError as exc:
            problems.extend(translate_validation_error(exc, doc, CalendarNotice))
    if problems:
        raise RulebookError(problems)
    return notices


def default_calendar() -> WorkingCalendar:
    """The calendar of the embedded rulebook (built once, and again only if its notices change)."""
    return calendar_for(default_rules_path())


def calendar_for(rules_root: Path) -> WorkingCalendar:
    """The calendar of a rules folder, cached by the contents of its ``calendar/`` notices."""
    folder = rules_root / "calendar"
    return _calendar_for(str(folder.resolve()), _fingerprint(folder))


def _fingerprint(folder: Path) -> tuple[tuple[str, str], ...]:
    if not folder.is_dir():
        return ()
    out = []
    for file in sorted(folder.glob("*.y*ml")):
        try:
            digest = hashlib.sha256(file.read_bytes()).hexdigest()
        except OSError as exc:  # unreadable: let load_calendar report it
            digest = f"unreadable: {exc.errno}"
        out.append((file.name, digest))
    return tuple(out)


@functools.lru_cache(maxsize=16)
def _calendar_for(folder: str, fingerprint: tuple[tuple[str, str], ...]) -> WorkingCalendar:
    return load_calendar(Path(folder))


def describe(days: Iterable[DayInfo]) -> list[dict[str, Any]]:
    return [{"date": d.date.isoformat(), "reason": d.reason()} for d in days]
