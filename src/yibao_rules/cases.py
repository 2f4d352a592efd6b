"""Event-driven case tracking: deadlines that move with 补正, and alerts raised by durable-rules.

A :class:`CaseTracker` consumes the events a back-office system already has::

    submitted            {"case", "event": "submitted", "at", "item", ["situation"]}
    accepted             {"case", "event": "accepted", "at"}
    correction_requested {"case", "event": "correction_requested", "at"}   (补正: the clock stops)
    corrected            {"case", "event": "corrected", "at"}              (the clock resumes)
    stage_completed      {"case", "event": "stage_completed", "at", "stage"}
    closed               {"case", "event": "closed", "at"}

Deadlines come from :mod:`yibao_rules.deadlines` (receipt by office hours, working-day
calendar, pauses). After every event, and whenever :meth:`CaseTracker.check` is called, each
open case is observed against the clock and the observations go through a durable-rules
ruleset whose rules are the alert conditions:

* ``approaching`` — at most 1 working day left before a due date (``due_today`` on the day);
* ``overdue`` — the case is still open after a due date (the due day itself is not overdue);
* ``correction_unanswered`` — a 补正 request open for ``correction_alert_days`` working days
  (an operational setting, default 5: the sources give no such period).

Each alert is raised once per case, kind and deadline. The clock is injected (``clock=``), so
nothing reads the wall clock in tests or replays. Events are validated by a pydantic model
(unknown fields and wrong types are :class:`CaseError`); times are Beijing time, and a time
with a UTC offset is converted (:func:`yibao_rules.calendar.parse_moment`). Between events,
only the days on which an alert can start are observed, so a log spanning centuries costs
no more than one spanning a week. Observation facts are asserted and retracted
at once: the Rete engine holds no facts between posts, and every post costs O(rules).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from yibao_rules.calendar import WorkingCalendar, beijing_time, calendar_for, parse_moment
from yibao_rules.deadlines import item_deadlines
from yibao_rules.engines.durable import not_handled_error
from yibao_rules.errors import YibaoError, did_you_mean, shown
from yibao_rules.json_source import JsonInputError, decode, loads
from yibao_rules.results import DeadlineReport
from yibao_rules.rulebook import Rulebook
from yibao_rules.schema import BASIS_LABELS

__all__ = ["Alert", "CaseError", "CaseState", "CaseTracker", "replay"]

EventKind = Literal["submitted", "accepted", "correction_requested", "corrected", "stage_completed", "closed"]
EVENTS: tuple[str, ...] = ("submitted", "accepted", "correction_requested", "corrected", "stage_completed", "closed")
_trackers = itertools.count(1)


class CaseError(YibaoError):
    """An event that cannot be applied (unknown case, wrong order, bad field)."""


@dataclass(frozen=True)
class Alert:
    case: str
    kind: Literal["approaching", "due_today", "overdue", "correction_unanswered"]
    at: dt.date
    basis: str | None = None
    due: dt.date | None = None
    message: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "case": self.case,
            "kind": self.kind,
            "at": self.at.isoformat(),
            "basis": self.basis,
            "due": self.due.isoformat() if self.due else None,
            "message": self.message,
        }


@dataclass
class CaseState:
    case: str
    item: str
    submitted: dt.datetime
    situation: str | None = None
    status: Literal["submitted", "accepted", "correcting", "closed"] = "submitted"
    accepted: dt.date | None = None
    correction_since: dt.date | None = None
    pauses: list[tuple[dt.date, dt.date]] = field(default_factory=list)
    stages: dict[str, dt.date] = field(default_factory=dict)
    closed: dt.date | None = None
    report: DeadlineReport | None = None
    alerts: list[Alert] = field(default_factory=list)

    def dues(self) -> dict[str, dt.date]:
        if self.report is None:
            return {}
        return {basis: due for basis in ("legal", "promised", "stated") if (due := self.report.due(basis))}

    def to_json(self) -> dict[str, Any]:
        dues = self.dues()
        closed_on_time = {b: self.closed <= d for b, d in dues.items()} if self.closed else None
        return {
            "case": self.case,
            "item": self.item,
            "status": self.status,
            "submitted": self.submitted.isoformat(),
            "received": self.report.receipt.received.isoformat() if self.report else None,
            "accepted": self.accepted.isoformat() if self.accepted else None,
            "due": {b: d.isoformat() for b, d in dues.items()},
            "pauses": [{"requested": a.isoformat(), "arrived": b.isoformat()} for a, b in self.pauses],
            "correction_since": self.correction_since.isoformat() if self.correction_since else None,
            "stages_completed": {k: v.isoformat() for k, v in self.stages.items()},
            "closed": self.closed.isoformat() if self.closed else None,
            "closed_on_time": closed_on_time,
            "provisional": self.report.provisional if self.report else False,
            "alerts": [a.to_json() for a in self.alerts],
        }


class CaseTracker:
    """Tracks cases from their events; see the module docstring.

    >>> import datetime as dt
    >>> from yibao_rules import load_rulebook
    >>> now = dt.datetime(2026, 5, 18, 9, 0)
    >>> tracker = CaseTracker(load_rulebook(), clock=lambda: now)
    >>> event = {"case": "D1", "event": "submitted", "at": "2026-04-30T17:30", "item": "慢性病规定病种申报一件事"}
    >>> _ = tracker.handle(event)
    >>> [a.kind for a in tracker.check()]
    ['approaching']
    """

    def __init__(
        self,
        book: Rulebook,
        clock: Callable[[], dt.datetime],
        *,
        correction_alert_days: int = 5,
        calendar: WorkingCalendar | None = None,
    ) -> None:
        from durable import lang

        self.book = book
        self.clock = clock
        self.correction_alert_days = correction_alert_days
        self.calendar = calendar or calendar_for(book.root)
        self.cases: dict[str, CaseState] = {}
        self._lang = lang
        self._raised: list[tuple[str, str, str | None, int]] = []
        self._ids = itertools.count(1)
        self._observed: dt.date | None = None
        self._ruleset = f"yibao_cases{next(_trackers)}"
        self._define_rules()

    def _define_rules(self) -> None:
        lang, m = self._lang, self._lang.m
        raised = self._raised
        limit = self.correction_alert_days

        def record(kind: str) -> Callable[[Any], None]:
            def action(c: Any) -> None:
                raised.append((c.m.case, kind, c.m.basis or None, c.m.due))

            action.__name__ = kind
            return action

        with lang.ruleset(self._ruleset):
            lang.when_all((m.running == True) & (m.days_left < 0))(record("overdue"))  # noqa: E712
            lang.when_all((m.running == True) & (m.days_left == 0))(record("due_today"))  # noqa: E712
            lang.when_all((m.running == True) & (m.days_left == 1))(record("approaching"))  # noqa: E712
            lang.when_all((m.paused == True) & (m.correction_days >= limit))(  # noqa: E712
                record("correction_unanswered")
            )

    # -- events ---------------------------------------------------------------------------
    def handle(self, event: Mapping[str, Any]) -> list[Alert]:
        """Apply one event, then observe all open cases at the event's time. Returns new alerts."""
        checked = _event(event)
        kind, case, at = checked.event, checked.case, _when(checked.at)
        if kind not in EVENTS:
            raise CaseError(f"unknown event {shown(kind)}{did_you_mean(kind, EVENTS)}; events are: {', '.join(EVENTS)}")
        if kind == "submitted":
            if case in self.cases:
                raise CaseError(f"case '{case}' was already submitted")
            item = _needed(checked.item, "item")
            state = CaseState(case, self.book.item(item).name, at, checked.situation)
            self.cases[case] = state
            self._recompute(state)
            return self.check(at.date())
        found = self.cases.get(case)
        if found is None:
            raise CaseError(f"case '{case}' has no 'submitted' event before '{kind}'")
        state = found
        if state.status == "closed":
            raise CaseError(f"case '{case}' is already closed")
        if at < state.submitted:
            raise CaseError(f"'{kind}' at {at} is before the case was submitted ({state.submitted})")
        day = at.date()
        if kind == "accepted":
            state.accepted, state.status = day, "accepted"
        elif kind == "correction_requested":
            if state.correction_since is not None:
                raise CaseError(f"case '{case}' already has an open 补正 request (since {state.correction_since})")
            state.correction_since, state.status = day, "correcting"
        elif kind == "corrected":
            if state.correction_since is None:
                raise CaseError(f"case '{case}': 'corrected' without an open 'correction_requested'")
            state.pauses.append((state.correction_since, day))
            state.correction_since, state.status = None, "accepted" if state.accepted else "submitted"
            self._recompute(state)
        elif kind == "stage_completed":
            state.stages[_needed(checked.stage, "stage")] = day
        elif kind == "closed":
            state.closed, state.status = day, "closed"
        return self.check(day)

    def _recompute(self, state: CaseState) -> None:
        state.report = item_deadlines(
            self.book,
            state.item,
            state.submitted,
            situation=state.situation,
            pauses=state.pauses,
            calendar=self.calendar,
        )

    # -- observing ------------------------------------------------------------------------
    def check(self, today: dt.date | None = None) -> list[Alert]:
        """Observe every open case as of ``today`` (default: the clock) and return new alerts."""
        day = today or self.clock().date()
        self._observed = max(self._observed, day) if self._observed else day
        fresh: list[Alert] = []
        for state in self.cases.values():
            if state.status == "closed" or state.report is None:
                continue
            for fact in self._observations(state, day):
                self._raised.clear()
                try:
                    self._lang.assert_fact(self._ruleset, fact)
                except not_handled_error():
                    continue
                self._lang.retract_fact(self._ruleset, fact)
                for _case, kind, basis, due in self._raised:
                    fresh += self._new_alert(state, kind, basis, due, day)
        return fresh

    def advance(self, until: dt.date) -> list[Alert]:
        """Observe the days from the day after the last observation up to ``until``, so that an
        alert carries the day it became true even when no event happened that day.

        Between events nothing changes but the date, so only the days on which an alert
        condition can start to hold are observed (the first of them, then each day a due date
        comes within 1 or 0 working days or passes, or an open 补正 request reaches its limit):
        the same alerts, on the same days, as observing every day, in time linear in the cases.
        """
        if self._observed is not None and until <= self._observed:
            return []
        if self._observed is not None and self._observed >= dt.date.max:
            return []
        start = self._observed + dt.timedelta(days=1) if self._observed else until
        days = {start}
        for state in self.cases.values():
            if state.status != "closed" and state.report is not None:
                days.update(d for d in self._turning_points(state) if start < d <= until)
        fresh: list[Alert] = []
        for day in sorted(days):
            fresh += self.check(day)
        if self._observed is None or self._observed < until:
            self._observed = until
        return fresh

    def _turning_points(self, state: CaseState) -> Iterable[dt.date]:
        """The days on which an alert condition of ``state`` starts to hold (see :meth:`advance`)."""
        cal = self.calendar
        for due in state.dues().values():
            for left in (1, 0):
                try:
                    day = cal.first_day_with_days_left(due, left)
                except YibaoError:
                    day = None
                if day is not None:
                    yield day
            if due < dt.date.max:
                yield due + dt.timedelta(days=1)
        if state.correction_since is not None:
            reached: dt.date | None = None
            with contextlib.suppress(YibaoError):  # beyond the calendar: no such day to observe
                reached = cal.add_working_days(state.correction_since, self.correction_alert_days)
            if reached is not None:
                yield reached

    def _observations(self, state: CaseState, day: dt.date) -> Iterable[dict[str, Any]]:
        cal = self.calendar
        paused = state.correction_since is not None
        for basis, due in state.dues().items():
            days_left = cal.working_days_between(day, due) if day <= due else -1
            yield {
                "id": next(self._ids),
                "case": state.case,
                "basis": basis,
                "due": due.toordinal(),
                "days_left": days_left,
                "running": not paused,
                "paused": False,
                "correction_days": 0,
            }
        if paused and state.correction_since is not None:
            waited = cal.working_days_between(state.correction_since, day)
            yield {
                "id": next(self._ids),
                "case": state.case,
                "basis": "",
                "due": 0,
                "days_left": 99,
                "running": False,
                "paused": True,
                "correction_days": waited,
            }

    def _new_alert(self, state: CaseState, kind: str, basis: str | None, due_ordinal: int, day: dt.date) -> list[Alert]:
        due = dt.date.fromordinal(due_ordinal) if due_ordinal else None
        if any(a.kind == kind and a.basis == basis and a.due == due for a in state.alerts):
            return []
        label = BASIS_LABELS.get(basis or "", "")
        message = {
            "approaching": f"{label}即将到期：{due} 截止，仅剩 1 个工作日",
            "due_today": f"{label}今日到期：{due}",
            "overdue": f"{label}已超期：应于 {due} 前办结",
            "correction_unanswered": (
                f"补正材料自 {state.correction_since} 起 {self.correction_alert_days} 个工作日未补齐"
            ),
        }[kind]
        alert = Alert(state.case, kind, day, basis, due, message)  # type: ignore[arg-type]
        state.alerts.append(alert)
        return [alert]


class Event(BaseModel):
    """One line of an event log. Only the fields of the module docstring; text must be text."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    case: str = Field(min_length=1, max_length=200)
    event: str = Field(min_length=1, max_length=200)
    at: str = Field(min_length=1, max_length=200)
    item: str | None = Field(default=None, max_length=200)
    situation: str | None = Field(default=None, max_length=200)
    stage: str | None = Field(default=None, max_length=200)


def _event(event: Any) -> Event:
    if not isinstance(event, Mapping):
        raise CaseError(f"an event must be an object of fields, not {type(event).__name__}")
    try:
        return Event.model_validate(event)
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        name = str(error["loc"][0]) if error["loc"] else "?"
        if error["type"] == "extra_forbidden":
            hint = did_you_mean(name, Event.model_fields)
            raise CaseError(f"未知的事件字段 (unknown event field) {shown(name)}{hint}") from None
        raise CaseError(f"event needs '{name}' (text), got {shown(error.get('input'))}") from None


def _needed(value: str | None, name: str) -> str:
    if value is None:
        raise CaseError(f"event needs '{name}' (text), got None")
    return value


def _when(raw: str) -> dt.datetime:
    try:
        return parse_moment(raw)
    except ValueError:
        raise CaseError(
            f"'at' must be YYYY-MM-DDTHH:MM (Beijing time, or with a UTC offset), got {shown(raw)}"
        ) from None


def replay(book: Rulebook, path: Path, now: dt.datetime | None = None, correction_alert_days: int = 5) -> CaseTracker:
    """Replay a JSON-lines event log. Errors name ``file:line``. ``now`` defaults to the last event."""
    events: list[tuple[int, dict[str, Any]]] = []
    try:
        lines = decode(path.read_bytes(), str(path)).splitlines()
    except OSError as exc:
        raise CaseError(f"{path}: 无法读取 (cannot read: {exc.strerror})") from None
    except JsonInputError as exc:
        raise CaseError(str(exc)) from None
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            data = loads(line, str(path), first_line=number)
        except JsonInputError as exc:
            raise CaseError(str(exc)) from None
        if not isinstance(data, dict):
            raise CaseError(f"{path}:{number}: each line must be a JSON object")
        events.append((number, data))
    if now is not None:
        now = beijing_time(now)
    clock_now: list[dt.datetime] = [now or dt.datetime.min]
    tracker = CaseTracker(book, clock=lambda: clock_now[0], correction_alert_days=correction_alert_days)
    last = dt.datetime.min
    for number, data in events:
        try:
            when = _when(_event(data).at)
            if when < last:
                raise CaseError(f"events must be in time order ({when} is before {last})")
            last = when
            if when.date() > dt.date.min:
                tracker.advance(when.date() - dt.timedelta(days=1))
            tracker.handle(data)
        except YibaoError as exc:
            raise CaseError(f"{path}:{number}: {exc}") from None
    clock_now[0] = now or last
    if clock_now[0] != dt.datetime.min:
        if clock_now[0] < last:
            raise CaseError(f"--now {clock_now[0]} is before the last event ({last})")
        tracker.advance(clock_now[0].date())
    return tracker
