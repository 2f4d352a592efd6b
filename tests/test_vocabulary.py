"""Facts input is checked against rules/facts.yaml: canonical values or a clear FactsError."""

from __future__ import annotations

import datetime as dt

import pytest

from yibao_rules import FactsError, Rulebook


def test_provinces_accept_name_short_name_and_code(rulebook: Rulebook) -> None:
    vocab = rulebook.vocabulary
    for given in ("甘肃省", "甘肃", "620000", 620000):
        assert vocab.normalise({"applicant": {"insured_province": given}}) == {"applicant.insured_province": "620000"}


def test_nested_and_flat_input_agree(rulebook: Rulebook) -> None:
    vocab = rulebook.vocabulary
    nested = vocab.normalise({"family_member": {"relationship": "兄弟姐妹", "insured_province": "甘肃省"}})
    flat = vocab.normalise({"family_member.relationship": "兄弟姐妹", "family_member.insured_province": "620000"})
    assert nested == flat


def test_null_means_unknown(rulebook: Rulebook) -> None:
    assert rulebook.vocabulary.normalise({"applicant": {"insurance_type": None}}) == {}


@pytest.mark.parametrize(
    ("facts", "keyword"),
    [
        ({"applicant": {"insured_provnce": "甘肃省"}}, "did you mean 'applicant.insured_province'?"),
        ({"applicantt": {}}, "did you mean 'applicant'?"),
        ({"family_member": {"relationship": "兄妹"}}, "allowed: 配偶、父母"),
        ({"family_member": {"relationship": "兄弟姐姝"}}, "did you mean '兄弟姐妹'?"),
        ({"applicant": {"insured_province": "大冶市"}}, "not a province"),
        ({"applicant": {"insured_province": "甘素省"}}, "did you mean '甘肃省'?"),
        ({"applicant": {"cross_region_filed": "yes"}}, "expects true or false"),
        ({"applicant": "甘肃省"}, "must be an object"),
        (["applicant"], "must be an object"),
    ],
)
def test_bad_facts_name_key_value_and_alternatives(rulebook: Rulebook, facts: object, keyword: str) -> None:
    with pytest.raises(FactsError) as info:
        rulebook.vocabulary.normalise(facts)  # type: ignore[arg-type]
    assert keyword in str(info.value)


def test_date_facts(rulebook: Rulebook) -> None:
    from yibao_rules.schema import FactSpec
    from yibao_rules.vocabulary import Fact

    spec = FactSpec(type="date", label="出生日期", question="?", minimum=dt.date(1900, 1, 1))
    fact = Fact("applicant.birth_date", "date", "出生日期", "?", (), spec)
    vocab = rulebook.vocabulary
    assert vocab.normalise_value(fact, "1960-05-01") == dt.date(1960, 5, 1)
    with pytest.raises(FactsError, match="outside the allowed range"):
        vocab.normalise_value(fact, "1800-01-01")
    with pytest.raises(FactsError, match="YYYY-MM-DD"):
        vocab.normalise_value(fact, "1960/05/01")
