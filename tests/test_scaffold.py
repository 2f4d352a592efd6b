"""`yibao-rules new item|calendar`: starting points that `check` accepts (a calendar once dated)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from yibao_rules import load_rulebook
from yibao_rules.schema import Item

from .conftest import run_cli


def test_a_new_item_passes_check_unchanged_and_has_every_field(rules_copy: Path) -> None:
    made = run_cli("new", "item", "test_new_item", "--name", "测试新事项", "--rules", str(rules_copy))
    assert made.returncode == 0, made.stderr
    path = rules_copy / "items" / "test_new_item.yaml"
    assert made.stdout.strip() == str(path)
    checked = run_cli("check", str(rules_copy))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert set(data) == set(Item.model_fields), "every field of an item is present"
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=../schemas/item.schema.json")
    assert "# 受理单位" in text and "# 办理时限" in text
    item = load_rulebook(rules_copy).item("测试新事项").model
    assert item.situations == [] and [n.kind for n in item.notes] == ["gap"]


def test_new_item_refuses_a_bad_id_an_existing_item_or_an_unknown_source(rules_copy: Path) -> None:
    bad = run_cli("new", "item", "Bad-Id", "--name", "甲", "--rules", str(rules_copy))
    assert bad.returncode == 2 and "snake_case" in bad.stderr
    exists = run_cli("new", "item", "family_mutual_aid", "--name", "甲", "--rules", str(rules_copy))
    assert exists.returncode == 2 and "exists" in exists.stderr
    source = run_cli("new", "item", "x_item", "--name", "乙", "--source", "nope", "--rules", str(rules_copy))
    assert source.returncode == 2 and "unknown citation" in source.stderr


def test_a_new_calendar_passes_check_once_its_dates_are_filled_in(rules_copy: Path) -> None:
    made = run_cli("new", "calendar", "2027", "--rules", str(rules_copy))
    assert made.returncode == 0, made.stderr
    path = rules_copy / "calendar" / "2027.yaml"
    assert run_cli("check", str(rules_copy)).returncode == 1  # the MM-DD placeholders are not dates
    # Fill in the statutory days fixed by law (元旦 1 January, 国庆节 1–3 October); drop the rest.
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if "MM-DD, name: 元旦" in line:
            lines.append(line.replace("MM-DD", "01-01"))
        elif "MM-DD, name: 国庆节" in line:
            lines += [line.replace("MM-DD", f"10-0{d}") for d in (1, 2, 3)]
        elif not re.search(r"^\s+- \{date: 2027-MM-DD", line):
            lines.append(line)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    checked = run_cli("check", str(rules_copy))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert run_cli("new", "calendar", "2027", "--rules", str(rules_copy)).returncode == 2  # never overwrites


def test_new_item_refuses_a_jurisdiction_the_rulebook_does_not_know(rules_copy: Path) -> None:
    """The skeleton must pass check as written; an unknown 辖区 would not, so it is refused up front."""
    rules = rules_copy
    bad = run_cli("new", "item", "zz_new", "--name", "测试事项", "--jurisdiction", "999999", "--rules", str(rules))
    assert bad.returncode == 2 and "999999" in bad.stderr and not (rules / "items" / "zz_new.yaml").exists()
    good = run_cli("new", "item", "zz_new", "--name", "测试事项", "--jurisdiction", "420281", "--rules", str(rules))
    assert good.returncode == 0 and run_cli("check", str(rules)).returncode == 0
