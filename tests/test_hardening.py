"""Hardening: hostile or broken input ends in the library's own located error, quickly, never a traceback."""

from __future__ import annotations

import datetime as dt
import gc
import json
import resource
import shutil
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yibao_rules import FactsError, Rulebook, RulebookError, YibaoError, load_rulebook
from yibao_rules.calendar import CalendarRangeError, calendar_for, default_calendar, parse_moment
from yibao_rules.cases import CaseError, CaseTracker, replay
from yibao_rules.diff import diff_rulebooks
from yibao_rules.engines.durable import DurableEngine
from yibao_rules.json_source import JsonInputError, loads, read_json
from yibao_rules.testing.strategies import MutatedRulebook, rulebooks

from .conftest import RULES, growth, run_cli

BOOK = load_rulebook()


@given(rulebooks(RULES))
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_mutated_rule_files_load_or_fail_with_located_problems(mutated: MutatedRulebook) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = mutated.write(Path(tmp))
        try:
            load_rulebook(root)
        except RulebookError as exc:
            assert exc.problems, mutated.description
            for problem in exc.problems:
                assert problem.location.line >= 1 and problem.location.col >= 1, mutated.description
                assert Path(problem.location.path).is_relative_to(root) or problem.location.path == str(root)


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


def test_alias_bomb_in_a_rule_file_is_refused_unexpanded(rules_copy: Path) -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(9)
    )
    (rules_copy / "items" / "bomb.yaml").write_text(bomb, encoding="utf-8")
    with pytest.raises(RulebookError, match="aliases are not allowed"):
        load_rulebook(rules_copy)


# -- issue 13: one regression test per numbered case --------------------------------------------------


def _set_condition(root: Path, condition: str) -> None:
    item = root / "items" / "family_mutual_aid.yaml"
    text = item.read_text(encoding="utf-8")
    item.write_text(text.replace("condition: 在甘肃省参保", f"condition: {json.dumps(condition)}", 1), "utf-8")


def _add_predicates(root: Path, predicates: dict[str, str]) -> None:
    lines = [
        f"  {name}:\n    condition: {json.dumps(cond, ensure_ascii=False)}\n"
        "    citation: {ref: gansu_one_thing_guide}\n"
        for name, cond in predicates.items()
    ]
    with (root / "eligibility" / "family_mutual_aid.yaml").open("a", encoding="utf-8") as f:
        f.write("".join(lines))


def _add_date_fact(root: Path) -> None:
    with (root / "facts.yaml").open("a", encoding="utf-8") as f:
        f.write("\n  applicant.birth_date:\n    type: date\n    label: 出生日期\n    question: 出生日期？\n")


def _located(exc: RulebookError, needle: str) -> None:
    assert any(needle in p.message and p.location.line > 1 for p in exc.problems), exc.render(brief=True)


def test_case_1_long_operator_chain_is_a_located_problem(rules_copy: Path) -> None:
    _set_condition(rules_copy, "1" + "+1" * 499 + " == 500")
    with pytest.raises(RulebookError) as caught:
        load_rulebook(rules_copy)
    _located(caught.value, "nested deeper")


def test_case_1_a_thousand_chained_predicates_load_and_decide(rules_copy: Path) -> None:
    n = 1000
    preds = {f"q{i}": f"q{i + 1}" for i in range(n)}
    preds[f"q{n}"] = 'applicant.insured_province == "甘肃省"'
    _add_predicates(rules_copy, preds)
    _set_condition(rules_copy, "q0")
    book = load_rulebook(rules_copy)
    assert book.decide("family_mutual_aid", {"applicant": {"insured_province": "四川省"}}).status == "ineligible"
    # the durable-rules translation expands predicates inline: refused with a YibaoError, not a RecursionError
    with pytest.raises(YibaoError, match="durable-rules"):
        DurableEngine(book).decide("family_mutual_aid", {"applicant": {"insured_province": "四川省"}})


def test_case_1_predicate_cycle_is_still_reported(rules_copy: Path) -> None:
    _add_predicates(rules_copy, {"a1": "b1", "b1": "c1", "c1": "a1"})
    with pytest.raises(RulebookError) as caught:
        load_rulebook(rules_copy)
    _located(caught.value, "a1 → b1 → c1 → a1")


def test_case_2_constant_date_overflow_is_a_load_error(rules_copy: Path) -> None:
    _set_condition(rules_copy, 'date("9999-12-31") + 1 > today')
    with pytest.raises(RulebookError) as caught:
        load_rulebook(rules_copy)
    _located(caught.value, "out of range")


def test_case_2_date_overflow_from_facts_or_today_is_a_yibao_error(rules_copy: Path) -> None:
    _add_date_fact(rules_copy)
    _set_condition(rules_copy, "applicant.birth_date + 30 > today or today + 3000000 > today")
    book = load_rulebook(rules_copy)
    with pytest.raises(YibaoError, match="out of range"):
        book.decide("family_mutual_aid", {"applicant": {"birth_date": "9999-12-31"}}, on=dt.date(2024, 1, 1))
    with pytest.raises(YibaoError, match="out of range"):  # the fact is fine, today + 3000000 is not
        book.decide("family_mutual_aid", {"applicant": {"birth_date": "2000-01-01"}}, on=dt.date(2026, 1, 1))


def test_case_3_shared_predicates_evaluate_in_linear_time(rules_copy: Path) -> None:
    """q_i = q_{i+1} and q_{i+1}: evaluated naively, 40 levels are 2**40 calls; shared, 40."""

    def book_of_depth(n: int) -> Rulebook:
        root = shutil.copytree(rules_copy, rules_copy.parent / f"depth_{n}")
        preds = {f"q{i}": f"q{i + 1} and q{i + 1}" for i in range(n)}
        preds[f"q{n}"] = 'applicant.insured_province == "甘肃省"'
        _add_predicates(root, preds)
        _set_condition(root, "q0")
        return load_rulebook(root)

    books = {n: book_of_depth(n) for n in (10, 40)}

    def decide(n: int) -> None:
        for _ in range(200):
            for province in ("甘肃省", "四川省"):
                books[n].decide("family_mutual_aid", {"applicant": {"insured_province": province}})
            books[n].decide("family_mutual_aid", {})

    assert growth(decide, 10, 4) < 16  # 4× the depth: about 4× the work, never 2**30×


def _situations(root: Path, block: str) -> None:
    item = root / "items" / "outpatient_reimbursement.yaml"
    text = item.read_text(encoding="utf-8")
    start, end = text.index("situations:"), text.index("time_limits:")
    item.write_text(text[:start] + block + text[end:], encoding="utf-8")


def _situation(name: str, parents: list[str]) -> str:
    inherits = f"    inherits: [{', '.join(parents)}]\n" if parents else ""
    return f"  - name: {name}\n{inherits}    materials:\n      - name: 材料{name}\n"


def test_case_4_inheriting_every_earlier_situation_is_linear(rules_copy: Path) -> None:
    """情形 i inherits every earlier one: the file itself grows as n², and so may the work, but
    not exponentially as it once did (26 情形 took 5–10 s)."""

    def load_and_list(n: int) -> None:
        names = [f"情形{i}" for i in range(n)]
        _situations(rules_copy, "situations:\n" + "".join(_situation(s, names[:i]) for i, s in enumerate(names)))
        book = load_rulebook(rules_copy)
        result = book.checklist("门诊费用报销", situation=names[-1])
        assert [m.name for m in result.materials] == [f"材料{s}" for s in names]

    assert growth(load_and_list, 50, 4, repeat=2) < 4 * 16  # input grows 16×; exponential would be ~2**150×


def test_case_4_a_deep_inheritance_chain_works(rules_copy: Path) -> None:
    names = [f"情形{i}" for i in range(1200)]
    _situations(rules_copy, "situations:\n" + "".join(_situation(n, names[i - 1 : i]) for i, n in enumerate(names)))
    book = load_rulebook(rules_copy)
    assert len(book.checklist("门诊费用报销", situation=names[-1]).materials) == 1200


def test_case_4_a_parent_listed_twice_is_a_located_problem(rules_copy: Path) -> None:
    _situations(rules_copy, "situations:\n" + _situation("甲", []) + _situation("乙", ["甲"] * 30))
    with pytest.raises(RulebookError) as caught:
        load_rulebook(rules_copy)
    _located(caught.value, "重复继承情形 '甲'")


def test_case_12_10_province_by_name_in_a_list_is_undetermined_without_facts(rules_copy: Path) -> None:
    _set_condition(rules_copy, '"甘肃省" in [applicant.insured_province]')
    book = load_rulebook(rules_copy)
    decide = book.decide
    assert decide("family_mutual_aid", {"applicant": {"insured_province": "620000"}}).reasons[0].outcome == "passed"
    assert decide("family_mutual_aid", {}).status == "undetermined"


@pytest.mark.parametrize("value", ['!!bool ""', "!!timestamp x", '!!int ""', "!!str 12", "!!float abc"])
def test_case_5_explicit_yaml_tags_are_located_problems(rules_copy: Path, value: str) -> None:
    item = rules_copy / "items" / "family_mutual_aid.yaml"
    item.write_text(item.read_text(encoding="utf-8") + f"\nextra_tagged: {value}\n", encoding="utf-8")
    notice = rules_copy / "calendar" / "2030.yaml"
    notice.parent.mkdir(exist_ok=True)
    notice.write_text(f"year: {value}\n", encoding="utf-8")
    with pytest.raises(RulebookError) as caught:
        load_rulebook(rules_copy)
    _located(caught.value, "explicit tags are not allowed")
    assert any(p.location.path == str(notice) for p in caught.value.problems)


def test_case_6_a_huge_broken_file_is_reported_in_linear_time_and_capped(rules_copy: Path) -> None:
    """30,000 unknown keys once took 2.75 s and 300,000 took 25 s (a did-you-mean per problem).
    Ten times the keys must cost about ten times the work, and the report stays capped."""
    item = rules_copy / "items" / "family_mutual_aid.yaml"
    original = item.read_text(encoding="utf-8")
    caught: list[RulebookError] = []

    def check(n: int) -> None:
        item.write_text(original + "".join(f"unknown_key_{i}: 1\n" for i in range(n)), encoding="utf-8")
        with pytest.raises(RulebookError) as info:
            load_rulebook(rules_copy)
        caught.append(info.value)

    assert growth(check, 3_000, 10, repeat=2) < 30  # linear ≈ 10 (less with the fixed load cost); quadratic 100
    problems = caught[-1].problems
    assert len(problems) <= 101
    assert "29900 more problem(s)" in problems[-1].message


def test_case_14_loading_again_and_again_does_not_grow_memory() -> None:
    gc.collect()
    load_rulebook()
    before = _rss_mb()
    for _ in range(200):
        load_rulebook()
    gc.collect()
    assert _rss_mb() - before < 20


def _rss_mb() -> float:
    """Resident memory of this process (Linux /proc; elsewhere the peak from getrusage)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        return pages * resource.getpagesize() / 2**20
    except OSError:  # pragma: no cover - not Linux
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def test_case_16_links_leaving_the_rules_folder_are_refused(rules_copy: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.yaml"
    secret.write_text("password: hunter2-do-not-print\n", encoding="utf-8")
    (rules_copy / "items" / "leak.yaml").symlink_to(secret)
    outside_dir = tmp_path / "elsewhere"
    outside_dir.mkdir()
    (outside_dir / "x.yaml").write_text("id: x\n", encoding="utf-8")
    (rules_copy / "eligibility" / "linked.yaml").symlink_to(outside_dir / "x.yaml")
    with pytest.raises(RulebookError) as caught:
        load_rulebook(rules_copy)
    text = caught.value.render()
    assert "hunter2" not in text
    refused = [p for p in caught.value.problems if "outside the rules folder" in p.message]
    assert {Path(p.location.path).name for p in refused} == {"leak.yaml", "linked.yaml"}
    result = run_cli("check", str(rules_copy))
    assert result.returncode == 1 and "hunter2" not in result.stdout + result.stderr


def test_case_16_links_inside_the_rules_folder_still_work(rules_copy: Path) -> None:
    target = rules_copy / "items" / "family_mutual_aid.yaml"
    moved = rules_copy / "items" / "sub"
    moved.mkdir()
    (moved / "family_mutual_aid.yaml").write_bytes(target.read_bytes())
    target.unlink()
    target.symlink_to(moved / "family_mutual_aid.yaml")
    with pytest.raises(RulebookError, match="duplicate item id"):  # both paths read: the link is followed
        load_rulebook(rules_copy)


def _deep(n: int) -> Any:
    value: Any = "配偶"
    for _ in range(n):
        value = [value]
    return value


@pytest.mark.parametrize(
    "value", [10**5000, _deep(1000), {"a": _deep(1000)}, "甘" * 100_000], ids=["big", "deep", "deep_dict", "long"]
)
def test_case_7_facts_whose_message_is_hard_to_build_are_facts_errors(value: Any) -> None:
    for facts in (
        {"family_member": {"relationship": value}},
        {"applicant": {"insured_province": value}},
        {"applicant.cross_region_filed": value},
    ):
        with pytest.raises(FactsError) as caught:
            BOOK.decide("family_mutual_aid", facts)
        assert len(str(caught.value)) < 1000


BAD_JSON_FILES = {
    "big_number": b'{"family_member": {"relationship": ' + b"1" * 5000 + b"}}",
    "deep": b'{"family_member": {"relationship": ' + b"[" * 1000 + b"]" * 1000 + b"}}",
    "not_utf8": b'{"family_member": {"relationship": "\xff\xfe"}}',
    "duplicate_key": '{"applicant": {"insured_province": "甘肃省", "insured_province": "四川省"}}'.encode(),
    "nan": b'{"family_member": {"relationship": NaN}}',
}


_FACTS_COMMANDS = [
    ("evaluate", "family_mutual_aid"),
    ("checklist", "门诊费用报销", "--situation", "普通门诊"),
    ("bundle", "就医费用报销一件事"),
]


@pytest.mark.parametrize("kind", sorted(BAD_JSON_FILES))
def test_case_8_the_json_reader_refuses_bad_files_with_their_location(tmp_path: Path, kind: str) -> None:
    facts = tmp_path / "facts.json"
    facts.write_bytes(BAD_JSON_FILES[kind])
    with pytest.raises(JsonInputError, match=str(facts)):
        read_json(facts)


@pytest.mark.parametrize(
    ("kind", "command"), list(zip(sorted(BAD_JSON_FILES), _FACTS_COMMANDS * 2, strict=False)), ids=str
)
def test_case_8_every_facts_file_reader_refuses_bad_json_cleanly(
    tmp_path: Path, kind: str, command: tuple[str, ...]
) -> None:
    facts = tmp_path / "facts.json"
    facts.write_bytes(BAD_JSON_FILES[kind])
    result = run_cli(*command, "--facts", str(facts))
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr and str(facts) in result.stderr


@pytest.mark.parametrize("kind", sorted(BAD_JSON_FILES))
def test_case_8_the_event_log_reader_refuses_bad_json_cleanly(tmp_path: Path, kind: str) -> None:
    log = tmp_path / "events.jsonl"
    good = '{"case": "A", "event": "submitted", "at": "2026-03-02T09:00", "item": "门诊费用报销"}\n'.encode()
    log.write_bytes(good + BAD_JSON_FILES[kind] + b"\n")
    with pytest.raises(CaseError, match=f"{log}:2"):
        replay(BOOK, log)
    if kind == "deep":
        result = run_cli("track", str(log))
        assert result.returncode == 2, result.stdout + result.stderr
        assert "Traceback" not in result.stderr and f"{log}:2" in result.stderr


def test_case_8_duplicate_keys_in_the_json_reader() -> None:
    with pytest.raises(JsonInputError, match="duplicate key"):
        loads('{"a": 1, "a": 1}', "x.json")
    assert loads('{"a": [1, {"b": 2.5}]}', "x.json") == {"a": [1, {"b": 2.5}]}


@pytest.mark.parametrize(
    "facts",
    [
        {"applicant": {"cross_region_filed": True}, "applicant.cross_region_filed": False},
        {"applicant.cross_region_filed": False, "applicant": {"cross_region_filed": True}},
        {"applicant": {"insured_province": "甘肃省"}, "applicant.insured_province": "四川省"},
    ],
)
def test_case_12_8_contradictory_facts_are_refused(facts: dict[str, Any]) -> None:
    with pytest.raises(FactsError, match="given twice with different values"):
        BOOK.decide("family_mutual_aid", facts)


def test_case_12_8_the_same_fact_given_twice_alike_is_accepted() -> None:
    facts = {"applicant": {"insured_province": "甘肃省"}, "applicant.insured_province": "620000"}
    assert BOOK.decide("family_mutual_aid", facts).status == "undetermined"


@pytest.mark.parametrize(
    ("start", "n"), [(dt.date(2026, 1, 1), 3_000_000), (dt.date(2026, 1, 1), 10**9), (dt.date(2029, 12, 31), 1)]
)
def test_case_9_huge_natural_day_counts_are_calendar_range_errors(start: dt.date, n: int) -> None:
    with pytest.raises(CalendarRangeError):
        default_calendar().add_natural_days(start, n)


def test_case_9_natural_days_past_year_9999_and_the_cli() -> None:
    with pytest.raises(CalendarRangeError):
        default_calendar().add_natural_days(dt.date(9999, 12, 31), 1)
    result = run_cli("deadline", "--start", "2026-01-01", "--natural-days", "1000000000")
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr


def test_case_9_a_rule_with_a_huge_natural_day_limit(rules_copy: Path) -> None:
    item = rules_copy / "items" / "outpatient_reimbursement.yaml"
    text = item.read_text(encoding="utf-8")
    item.write_text(text.replace("kind: working_days\n    days: 30", "kind: natural_days\n    days: 3000000"), "utf-8")
    book = load_rulebook(rules_copy)
    with pytest.raises(CalendarRangeError):
        book.deadline("门诊费用报销", dt.date(2026, 3, 2))


@pytest.mark.parametrize("edit", ["effective_to: 9999-12-31", "effective_from: 0001-01-01"])
def test_case_10_diff_of_rules_at_the_ends_of_time(rules_copy: Path, edit: str) -> None:
    item = rules_copy / "items" / "family_mutual_aid.yaml"
    text = item.read_text(encoding="utf-8")
    item.write_text(text.replace("    effective_from: 2023-01-01", f"    {edit}"), encoding="utf-8")
    result = diff_rulebooks(BOOK, load_rulebook(rules_copy))
    assert any(c.what == "rule" for c in result.changes)


def test_case_11_a_time_with_an_offset_is_converted_to_beijing_time() -> None:
    utc = dt.datetime(2026, 4, 29, 9, 30, tzinfo=dt.UTC)  # 17:30 in Beijing, after closing
    report = BOOK.deadline("慢性病规定病种申报一件事", utc)
    assert report.receipt.received == dt.date(2026, 4, 30)
    assert parse_moment("2026-04-29T09:30+00:00") == dt.datetime(2026, 4, 29, 17, 30)
    assert parse_moment("2026-04-29T17:30") == parse_moment("2026-04-29T17:30+08:00")
    result = run_cli("deadline", "慢性病规定病种申报一件事", "--submitted", "2026-04-29T09:30+00:00", "--json")
    assert json.loads(result.stdout)["received"] == "2026-04-30", result.stderr


def test_case_11_track_converts_offsets_the_same_way(tmp_path: Path) -> None:
    log = tmp_path / "events.jsonl"
    event = {"case": "A", "event": "submitted", "at": "2026-04-29T09:30Z", "item": "慢性病规定病种申报一件事"}
    log.write_text(json.dumps(event, ensure_ascii=False) + "\n", encoding="utf-8")
    tracker = replay(BOOK, log, now=dt.datetime(2026, 4, 29, 12, 0, tzinfo=dt.UTC))
    state = tracker.cases["A"]
    assert state.submitted == dt.datetime(2026, 4, 29, 17, 30)
    assert state.report is not None and state.report.receipt.received == dt.date(2026, 4, 30)


def _log(tmp_path: Path, *events: dict[str, Any]) -> Path:
    log = tmp_path / "events.jsonl"
    log.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in events), encoding="utf-8")
    return log


SUBMITTED = {"case": "A", "event": "submitted", "at": "2026-03-02T09:00", "item": "门诊费用报销"}


@pytest.mark.parametrize(
    ("event", "match"),
    [
        ({**SUBMITTED, "situation": ["x"]}, "'situation'"),
        ({**SUBMITTED, "at": "0001-01-01T09:00"}, "outside the calendar"),
        ({**SUBMITTED, "case": 7}, "'case'"),
        ({**SUBMITTED, "situaton": "普通门诊"}, "did you mean 'situation'"),
        ({**SUBMITTED, "at": "2026-03-02T09:00+25:00"}, "'at' must be"),
    ],
)
def test_case_12_bad_event_fields_are_case_errors(tmp_path: Path, event: dict[str, Any], match: str) -> None:
    with pytest.raises(CaseError, match=match):
        replay(BOOK, _log(tmp_path, event))


@pytest.mark.parametrize(
    ("events", "now"),
    [
        ([SUBMITTED], dt.datetime(9999, 1, 1)),
        ([SUBMITTED, {"case": "A", "event": "accepted", "at": "9999-12-31T09:00"}], None),
        (
            [SUBMITTED, {"case": "A", "event": "correction_requested", "at": "2026-03-03T09:00"}],
            dt.datetime(2029, 12, 31),
        ),
    ],
)
def test_case_12_far_dates_in_a_log_end_in_an_answer(tmp_path: Path, events: list[dict[str, Any]], now: Any) -> None:
    try:
        tracker = replay(BOOK, _log(tmp_path, *events), now=now)
    except YibaoError:
        pass
    else:
        assert "overdue" in [a.kind for a in tracker.cases["A"].alerts] or tracker.cases["A"].correction_since


class _DayByDay(CaseTracker):
    """The reference: observe every single day (what advance() did before it jumped)."""

    def advance(self, until: dt.date) -> list[Any]:
        fresh: list[Any] = []
        day = self._observed + dt.timedelta(days=1) if self._observed else until
        while day <= until:
            fresh += self.check(day)
            day += dt.timedelta(days=1)
        return fresh


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["accepted", "correction_requested", "corrected", "stage_completed"]),
            st.integers(0, 60),
        ),
        max_size=5,
    ),
    st.integers(0, 120),
    st.sampled_from(["门诊费用报销", "慢性病规定病种申报一件事", "就医费用报销一件事", "family_mutual_aid"]),
)
@settings(max_examples=25, deadline=None)
def test_case_12_jumping_advance_raises_the_same_alerts_on_the_same_days(
    steps: list[tuple[str, int]], tail: int, item: str
) -> None:
    start = dt.datetime(2026, 9, 20, 9, 0)
    events = [{"case": "A", "event": "submitted", "at": start.isoformat(), "item": item}]
    at = start
    for kind, gap in steps:
        at += dt.timedelta(days=gap)
        extra = {"stage": "审核"} if kind == "stage_completed" else {}
        events.append({"case": "A", "event": kind, "at": at.isoformat(), **extra})
    now = at + dt.timedelta(days=tail)
    results = []
    for cls in (CaseTracker, _DayByDay):
        tracker = cls(BOOK, clock=lambda: now)
        try:
            for event in events:
                tracker.advance(dt.datetime.fromisoformat(event["at"]).date() - dt.timedelta(days=1))
                tracker.handle(event)
            tracker.advance(now.date())
        except YibaoError as exc:
            results.append(type(exc).__name__)
            continue
        results.append([(a.kind, a.at, a.basis, a.due) for a in tracker.cases["A"].alerts])
    assert results[0] == results[1]


@pytest.mark.parametrize(
    ("call", "args"),
    [
        ("decide", (None,)),
        ("decide", ("family_mutual_aid", {"applicant": []})),
        ("decide", ("family_mutual_aid", None, "2024-01-01")),
        ("checklist", ("门诊费用报销", None, 3)),
        ("checklist", ("门诊费用报销", None, ["普通门诊"])),
        ("bundle_report", (3,)),
        ("deadline", ("门诊费用报销", None)),
        ("deadline", ("门诊费用报销", "2026-03-02")),
    ],
)
def test_case_13_wrong_argument_types_are_yibao_errors(call: str, args: tuple[Any, ...]) -> None:
    with pytest.raises(YibaoError):
        getattr(BOOK, call)(*args)


def test_case_13_deadline_options_and_calendar_functions_check_their_arguments() -> None:
    day = dt.date(2026, 3, 2)
    for options in ({"situation": ["x"]}, {"pauses": [1]}, {"pauses": "2026-01-01"}, {"calendar": "x"}):
        with pytest.raises(YibaoError):
            BOOK.deadline("门诊费用报销", day, **options)
    cal = default_calendar()
    for bad in (
        lambda: cal.add_working_days("2026-03-02", 1),  # type: ignore[arg-type]
        lambda: cal.add_working_days(day, "1"),  # type: ignore[arg-type]
        lambda: cal.add_natural_days(day, 1.5),  # type: ignore[arg-type]
        lambda: cal.non_working_days(day, None),  # type: ignore[arg-type]
        lambda: cal.make_up_days_between(None, day),  # type: ignore[arg-type]
        lambda: cal.working_days_between(day, "x"),  # type: ignore[arg-type]
        lambda: cal.day_info(None),  # type: ignore[arg-type]
    ):
        with pytest.raises(YibaoError):
            bad()
    with pytest.raises(ValueError):  # documented: a negative count stays a ValueError
        cal.add_working_days(day, -1)


def test_case_15_a_notice_added_later_is_seen_in_the_same_process(rules_copy: Path) -> None:
    before = calendar_for(rules_copy)
    assert before.is_working_day(dt.date(2027, 1, 4))
    (rules_copy / "calendar").mkdir(exist_ok=True)
    (rules_copy / "calendar" / "2027.yaml").write_text(NOTICE_2027, encoding="utf-8")
    book = load_rulebook(rules_copy)
    after = calendar_for(rules_copy)
    assert not after.is_working_day(dt.date(2027, 1, 4))
    report = book.deadline("门诊费用报销", dt.datetime(2027, 1, 4, 9, 0))
    assert report.receipt.received == dt.date(2027, 1, 5)


NOTICE_2027 = """\
year: 2027
title: 测试用节假日安排通知（非真实通知）
source: tests/test_hardening.py
holidays:
  - {date: 2027-01-01, name: 元旦}
  - {date: 2027-01-04, name: 测试休息日}
make_up_working_days:
  - {date: 2027-01-09, name: 测试上班日}
"""
