"""`yibao-rules facts`: the fact vocabulary as a reference, and the README table made from it."""

from __future__ import annotations

import json

from yibao_rules import load_rulebook
from yibao_rules.fact_reference import fact_reference, markdown_table

from .conftest import REPO, run_cli

BOOK = load_rulebook()


def test_every_fact_is_listed_with_its_users() -> None:
    entries = {e.key: e for e in fact_reference(BOOK)}
    assert set(entries) == set(BOOK.vocabulary.facts)
    relationship = entries["family_member.relationship"]
    assert relationship.type == "enum" and "兄弟姐妹" in relationship.values
    assert relationship.items == ("职工医保个人账户家庭共济办理",)
    assert relationship.source is not None and "就医费用报销" in relationship.source
    # 门诊费用报销 reads applicant.accidental_injury in its 情形 (意外伤害就医), not in a rule
    assert "门诊费用报销" in entries["applicant.accidental_injury"].items


def test_cli_facts_text_and_json() -> None:
    text = run_cli("facts")
    assert text.returncode == 0, text.stderr
    assert (
        "family_member.relationship  [单选]" in text.stdout
        and "使用的事项：职工医保个人账户家庭共济办理" in text.stdout
    )
    data = json.loads(run_cli("facts", "--json").stdout)
    assert {"key", "type", "label", "question", "values", "source", "items"} == set(data[0])
    assert len(data) == len(BOOK.vocabulary.facts)


def test_the_readme_table_is_generated_from_the_same_data() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    table = readme.split("<!-- facts:start -->\n", 1)[1].split("<!-- facts:end -->", 1)[0]
    assert table == markdown_table(fact_reference(BOOK)), "regenerate the README's fact table (see the README)"
