"""Deadlines of items: when a submission counts as received, and when each time limit falls due.

Conventions (documented because citizens and auditors hold offices to them):

* **Receipt.** A submission on a non-working day is received on the next working day. With
  office hours, one made after closing time is received on the next working day; one made
  before opening or during the lunch break of a working day is received that day. A 调休
  make-up working day counts as open unless the jurisdiction says ``make_up_days_open: false``
  (when the source is silent, the result says so).
* **Counting.** The receipt day is not counted (民法典 第二百零一条). ``N 工作日`` is the N-th
  working day after receipt. ``N 自然日`` ends N days after receipt, moved to the next working
  day if that is a 法定休假日 (第二百零三条). ``即时办结`` is due on the receipt day.
  ``限时办结`` has no fixed number, so no due date is made up.
* **补正 pauses.** The clock stops when correction is requested: the request day still
  counts, the days until the documents arrive do not, and counting resumes the day after
  they arrive.
* **Stages** run one after another, each from the end of the previous one (the latest
  dates allowed). Stages marked ``counted: false`` (大冶: 公示、发证) are outside the item's
  time limit but still shown.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from yibao_rules.calendar import WorkingCalendar, beijing_time, calendar_for
from yibao_rules.compiled import CompiledRulebook
from yibao_rules.errors import DeadlineError, UnknownItemError, shown
from yibao_rules.results import Deadline, DeadlineReport, Pause, Receipt, StagePlan
from yibao_rules.schema import Bundle, Item, OfficeHours, Stage, TimeLimit

__all__ = [
    "Deadline",
    "DeadlineError",
    "DeadlineReport",
    "Receipt",
    "StagePlan",
    "add_days",
    "item_deadlines",
    "receive",
]


def receive(submitted: dt.datetime | dt.date, calendar: WorkingCalendar, hours: OfficeHours | None) -> Receipt:
    """The day a submission is received (see the module docstring for the rules).

    Every case that moves the receipt day (a non-working day, a weekday the office does not
    open, a 调休 day it does not open, a submission after closing time) goes through
    :func:`next_office_day`, so the day it moves to obeys the same office-day rules.
    """
    submitted = _submission(submitted)
    day = submitted.date() if isinstance(submitted, dt.datetime) else submitted
    moment = submitted.time() if isinstance(submitted, dt.datetime) else None
    notes: list[str] = []
    if hours is None:
        notes.append("办理时间：来源未规定办公时间，仅按工作日判断 (no office hours in the sources)")
    closed = _closed_reason(day, calendar, hours)
    if closed is not None:
        nxt = next_office_day(day, calendar, hours)
        return _receipt(submitted, nxt, f"{closed}，顺延至下一个办理日 {nxt}", notes, calendar, hours)
    if hours is not None and moment is not None:
        closing = max(p.end for p in hours.periods)
        opening = min(p.start for p in hours.periods)
        if moment >= closing:
            nxt = next_office_day(day, calendar, hours)
            why = f"{moment:%H:%M} 已过办理时间（{closing:%H:%M} 截止），顺延至下一个办理日 {nxt}"
            return _receipt(submitted, nxt, why, notes, calendar, hours)
        if moment < opening:
            why = f"{moment:%H:%M} 早于上班时间，当日 {opening:%H:%M} 起受理"
            return _receipt(submitted, day, why, notes, calendar, hours)
        if not any(p.start <= moment < p.end for p in hours.periods):
            return _receipt(submitted, day, f"{moment:%H:%M} 为午间休息，当日下午受理", notes, calendar, hours)
    return _receipt(submitted, day, f"{day} 为工作日，当日受理", notes, calendar, hours)


def _receipt(
    submitted: dt.datetime | dt.date,
    received: dt.date,
    reason: str,
    notes: list[str],
    calendar: WorkingCalendar,
    hours: OfficeHours | None,
) -> Receipt:
    """The receipt, with the note a 调休 receipt day needs when the source is silent about it."""
    if (
        hours is not None
        and hours.make_up_days_open == "unspecified"
        and calendar.day_info(received).kind == "调休上班"
    ):
        notes.append(f"{received} 为调休上班日：办理时间未说明调休日是否办理，按国家工作日安排视为办理")
    return Receipt(submitted, received, reason, tuple(notes))


def _closed_reason(day: dt.date, calendar: WorkingCalendar, hours: OfficeHours | None) -> str | None:
    """Why the office does not receive on ``day``, or ``None`` if it does (the one office-day rule).

    A non-working day is closed. A 调休 make-up working day is open unless the jurisdiction says
    ``make_up_days_open: false`` (whatever weekday it falls on); any other working day is open if
    its weekday is one of the office's ``weekdays``.
    """
    info = calendar.day_info(day)
    if not info.working:
        return f"{day} 为{info.reason()}"
    if hours is None:
        return None
    if info.kind == "调休上班":
        return f"{day} 为调休上班日，但该辖区调休日不对外办理" if hours.make_up_days_open is False else None
    if day.isoweekday() not in hours.weekdays:
        return f"{day} 不在办理时间（{hours.text}）"
    return None


def next_office_day(day: dt.date, calendar: WorkingCalendar, hours: OfficeHours | None) -> dt.date:
    """The first day after ``day`` on which the office receives (see :func:`_closed_reason`)."""
    cursor = calendar.next_working_day(day)
    for _ in range(366):
        if _closed_reason(cursor, calendar, hours) is None:
            return cursor
        cursor = calendar.next_working_day(cursor)
    raise DeadlineError(
        f"办理时间内一年内没有可受理的日期 (the office hours leave no receiving day within a year of {day})"
    )


def add_days(calendar: WorkingCalendar, start: dt.date, kind: str, days: int, pauses: Sequence[Pause] = ()) -> dt.date:
    """``days`` working or natural days after ``start``, stopping the clock during ``pauses``."""
    return _count(calendar, start, kind, days, pauses)[0]


def _count(
    calendar: WorkingCalendar, start: dt.date, kind: str, days: int, pauses: Sequence[Pause]
) -> tuple[dt.date, int]:
    """The due date, and how many of the sorted ``pauses`` fell inside the period and moved it."""
    remaining, cursor, used_pauses = days, start, 0
    for requested, arrived in sorted(pauses):
        if requested < cursor:
            raise DeadlineError(
                f"补正早于计时起点 (补正 requested on {requested}, before the clock started on {cursor})"
            )
        if arrived < requested:
            raise DeadlineError(
                f"补正材料早于补正通知 (补正 documents arrived on {arrived}, before they were requested on {requested})"
            )
        used = calendar.working_days_between(cursor, requested) if kind == "working_days" else (requested - cursor).days
        if used >= remaining:
            break
        remaining -= used
        cursor = arrived
        used_pauses += 1
    if kind == "working_days":
        return calendar.add_working_days(cursor, remaining), used_pauses
    if kind == "natural_days":
        return calendar.add_natural_days(cursor, remaining), used_pauses
    raise DeadlineError(f"cannot count days of kind {kind}")


def resolve(
    limit: TimeLimit, received: dt.date, calendar: WorkingCalendar, citation: str, pauses: Sequence[Pause] = ()
) -> Deadline:
    """The due date of one time limit, with its stage timeline."""
    due: dt.date | None
    if limit.kind == "immediate":
        due, why = received, "即时办结：受理当日办结"
    elif limit.kind in ("working_days", "natural_days"):
        assert limit.days is not None
        due = add_days(calendar, received, limit.kind, limit.days, pauses)
        unit = "个工作日" if limit.kind == "working_days" else "个自然日（末日为法定休假日的顺延）"
        why = f"自受理次日起算 {limit.days}{unit}" + ("，补正期间不计" if pauses else "")
    elif limit.kind == "time_limited":
        due, why = None, "限时办结：来源未规定具体天数，不推算截止日期"
    elif limit.kind == "staged":
        due, why = None, "分阶段办理：见各阶段"
    else:
        due, why = None, "来源未规定办理时限"
    stages = plan_stages(limit.stages, received, calendar, pauses)
    if limit.kind == "staged" and stages and all(s.end for s in stages if s.counted):
        due = max(s.end for s in stages if s.counted and s.end is not None)
    if limit.excludes:
        why += f"（不含{'、'.join(limit.excludes)}）"
    return Deadline(
        limit.basis,
        limit.kind,
        limit.days,
        limit.text,
        due,
        limit.situation,
        limit.applies_when,
        tuple(limit.excludes),
        stages,
        citation,
        why,
    )


def plan_stages(
    stages: Sequence[Stage], received: dt.date, calendar: WorkingCalendar, pauses: Sequence[Pause] = ()
) -> tuple[StagePlan, ...]:
    """The stage timeline. A 补正 pause belongs to the one counted stage it falls in (requested on
    or after the stage's start and before its end): it moves that stage's end, and so the stages
    after it, and is never counted twice."""
    out: list[StagePlan] = []
    cursor: dt.date | None = received
    ends: dict[str, dt.date | None] = {}
    waiting = sorted(pauses)
    for requested, arrived in waiting:
        if requested < received:
            raise DeadlineError(
                f"补正早于计时起点 (补正 requested on {requested}, before the clock started on {received})"
            )
        if arrived < requested:
            raise DeadlineError(
                f"补正材料早于补正通知 (补正 documents arrived on {arrived}, before they were requested on {requested})"
            )
    for stage in stages:
        start = ends.get(stage.after) if stage.after is not None else cursor
        end: dt.date | None
        if start is None:
            end = None
        elif stage.kind == "immediate":
            end = start
        elif stage.kind in ("working_days", "natural_days") and stage.days is not None:
            own = [p for p in waiting if p[0] >= start] if stage.counted else []
            end, taken = _count(calendar, start, stage.kind, stage.days, own)
            for pause in own[:taken]:
                waiting.remove(pause)
        else:
            end = None
        out.append(
            StagePlan(
                stage.name, stage.kind, stage.days, start, end, stage.counted, stage.optional, stage.text, stage.actor
            )
        )
        ends[stage.name] = end
        if not stage.optional:
            cursor = end
    return tuple(out)


def item_deadlines(
    book: CompiledRulebook,
    item: str,
    submitted: dt.datetime | dt.date,
    *,
    situation: str | None = None,
    pauses: Sequence[Pause] = (),
    calendar: WorkingCalendar | None = None,
) -> DeadlineReport:
    """Resolve every time limit of ``item`` for a submission.

    ``item`` is an item or a bundle (一件事 / 一事联办), by id or exact Chinese name. With
    ``situation``, only the limits for that 情形 (and those for every 情形) are resolved.
    """
    submitted = _submission(submitted)
    if situation is not None and not isinstance(situation, str):
        raise DeadlineError(f"situation must be the name of a 情形 (text), not {type(situation).__name__}")
    pauses = _pauses(pauses)
    if calendar is not None and not isinstance(calendar, WorkingCalendar):
        raise DeadlineError(f"calendar must be a WorkingCalendar, not {type(calendar).__name__}")
    model: Item | Bundle
    try:
        model = book.item(item).model
    except UnknownItemError as not_an_item:
        try:
            model = book.bundle(item).model
        except UnknownItemError:
            raise not_an_item from None
    cal = calendar or calendar_for(book.root)
    jurisdiction = book.jurisdictions.get(model.jurisdiction)
    hours = jurisdiction.office_hours if jurisdiction else None
    receipt = receive(submitted, cal, hours)
    limits = [lim for lim in model.time_limits if situation is None or lim.situation in (None, situation)]
    situations = {s.name for s in model.situations} if isinstance(model, Item) else set()
    if situation is not None and situation not in situations | {
        lim.situation for lim in model.time_limits if lim.situation
    }:
        raise DeadlineError(f"item '{model.name}' has no 情形 '{situation}'")
    deadlines = tuple(
        resolve(lim, receipt.received, cal, book.citation_text(lim.citation.ref, lim.citation.clause), pauses)
        for lim in limits
    )
    notes: list[str] = []
    if not deadlines:
        notes.append("来源未给出本事项的办理时限 (the sources give no time limit for this item)")
    ends = [d.due for d in deadlines if d.due] + [s.end for d in deadlines for s in d.stages if s.end]
    last = max([receipt.received, *ends])
    first = submitted.date() if isinstance(submitted, dt.datetime) else submitted
    return DeadlineReport(
        item=model.name,
        item_id=model.id,
        receipt=receipt,
        deadlines=deadlines,
        skipped=tuple(cal.non_working_days(first, last)),
        make_up_days=tuple(cal.make_up_days_between(first, last)),
        pauses=tuple(sorted(pauses)),
        provisional=cal.is_provisional(last),
        notes=tuple(notes),
    )


def _submission(submitted: object) -> dt.datetime | dt.date:
    """A submission time as naive Beijing time (an offset is converted), or a date."""
    if isinstance(submitted, dt.datetime):
        return beijing_time(submitted)
    if isinstance(submitted, dt.date):
        return submitted
    raise DeadlineError(
        f"submitted must be a datetime or a date (YYYY-MM-DDTHH:MM), not {type(submitted).__name__} {shown(submitted)}"
    )


def _pauses(pauses: object) -> list[Pause]:
    def is_day(d: object) -> bool:
        return isinstance(d, dt.date) and not isinstance(d, dt.datetime)

    if isinstance(pauses, str | bytes) or not isinstance(pauses, Sequence | tuple | list):
        raise DeadlineError(f"pauses must be a list of (requested, arrived) date pairs, not {type(pauses).__name__}")
    out = []
    for pause in pauses:
        if not (isinstance(pause, tuple | list) and len(pause) == 2 and all(is_day(d) for d in pause)):
            raise DeadlineError(
                f"a 补正 pause must be a (requested, arrived) pair of dates, not {type(pause).__name__}"
            )
        out.append((pause[0], pause[1]))
    return out


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None
