"""Item deadlines: receipt time, stages, 补正 pauses and the CLI contract, on examples from the sources."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from yibao_rules import Rulebook, YibaoError, load_rulebook
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


def _daye_with_make_up_days(rules_copy: Path, value: str) -> Rulebook:
    path = rules_copy / "jurisdictions" / "daye.yaml"
    text = path.read_text(encoding="utf-8")
    assert "make_up_days_open: unspecified" in text
    path.write_text(text.replace("make_up_days_open: unspecified", f"make_up_days_open: {value}"), encoding="utf-8")
    return load_rulebook(rules_copy)


def test_after_hours_roll_over_skips_a_closed_make_up_day(rules_copy: Path) -> None:
    """大冶 closes at 17:00; Friday 2026-02-13 18:00 rolls over to Saturday 02-14, a 调休 working day
    before 春节. With make_up_days_open: false the office does not open then, so receipt is 02-24."""
    book = _daye_with_make_up_days(rules_copy, "false")
    report = item_deadlines(book, "慢性病规定病种申报一件事", dt.datetime(2026, 2, 13, 18, 0))
    assert report.receipt.received == dt.date(2026, 2, 24)
    # the same rule whichever way the receipt day moves: a same-day submission on the 调休 Saturday
    assert item_deadlines(book, "慢性病规定病种申报一件事", dt.date(2026, 2, 14)).receipt.received == dt.date(
        2026, 2, 24
    )


def test_after_hours_roll_over_onto_make_up_day_carries_the_note(rulebook: Rulebook) -> None:
    """make_up_days_open: unspecified (the embedded 大冶 data): rolling over onto 调休 Saturday 2026-02-14
    gives the same note as submitting on that Saturday."""
    rolled = item_deadlines(rulebook, "慢性病规定病种申报一件事", dt.datetime(2026, 2, 13, 18, 0))
    same_day = item_deadlines(rulebook, "慢性病规定病种申报一件事", dt.datetime(2026, 2, 14, 10, 0))
    assert rolled.receipt.received == same_day.receipt.received == dt.date(2026, 2, 14)
    silent = [n for n in same_day.receipt.notes if "调休日是否办理" in n]
    assert silent and [n for n in rolled.receipt.notes if "调休日是否办理" in n] == silent


def test_pause_belongs_to_the_stage_it_falls_in(rulebook: Rulebook) -> None:
    """转移接续手续办理 (第11项, 5 + 10 + 5 working days) with a 补正 during the first stage: only that
    stage stops; the later stages start from its moved end."""
    report = item_deadlines(
        rulebook, "转移接续手续办理", dt.date(2026, 9, 14), pauses=[(dt.date(2026, 9, 16), dt.date(2026, 9, 22))]
    )
    limit = report.deadlines[0]
    # 09-15, 09-16 count; 09-17…09-22 do not; 09-23, 09-24, 09-28 (09-25 中秋, 09-26/27 weekend)
    assert [s.end for s in limit.stages] == [dt.date(2026, 9, 28), dt.date(2026, 10, 16), dt.date(2026, 10, 23)]
    assert limit.due == dt.date(2026, 10, 23) == limit.stages[-1].end


def test_pause_in_a_later_stage_moves_only_that_stage(rulebook: Rulebook) -> None:
    plain = item_deadlines(rulebook, "转移接续手续办理", dt.date(2026, 9, 14)).deadlines[0].stages
    paused = item_deadlines(
        rulebook, "转移接续手续办理", dt.date(2026, 9, 14), pauses=[(dt.date(2026, 10, 8), dt.date(2026, 10, 9))]
    ).deadlines[0]
    # stage 2 runs 09-20 → 10-10; the pause stops it for one working day (10-09), once
    assert plain[1].start == dt.date(2026, 9, 20) and plain[1].end == dt.date(2026, 10, 10)
    assert [s.end for s in paused.stages] == [plain[0].end, *(CAL.add_working_days(s.end, 1) for s in plain[1:])]
    assert paused.due == paused.stages[-1].end


def test_deadline_with_a_string_date_is_a_yibao_error(rulebook: Rulebook) -> None:
    with pytest.raises(YibaoError, match="2026-09-28"):
        rulebook.deadline("门诊费用报销", "2026-09-28")  # type: ignore[arg-type]


def test_due_of_an_unknown_basis_is_a_yibao_error(rulebook: Rulebook) -> None:
    report = rulebook.deadline("门诊费用报销", dt.date(2026, 9, 28))
    with pytest.raises(YibaoError, match="bogus"):
        report.due("bogus")


def test_cli_deadline_shows_the_pause_and_how_far_it_moved_the_due_date() -> None:
    out = run_cli("deadline", "门诊费用报销", "--submitted", "2026-09-28", "--pause", "2026-10-09:2026-10-14").stdout
    assert "补正暂停 2026-10-09 → 2026-10-14" in out and "4 个工作日" in out
    assert "由 2026-11-13 推迟至 2026-11-19" in out
