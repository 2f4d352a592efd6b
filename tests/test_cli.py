"""The console script, run as a user runs it (a subprocess, from an unrelated directory)."""

from __future__ import annotations

import json
from pathlib import Path

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
    assert result.stderr.startswith("Error: unknown item '职工医保个人账户家庭共济'")
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
