"""The console script, run as a user runs it (a subprocess, from an unrelated directory)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import wcwidth

from .conftest import run_cli


def test_items_work_from_any_directory_with_the_embedded_rulebook(tmp_path: Path) -> None:
    result = run_cli("items", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "职工医保个人账户家庭共济办理" in result.stdout
    assert "[family_mutual_aid]" in result.stdout


def test_items_json_contract(tmp_path: Path) -> None:
    result = run_cli("items", "--json", cwd=tmp_path)
    rows = json.loads(result.stdout)
    by_id = {row["id"]: row for row in rows}
    row = by_id["family_mutual_aid"]
    assert row["name"] == "职工医保个人账户家庭共济办理"
    assert row["jurisdiction"] == {"code": "620000", "name": "甘肃省"}
    assert set(row) == {"id", "name", "number", "category", "jurisdiction", "item_type", "implements", "source"}


def test_bundles_listing(tmp_path: Path) -> None:
    rows = json.loads(run_cli("items", "--bundles", "--json", cwd=tmp_path).stdout)
    bundle = next(r for r in rows if r["name"] == "就医费用报销一件事")
    # 甘肃省就医费用报销“一件事”办事指南: four 联办事项
    assert [m["name"] for m in bundle["members"]] == [
        "职工医保个人账户家庭共济办理",
        "基本医疗保险参保人员异地就医备案",
        "五种门诊慢特病费用跨省直接结算",
        "医疗费用报销直接结算",
    ]


def test_show_accepts_id_or_exact_chinese_name(tmp_path: Path) -> None:
    by_name = json.loads(run_cli("show", "职工医保个人账户家庭共济办理", "--json", cwd=tmp_path).stdout)
    by_id = json.loads(run_cli("show", "family_mutual_aid", "--json", cwd=tmp_path).stdout)
    assert by_name == by_id
    assert by_id["type"] == "item"
    rules = {r["id"]: r for r in by_id["eligibility"]}
    assert rules["relative_in_scope_246"]["effective_from"] == "2023-01-01"
    assert rules["relative_in_scope_111"]["effective_to"] == "2022-12-31"


def test_show_bundle_and_human_output(tmp_path: Path) -> None:
    data = json.loads(run_cli("show", "就医费用报销一件事", "--json", cwd=tmp_path).stdout)
    assert data["type"] == "bundle" and data["kind"] == "一件事" and data["item_type"] == "承诺件"
    human = run_cli("show", "就医费用报销一件事", cwd=tmp_path).stdout
    assert "牵头部门：甘肃省医疗保障局" in human


def test_unknown_item_exits_2_with_a_suggestion(tmp_path: Path) -> None:
    result = run_cli("show", "职工医保个人账户家庭共济", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith("Error: 未知的事项 (unknown item '职工医保个人账户家庭共济'")
    assert "did you mean '职工医保个人账户家庭共济办理'?" in result.stderr


def test_check_embedded_rulebook_is_clean(tmp_path: Path) -> None:
    result = run_cli("check", cwd=tmp_path)
    assert result.returncode == 0 and result.stdout.startswith("OK:")


def test_check_json(tmp_path: Path) -> None:
    bad = tmp_path / "rules"
    bad.mkdir()
    result = run_cli("check", "--json", str(bad))
    assert result.returncode == 1
    data = json.loads(result.stdout)
    assert data["ok"] is False
    assert {p["path"] for p in data["problems"]} >= {str(bad / "facts.yaml"), str(bad / "citations.yaml")}


def test_rules_option_with_broken_rules_exits_1(tmp_path: Path) -> None:
    result = run_cli("items", "--rules", str(tmp_path))
    assert result.returncode == 1
    assert "facts.yaml:1:1" in result.stderr


def test_usage_error_exits_2() -> None:
    assert run_cli("items", "--no-such-flag").returncode == 2


# Every command that reads a rulebook, with arguments that are otherwise fine.
RULEBOOK_COMMANDS = [
    ("check",),
    ("items",),
    ("show", "family_mutual_aid"),
    ("evaluate", "family_mutual_aid"),
    ("checklist", "门诊费用报销"),
    ("bundle", "就医费用报销一件事"),
    ("interview", "family_mutual_aid"),
    ("track", str(Path(__file__).resolve().parents[1] / "examples" / "events.jsonl")),
    ("test", str(Path(__file__).resolve().parent / "scenarios")),
    ("deadline", "--start", "2026-09-28", "--working-days", "5"),
    ("calendar", "2026-10"),
]


@pytest.mark.parametrize("args", RULEBOOK_COMMANDS, ids=lambda a: a[0])
def test_every_command_honours_yibao_rules(args: tuple[str, ...], tmp_path: Path) -> None:
    """YIBAO_RULES names the rules directory for every command (here one without any rule file):
    the rulebook problems are reported and the exit status is 1."""
    result = run_cli(*args, env={"YIBAO_RULES": str(tmp_path)}, stdin="")
    assert result.returncode == 1, result.stdout + result.stderr
    assert str(tmp_path / "facts.yaml") in result.stdout + result.stderr


@pytest.mark.parametrize("args", [*RULEBOOK_COMMANDS, ("diff", "/no/such/rules", "/no/such/rules")], ids=lambda a: a[0])
def test_a_missing_rules_directory_exits_1_from_every_command(args: tuple[str, ...], tmp_path: Path) -> None:
    """README: exit 1 when the rulebook has problems, and a missing rules directory is one."""
    missing = str(tmp_path / "no-such-rules")
    argv = (*args, missing) if args == ("check",) else args if args[0] == "diff" else (*args, "--rules", missing)
    result = run_cli(*argv, stdin="")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "规则目录不存在 (rules directory not found)" in result.stdout + result.stderr
    assert "Traceback" not in result.stderr


def test_calendar_columns_line_up_by_display_width() -> None:
    """休 and 班 are two columns wide: every day must start in its weekday's column."""
    out = run_cli("calendar", "2026-10").stdout.splitlines()
    header, weeks = out[1], out[2:7]
    assert [wcwidth.wcswidth(header[: header.index(d)]) for d in "一二三四五六日"] == [0, 6, 12, 18, 24, 30, 36]
    for line in weeks:
        for match in re.finditer(r"\d+", line):
            end = wcwidth.wcswidth(line[: match.end()])
            assert end % 6 == 2, f"{match.group()} ends at column {end} in {line!r}"


def test_check_summary_is_chinese_with_english_in_brackets(tmp_path: Path) -> None:
    result = run_cli("check", str(tmp_path))
    assert result.returncode == 1
    assert re.fullmatch(r"发现 (\d+) 处问题 \(\1 problems found\)\.", result.stderr.strip()), result.stderr


def test_check_caps_the_problems_printed(rules_copy: Path) -> None:
    """A badly broken rulebook: the first 200 problems are printed, the rest only counted.

    Five files of 100 problems each (each file is within the loader's per-file cap)."""
    for n in range(5):
        lines = [f"id: big_item_{n}", f"name: 大文件{n}", 'jurisdiction: "620000"', "source: gansu_service_guide"]
        lines += ["situations:", *(f"  - {{name: s{i}, bogus: {i}}}" for i in range(100))]
        (rules_copy / "items" / f"big_item_{n}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run_cli("check", "--brief", str(rules_copy))
    assert result.returncode == 1
    out = result.stdout.splitlines()
    assert len(out) == 201 and out[-1] == "……另有 300 处问题未显示 (300 more problems not shown)"
    assert result.stderr.strip() == "发现 500 处问题 (500 problems found)."
    assert len(run_cli("check", "--brief", "--max-problems", "0", str(rules_copy)).stdout.splitlines()) == 500


def test_test_without_any_scenario_is_an_error(tmp_path: Path) -> None:
    """An empty directory, or a file with `cases: []`, must not pass as '0 passed'."""
    empty = run_cli("test", str(tmp_path))
    assert empty.returncode == 2 and "no scenarios found" in empty.stderr
    (tmp_path / "none.yaml").write_text("item: family_mutual_aid\ncases: []\n", encoding="utf-8")
    no_cases = run_cli("test", str(tmp_path))
    assert no_cases.returncode == 2 and "no scenarios found" in no_cases.stderr


def test_test_with_missing_target_and_rules_blames_the_rules(tmp_path: Path) -> None:
    result = run_cli("test", str(tmp_path / "no-such-scenarios"), "--rules", str(tmp_path / "no-such-rules"))
    assert result.returncode == 1 and "rules directory not found" in result.stderr
    result = run_cli("test", str(tmp_path / "no-such-scenarios"))
    assert result.returncode == 2 and "no such file or directory" in result.stderr


def test_track_on_an_empty_log_says_so(tmp_path: Path) -> None:
    log = tmp_path / "events.jsonl"
    log.write_text("\n", encoding="utf-8")
    result = run_cli("track", str(log))
    assert result.returncode == 2 and "no events" in result.stderr


def test_bundle_output_is_chinese_and_shows_each_claim_one_way() -> None:
    """就医费用报销一件事: metrics by their Chinese names, 无法计算 where the data cannot give one, and the
    material claim written 5→3 in the metric line and in its warning alike."""
    out = run_cli("bundle", "就医费用报销一件事").stdout
    assert "None" not in out
    for english in ("time_working_days：", "visits：", "materials：", "steps："):
        assert english not in out
    assert "  材料：声称 5→3，按规则库数据计算为 3" in out
    assert "  跑动次数：声称 2→1，无法计算" in out
    assert "警告：材料" not in out  # 有效身份证件 and 参保人员有效身份证件 are one document (materials.yaml)
    assert "办理时间（工作日）：声称 3→2" in out and "环节：声称 5→3" in out
