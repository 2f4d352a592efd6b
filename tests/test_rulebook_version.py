"""rulebook_version: every answer can be traced to the rules that produced it (issue 16.2)."""

from __future__ import annotations

import shutil
from pathlib import Path

from yibao_rules import load_rulebook
from yibao_rules.render import render_notice
from yibao_rules.resources import PACKAGE_VERSION, default_rules_path


def test_same_rules_same_version_and_an_edit_changes_it(tmp_path: Path) -> None:
    copy = tmp_path / "rules"
    shutil.copytree(default_rules_path(), copy)
    original = load_rulebook()
    assert load_rulebook(copy).version == original.version
    assert original.version.startswith(PACKAGE_VERSION + "+rules.")
    item = copy / "items" / "family_mutual_aid.yaml"
    item.write_text(item.read_text(encoding="utf-8") + "\n# 一处注释也算修改\n", encoding="utf-8")
    assert load_rulebook(copy).version != original.version


def test_decision_and_notice_carry_the_version() -> None:
    book = load_rulebook()
    decision = book.decide("family_mutual_aid", {})
    assert decision.rulebook_version == book.version
    assert decision.to_json()["rulebook_version"] == book.version
    notice = book.notice("family_mutual_aid", {})
    assert notice.to_json()["rulebook_version"] == book.version
    for fmt in ("text", "markdown", "html"):
        assert book.version in render_notice(notice, fmt)
