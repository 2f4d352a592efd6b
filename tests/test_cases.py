"""Case tracking on scenarios from the sources, with an injected clock (no wall-clock reads)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from yibao_rules import Rulebook, YibaoError
from yibao_rules.calendar import default_calendar
from yibao_rules.cases import CaseError, CaseTracker, replay

from .conftest import run_cli

CAL = default_calendar()
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "events.jsonl"


class Clock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


def ev(case: str, event: str, at: str, **extra: Any) -> dict[str, Any]:
    return {"case": case, "event": event, "at": at, **extra}


def kinds(alerts: list[Any]) -> list[str]:
    return [a.kind for a in alerts]


def test_outpatient_case_with_correction_across_national_day(rulebook: Rulebook) -> None:
    """门诊费用报销 (30个工作日): submitted 2026-09-28, 补正 requested 10-09 and answered 10-14."""
    tracker = CaseTracker(rulebook, clock=Clock(dt.datetime(2026, 9, 28)))
    tracker.handle(ev("C1", "submitted", "2026-09-28T10:00", item="门诊费用报销", situation="意外伤害就医"))
    assert tracker.cases["C1"].dues() == {"stated": dt.date(2026, 11, 13)}
    tracker.handle(ev("C1", "correction_requested", "2026-10-09T15:00"))
    # the deadline clock is stopped during 补正; only the unanswered request itself is flagged
    assert kinds(tracker.check(dt.date(2026, 11, 13))) == ["correction_unanswered"]
    tracker.handle(ev("C1", "corrected", "2026-10-14T09:00"))
    due = tracker.cases["C1"].dues()["stated"]
    assert due == dt.date(2026, 11, 19) == CAL.add_working_days(dt.date(2026, 10, 14), 26)
    assert kinds(tracker.check(dt.date(2026, 11, 18))) == ["approaching"]
    assert kinds(tracker.check(dt.date(2026, 11, 18))) == []  # raised once
    assert kinds(tracker.check(dt.date(2026, 11, 19))) == ["due_today"]
    assert kinds(tracker.check(dt.date(2026, 11, 20))) == ["overdue"]


def test_overdue_exactly_at_the_boundary(rulebook: Rulebook) -> None:
    tracker = CaseTracker(rulebook, clock=Clock(dt.datetime(2026, 3, 2)))
    tracker.handle(ev("C2", "submitted", "2026-03-02T09:00", item="参保人员个人账户一次性支取"))
    due = tracker.cases["C2"].dues()["stated"]
    assert due == CAL.add_working_days(dt.date(2026, 3, 2), 15)
    assert "overdue" not in kinds(tracker.check(due))
    assert kinds(tracker.check(due + dt.timedelta(days=1))) == ["overdue"]


def test_daye_case_across_may_day_closed_on_time(rulebook: Rulebook) -> None:
    """大冶 慢性病: submitted after hours on 2026-04-30, received 05-06, review due 05-19."""
    tracker = CaseTracker(rulebook, clock=Clock(dt.datetime(2026, 5, 18, 9)))
    tracker.handle(ev("D1", "submitted", "2026-04-30T17:30", item="慢性病规定病种申报一件事"))
    state = tracker.cases["D1"]
    assert state.report is not None and state.report.receipt.received == dt.date(2026, 5, 6)
    assert kinds(tracker.check()) == ["approaching"]  # the injected clock: 05-18
    tracker.handle(ev("D1", "closed", "2026-05-19T16:30"))
    assert tracker.check(dt.date(2026, 6, 1)) == []
    assert state.to_json()["closed_on_time"] == {"stated": True}


def test_unanswered_correction_alert_counts_working_days(rulebook: Rulebook) -> None:
    tracker = CaseTracker(rulebook, clock=Clock(dt.datetime(2026, 10, 9)), correction_alert_days=5)
    tracker.handle(ev("C3", "submitted", "2026-09-28T10:00", item="门诊费用报销", situation="普通门诊"))
    tracker.handle(ev("C3", "correction_requested", "2026-10-09T15:00"))
    fifth = CAL.add_working_days(dt.date(2026, 10, 9), 5)  # 10-10 is a 调休 working Saturday
    assert fifth == dt.date(2026, 10, 15)
    assert tracker.check(fifth - dt.timedelta(days=1)) == []
    assert kinds(tracker.check(fifth)) == ["correction_unanswered"]


@pytest.mark.parametrize(
    ("events", "keyword"),
    [
        ([ev("X", "accepted", "2026-03-02T09:00")], "no 'submitted' event"),
        (
            [ev("X", "submitted", "2026-03-02T09:00", item="门诊费用报销"), ev("X", "corrected", "2026-03-03T09:00")],
            "without an open 'correction_requested'",
        ),
        (
            [ev("X", "submitted", "2026-03-02T09:00", item="门诊费用报销"), ev("X", "reopened", "2026-03-03T09:00")],
            "unknown event 'reopened'",
        ),
        ([ev("X", "submitted", "2026-03-02", item="门诊费用报")], "did you mean '门诊费用报销'?"),
        ([ev("X", "submitted", "yesterday", item="门诊费用报销")], "'at' must be"),
        (
            [ev("X", "submitted", "2026-03-02T09:00", item="门诊费用报销"), ev("X", "closed", "2026-03-01T09:00")],
            "before the case was submitted",
        ),
    ],
)
def test_bad_events_are_clear_errors(rulebook: Rulebook, events: list[dict[str, Any]], keyword: str) -> None:
    tracker = CaseTracker(rulebook, clock=Clock(dt.datetime(2026, 3, 2)))
    with pytest.raises(YibaoError, match=keyword):
        for event in events:
            tracker.handle(event)


def test_replay_errors_name_the_line(rulebook: Rulebook, tmp_path: Path) -> None:
    log = tmp_path / "events.jsonl"
    log.write_text(EXAMPLE.read_text(encoding="utf-8") + "{not json\n", encoding="utf-8")
    with pytest.raises(CaseError, match=r"events.jsonl:11:2: 不是合法的 JSON \(not valid JSON"):
        replay(rulebook, log)
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    log.write_text("\n".join([lines[4], lines[0]]) + "\n", encoding="utf-8")
    with pytest.raises(CaseError, match=r"events.jsonl:2: events must be in time order"):
        replay(rulebook, log)


def test_track_example_log() -> None:
    result = run_cli("track", str(EXAMPLE), "--now", "2026-11-20T09:00", "--json")
    assert result.returncode == 0, result.stderr
    cases = {c["case"]: c for c in json.loads(result.stdout)["cases"]}
    assert cases["DY-2026-0042"]["status"] == "closed" and cases["DY-2026-0042"]["closed_on_time"] == {"stated": True}
    outpatient = cases["GS-2026-0917"]
    assert outpatient["due"] == {"stated": "2026-11-19"}
    assert outpatient["pauses"] == [{"requested": "2026-10-09", "arrived": "2026-10-14"}]
    assert [(a["at"], a["kind"]) for a in outpatient["alerts"]] == [
        ("2026-11-18", "approaching"),
        ("2026-11-19", "due_today"),
        ("2026-11-20", "overdue"),
    ]
    transfer = cases["GS-2026-1003"]["alerts"]
    assert (transfer[0]["at"], transfer[0]["kind"]) == ("2026-11-06", "approaching")  # Friday before Monday


def test_track_bad_log_exits_2(tmp_path: Path) -> None:
    log = tmp_path / "bad.jsonl"
    log.write_text('{"case": "X", "event": "accepted", "at": "2026-03-02T09:00"}\n', encoding="utf-8")
    result = run_cli("track", str(log))
    assert result.returncode == 2 and f"{log}:1:" in result.stderr and "Traceback" not in result.stderr
