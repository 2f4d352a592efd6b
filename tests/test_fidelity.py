"""Fidelity of the embedded rulebook to the three source documents in ../shared/seeds/.

Every item name, 情形 name, material name, citation title and document number must appear
verbatim (ignoring white space) in the source it cites, and the counts must match the sources.
"""

from __future__ import annotations

import os
import re

import pytest

from yibao_rules import Rulebook
from yibao_rules.schema import Item

from .conftest import SEEDS

if not SEEDS.is_dir():  # a checkout without ../shared: only acceptable outside CI
    if os.environ.get("CI"):
        raise RuntimeError(f"CI must provide the source documents at {SEEDS}")
    pytest.skip(f"source documents not found at {SEEDS}", allow_module_level=True)


def normalise(text: str) -> str:
    return re.sub(r"\s+", "", text)


SOURCES = {path.name[:3]: normalise(path.read_text(encoding="utf-8")) for path in SEEDS.glob("*.txt")}


def source_of(book: Rulebook, item: Item) -> str:
    return SOURCES[book.citations[item.source.ref].source]


def test_all_three_sources_are_present() -> None:
    assert set(SOURCES) == {"000", "001", "002"}


# Material names that split one source phrase into separate documents ("A及B身份证件" → "A身份证件",
# "B身份证件"): each maps to the phrase it comes from, which must appear verbatim in the source, and
# the name must be read off that phrase in order (a subsequence of its characters).
SPLIT_NAMES = {
    "委托人身份证件": "委托人及代理人身份证件原件",  # 四（一）2（3）①、3（3）① 委托办理
}


def is_subsequence(name: str, phrase: str) -> bool:
    chars = iter(phrase)
    return all(c in chars for c in name)


def test_split_names_are_read_off_a_source_phrase() -> None:
    for name, phrase in SPLIT_NAMES.items():
        assert normalise(phrase) in SOURCES["002"], phrase
        assert is_subsequence(name, phrase) and name not in phrase, name


def found(kind: str, name: str, text: str) -> bool:
    if normalise(name) in text:
        return True
    return kind == "material" and name in SPLIT_NAMES and normalise(SPLIT_NAMES[name]) in text


def test_every_name_appears_verbatim_in_its_source(rulebook: Rulebook) -> None:
    missing = []
    for item in rulebook.items.values():
        text = source_of(rulebook, item.model)
        names = [("item", item.name)]
        for situation in item.model.situations:
            names.append(("情形", situation.name))
            names += [("material", m.name) for m in situation.materials]
        missing += [f"{item.id}: {kind} {name!r}" for kind, name in names if not found(kind, name, text)]
    assert missing == []


def test_every_enum_value_of_a_guide_fact_is_the_sources_wording(rulebook: Rulebook) -> None:
    """Facts sourced from a guide take their enum values from its wording (plus 其他 = none of the listed,
    and 未参保 = not insured); the 险种 names are the rulebook's own labels, checked elsewhere."""
    own_labels = {"其他", "未参保", "职工医保", "城乡居民医保"}
    wrong = []
    for key, fact in rulebook.vocabulary.facts.items():
        spec = fact.spec
        if not fact.values or spec.source is None:
            continue
        text = SOURCES[rulebook.citations[spec.source.ref].source]
        wrong += [f"{key}: {v}" for v in fact.values if v not in own_labels and normalise(v) not in text]
    assert wrong == []


def test_citations_appear_in_their_source(rulebook: Rulebook) -> None:
    missing = []
    for ref, citation in rulebook.citations.items():
        text = SOURCES[citation.source]
        for part in (citation.title, citation.document_number):
            if part and normalise(part) not in text:
                missing.append(f"{ref}: {part}")
        for clause, wording in citation.clauses.items():
            if normalise(f"{clause}：{wording}") not in text:
                missing.append(f"{ref}: {clause}")
    assert missing == []


def test_guide_002_has_28_items_in_10_categories(rulebook: Rulebook) -> None:
    items = [i.model for i in rulebook.items.values() if i.model.source.ref == "gansu_service_guide"]
    assert sorted(i.number for i in items if i.number) == list(range(1, 29))
    assert len({i.category for i in items}) == 10
    # and the source itself agrees: numbered items and （一）…（十） categories under section 四
    section = SOURCES["002"].split("四、医疗保障经办政务服务事项及办事指南", 1)[1].split("五、", 1)[0]
    assert len(re.findall(r"（(?:一|二|三|四|五|六|七|八|九|十)）", section)) >= 10
    for item in items:
        assert f"{item.number}.{normalise(item.name)}" in section


def test_bundle_000_has_four_members(rulebook: Rulebook) -> None:
    bundle = rulebook.bundle("就医费用报销一件事").model
    assert len(bundle.members) == 4
    listed = (
        "职工医保个人账户家庭共济办理、基本医疗保险参保人员异地就医备案、"
        "五种门诊慢特病费用跨省直接结算、医疗费用报销直接结算"
    )
    assert normalise(listed) in SOURCES["000"]
    assert "、".join(rulebook.items[m.item].name for m in bundle.members) == listed


def test_daye_scheme_001_has_four_materials(rulebook: Rulebook) -> None:
    item = rulebook.item("慢性病规定病种申报一件事").model
    names = {m.name for s in item.situations for m in s.materials}
    assert names == {"参保人身份证或社保卡复印件", "慢性病评审鉴定表", "相关病历资料", "检查报告单"}
    assert item.implements == "chronic_disease_recognition"
    assert [(d.scope, d.count, d.diseases) for d in item.diseases] == [
        ("职工医保", 16, "unspecified"),
        ("居民医保", 35, "unspecified"),
    ]


def test_five_cross_province_diseases_with_six_transplant_subtypes(rulebook: Rulebook) -> None:
    """甘肃省就医费用报销“一件事”办事指南: 五种门诊慢特病, 器官移植抗排异治疗 with six sub-types."""
    (listing,) = rulebook.item("五种门诊慢特病费用跨省直接结算").model.diseases
    assert isinstance(listing.diseases, list) and len(listing.diseases) == 5
    transplant = next(d for d in listing.diseases if d.name == "器官移植抗排异治疗")
    assert len(transplant.subtypes) == 6


def test_every_time_limit_text_is_the_sources_wording(rulebook: Rulebook) -> None:
    wrong = []
    for item in rulebook.items.values():
        text = source_of(rulebook, item.model)
        wrong += [f"{item.id}: {t.text}" for t in item.model.time_limits if normalise(t.text) not in text]
    bundle = rulebook.bundle("就医费用报销一件事").model
    wrong += [t.text for t in bundle.time_limits if normalise(t.text) not in SOURCES["000"]]
    assert wrong == []


def test_family_mutual_aid_relative_sets_follow_the_sources(rulebook: Rulebook) -> None:
    assert rulebook.sets["共济亲属_111号"].values == ["配偶", "父母", "子女"]
    wider = rulebook.sets["共济亲属_246号"].values
    assert normalise("家庭共济账户用于本人及其" + "、".join(wider)) in SOURCES["000"]
    assert rulebook.citations["gansu_2021_111"].effective_date == "unspecified"
    assert str(rulebook.citations["gansu_2023_246"].effective_date) == "2023-01-01"


@pytest.mark.parametrize(
    ("item", "situations"),
    [("门诊费用报销", ["普通门诊", "意外伤害就医", "急诊"]), ("住院费用报销", ["住院", "意外伤害就医", "急诊转住院"])],
)
def test_show_reimbursement_items(item: str, situations: list[str]) -> None:
    import json

    from .conftest import run_cli

    data = json.loads(run_cli("show", item, "--json").stdout)
    assert [s["name"] for s in data["situations"]] == situations
    assert all(s["materials"] for s in data["situations"])
    assert data["situations"][1]["inherits"] == [situations[0]]
