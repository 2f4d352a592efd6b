"""The examples in examples/ run and say what the sources say."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from .conftest import run_cli

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def test_quickstart_runs() -> None:
    result = subprocess.run([sys.executable, str(EXAMPLES / "quickstart.py")], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("2022-07-01 兄弟姐妹: ineligible relative_in_scope_111")
    assert lines[1] == "2023-07-01 兄弟姐妹: eligible"
    assert "received 2026-05-06 review due 2026-05-19" in result.stdout
    assert "FactsError: fact 'family_member.relationship'" in result.stdout


def test_every_sample_fact_file_is_valid_input() -> None:
    statuses = {}
    for facts in sorted((EXAMPLES / "facts").glob("*.json")):
        result = run_cli("evaluate", "family_mutual_aid", "--facts", str(facts), "--on", "2024-01-01", "--json")
        assert result.returncode == 0, result.stderr
        statuses[facts.stem] = json.loads(result.stdout)["status"]
    assert statuses == {
        "member_in_sichuan": "ineligible",  # 家庭共济 is only possible inside 甘肃省
        "sibling_in_gansu": "eligible",
        "spouse_unknown_province": "undetermined",
    }


def test_window_clerk_example_follows_item_9(tmp_path: Path) -> None:
    """《甘肃省医疗保障经办政务服务办事指南（试行）》 四（二）9: 因死亡退保 — 继承人身份证、死亡证明
    (或通过数据共享查询死亡信息；无法查询时：个人承诺书); 办理时限 15个工作日 (端午 2026-06-19 skipped)."""
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / "window_clerk.py"), str(tmp_path)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "个人账户一次性支取: eligible" in out and "情形: 因死亡退保的参保人员" in out
    assert "  - 继承人身份证" in out and "  - 死亡证明（可替代：数据共享、个人承诺书）" in out
    assert "due: 2026-06-23" in out
    assert "继承人身份证" in (tmp_path / "告知单.html").read_text(encoding="utf-8")
