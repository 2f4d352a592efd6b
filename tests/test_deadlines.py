"""Item deadlines: receipt time, stages, 补正 pauses and the CLI contract, on examples from the sources."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from yibao_rules import Rulebook
from yibao_rules.calendar import default_calendar
from yibao_rules.deadlines import DeadlineError, add_days, item_deadlines

from .conftest import run_cli

CAL = default_calendar()


def test_daye_review_across_may_day_2026(rulebook: Rulebook) -> None:
    """大冶市慢性病规定病种申报“一事联办”实施方案: office hours end 17:00; 10 working days of expert
    review (不含公示、发证); 7-day 公示; certificate within 15 working days of passing."""
    report = item_deadlines(rulebook, "慢性病规定病种申报一件事", dt.datetime(2026, 4, 30, 17, 30))
    assert report.receipt.received == dt.date(2026, 5, 6)  # after 17:00, then 05-01…05-05 off
    assert report.due("stated") == dt.date(2026, 5, 19)  # counts Saturday 05-09 (调休上班)
    stages = {s.name: s for s in report.deadlines[0].stages}
    assert stages["专家评审"].end == dt.date(2026, 5, 19)
    assert stages["结果公示"].end == dt.date(2026, 5, 26) and not stages["结果公示"].counted
    assert stages["录入医保系统"].end is None  # the source gives no time for it
    assert stages["领取慢性病证"].start == dt.date(2026, 5, 19) and stages["领取慢性病证"].optional
    assert stages["领取慢性病证"].end == dt.date(2026, 6, 9)
    reasons = {d.date: d.reason() for d in report.skipped}
    assert reasons[dt.date(2026, 5, 1)] == "法定节假日（劳动节）"
    assert reasons[dt.date(2026, 5, 5)].startswith("调休休息")
    assert [d.date for d in report.make_up_days] == [dt.date(2026, 5, 9)]
    assert not report.provisional


@pytest.mark.parametrize(
    ("submitted", "received"),
    [
        (dt.datetime(2026, 4, 29, 16, 59), dt.date(2026, 4, 29)),
        (dt.datetime(2026, 4, 29, 17, 0), dt.date(2026, 4, 30)),
        (dt.datetime(2026, 4, 29, 7, 30), dt.date(2026, 4, 29)),  # before opening: received when it opens
        (dt.datetime(2026, 4, 29, 12, 30), dt.date(2026, 4, 29)),  # lunch break
        (dt.datetime(2026, 5, 3, 10, 0), dt.date(2026, 5, 6)),  # Sunday inside the May Day holiday
        (dt.datetime(2026, 5, 9, 10, 0), dt.date(2026, 5, 9)),  # 调休 Saturday: a working day
    ],
)
def test_daye_receipt_time(rulebook: Rulebook, submitted: dt.datetime, received: dt.date) -> None:
    assert item_deadlines(rulebook, "daye_chronic_disease_application", submitted).receipt.received == received


def test_make_up_saturday_receipt_says_the_source_is_silent(rulebook: Rulebook) -> None:
    report = item_deadlines(rulebook, "daye_chronic_disease_application", dt.datetime(2026, 5, 9, 10, 0))
    assert any("调休日是否办理" in n for n in report.receipt.notes)


def test_transfer_stages_sum_to_twenty_working_days(rulebook: Rulebook) -> None:
    """甘肃省医疗保障经办政务服务办事指南 第11项 转移接续手续办理: 5 + 10 + 5 working days = 20."""
    report = item_deadlines(rulebook, "转移接续手续办理", dt.date(2026, 9, 28))
    limit = report.deadlines[0]
    assert [s.end for s in limit.stages] == [dt.date(2026, 10, 10), dt.date(2026, 10, 23), dt.date(2026, 10, 30)]
    assert limit.due == CAL.add_working_days(dt.date(2026, 9, 28), 20) == dt.date(2026, 10, 30)


def test_correction_pause_stops_the_clock(rulebook: Rulebook) -> None:
    """门诊费用报销 (30个工作日) submitted before National Day, with a 补正 in the middle."""
    plain = item_deadlines(rulebook, "门诊费用报销", dt.date(2026, 9, 28))
    paused = item_deadlines(
        rulebook, "门诊费用报销", dt.date(2026, 9, 28), pauses=[(dt.date(2026, 10, 9), dt.date(2026, 10, 14))]
    )
    assert plain.due("stated") == dt.date(2026, 11, 13)  # 9-29, 9-30, 10-08, 10-09, 10-10 (调休), …
    # 10-09 counts (day 4 of 30); 10-10 (调休上班), 10-12, 10-13 and 10-14 do not; counting resumes 10-15.
    assert paused.due("stated") == CAL.add_working_days(dt.date(2026, 10, 14), 26)
    assert CAL.working_days_between(plain.due("stated"), paused.due("stated")) == 4


def test_pause_before_receipt_is_refused() -> None:
    with pytest.raises(DeadlineError, match="before the clock started"):
        add_days(CAL, dt.date(2026, 3, 10), "working_days", 5, [(dt.date(2026, 3, 9), dt.date(2026, 3, 11))])


def test_late_2026_submissions_are_provisional(rulebook: Rulebook) -> None:
    report = item_deadlines(rulebook, "门诊费用报销", dt.date(2026, 12, 20))
    assert report.provisional and report.due("stated") > CAL.official_until


def test_item_without_time_limit_says_so(rulebook: Rulebook) -> None:
    report = item_deadlines(rulebook, "family_mutual_aid", dt.date(2026, 3, 2))
    assert report.deadlines == () and report.notes


def test_cli_plain_count_contract() -> None:
    result = run_cli("deadline", "--start", "2026-09-28", "--working-days", "5", "--json")
    data = json.loads(result.stdout)
    assert {k: data[k] for k in ("start", "working_days", "due", "provisional")} == {
        "start": "2026-09-28",
        "working_days": 5,
        "due": "2026-10-10",
        "provisional": False,
    }


def test_cli_item_contract() -> None:
    result = run_cli("deadline", "慢性病规定病种申报一件事", "--submitted", "2026-04-30T17:30", "--json")
    data = json.loads(result.stdout)
    assert data["item"] == "慢性病规定病种申报一件事"
    assert data["received"] == "2026-05-06"
    assert data["legal_due"] is None and data["promised_due"] is None  # the source says only 审批时限
    assert data["stated_due"] == "2026-05-19"
    assert [s["name"] for s in data["stages"]][:2] == ["慢性病申报", "专家评审"]
    assert data["provisional"] is False


def test_cli_strict_refuses_provisional_answers() -> None:
    result = run_cli("deadline", "--start", "2026-12-20", "--working-days", "30", "--strict")
    assert result.returncode == 2 and "official holiday notice" in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("deadline", "--start", "2026-13-01", "--working-days", "5"),
        ("deadline", "--start", "2026-09-28"),
        ("deadline", "门诊费用报销"),
        ("deadline", "门诊费用报销", "--submitted", "yesterday"),
        ("deadline", "--start", "1990-01-01", "--working-days", "5"),
        ("calendar", "2026-13"),
    ],
)
def test_cli_bad_input_exits_2_without_traceback(args: tuple[str, ...]) -> None:
    result = run_cli(*args)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "Error" in result.stderr


def test_cli_calendar_month() -> None:
    out = run_cli("calendar", "2026-10").stdout
    assert "10 班" in out and "2026-10-06：调休休息" in out


def test_bundle_legal_and_promised_side_by_side(rulebook: Rulebook) -> None:
    """甘肃省就医费用报销“一件事”办事指南: 法定办结时限 3个工作日, 承诺办结时限 2个工作日."""
    report = item_deadlines(rulebook, "就医费用报销一件事", dt.date(2026, 9, 29))
    assert report.due("legal") == dt.date(2026, 10, 9)  # 9-30, 10-08, 10-09
    assert report.due("promised") == dt.date(2026, 10, 8)
    data = json.loads(run_cli("deadline", "就医费用报销一件事", "--submitted", "2026-09-29T09:00", "--json").stdout)
    assert (data["legal_due"], data["promised_due"]) == ("2026-10-09", "2026-10-08")
