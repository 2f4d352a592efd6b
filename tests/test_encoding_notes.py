"""Encoding fixes of issue 12, each checked against the source sentence it rests on.

Values the sources do not give are gone (or recorded as notes), conflicts between two places of a
source carry a ``kind: conflict`` note, and notes name documents by title, not by seed file number.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from yibao_rules import Rulebook
from yibao_rules.schema import Note

from .conftest import RULES, SEEDS

if not SEEDS.is_dir():
    pytest.skip(f"source documents not found at {SEEDS}", allow_module_level=True)


def normalise(text: str) -> str:
    return re.sub(r"\s+", "", text)


SOURCES = {path.name[:3]: normalise(path.read_text(encoding="utf-8")) for path in SEEDS.glob("*.txt")}


def source_text(book: Rulebook, ref: str) -> str:
    return SOURCES[book.citations[ref].source]


def item_notes(book: Rulebook, item: str) -> list[Note]:
    """Every note anywhere in an item: item, rules, 情形, materials, time limits."""
    model = book.item(item).model
    notes = list(model.notes)
    notes += [n for r in model.eligibility for n in r.notes]
    notes += [n for s in model.situations for n in s.notes]
    notes += [n for s in model.situations for m in s.materials for n in m.notes]
    notes += [n for t in model.time_limits for n in t.notes]
    return notes


def has_note(notes: list[Note], kind: str, *words: str) -> bool:
    return any(n.kind == kind and all(w in n.text for w in words) for n in notes)


# -- 家庭共济: 受理条件1 applied to the relative ------------------------------------------------------


@pytest.mark.parametrize("rule", ["member_insured_in_gansu", "member_insured"])
def test_relative_condition_from_acceptance_condition_1_is_noted(rulebook: Rulebook, rule: str) -> None:
    """受理条件 1.在甘肃省参保的城镇职工、城乡居民; 111号 第十六条 sets no such condition on the relative."""
    assert normalise("1.在甘肃省参保的城镇职工、城乡居民") in SOURCES["000"]
    (model,) = [r for r in rulebook.item("family_mutual_aid").model.eligibility if r.id == rule]
    assert has_note(list(model.notes), "interpretation", "111号", "第十六条")
    # the sources give no start date for 受理条件1, so the rule is undated
    assert model.effective_from is None and model.effective_to is None


# -- values no source gives ------------------------------------------------------------------------


def test_every_material_form_is_the_sources_wording(rulebook: Rulebook) -> None:
    """e.g. 基本医疗保险定点医疗机构费用结算 had ``form: 电子``, which no source says."""
    wrong = []
    for item in rulebook.items.values():
        text = source_text(rulebook, item.model.source.ref)
        for situation in item.model.situations:
            wrong += [
                f"{item.id}: {m.name}: {m.form}"
                for m in situation.materials
                if m.form and normalise(m.form) not in text
            ]
    assert wrong == []


def test_catalogue_level_only_where_a_source_says_it(rulebook: Rulebook) -> None:
    """基本目录 / 实施清单 appear in none of the sources."""
    for level in ("基本目录", "实施清单"):
        assert all(level not in text for text in SOURCES.values())
    assert [i.id for i in rulebook.items.values() if i.model.catalogue_level] == []


def test_daye_stage_texts_are_the_sources_wording(rulebook: Rulebook) -> None:
    """Each stage text is the source's own words (an elided passage is marked ……)."""
    item = rulebook.item("慢性病规定病种申报一件事").model
    for limit in item.time_limits:
        for stage in limit.stages:
            for piece in filter(None, stage.text.split("……") if stage.text else []):
                assert normalise(piece) in SOURCES["001"], (stage.name, piece)


def test_daye_certificate_places_keep_the_convenience_centre(rulebook: Rulebook) -> None:
    """附件3 9: 就近申报点（乡镇卫生院、便民中心、医保局经办窗口）领取慢性病证."""
    item = rulebook.item("慢性病规定病种申报一件事").model
    (stage,) = [s for t in item.time_limits for s in t.stages if s.name == "领取慢性病证"]
    assert "便民中心" in (stage.text or "")


# -- conflicts between two places of a source -----------------------------------------------------

CONFLICTS = [
    # (item, words the conflict note must contain, the two source passages)
    (
        "产前检查费支付",
        ["参保地定点医疗机构办理", "异地生育"],
        ["异地生育：参保地医疗保障经办机构", "（3）办理渠道：参保地定点医疗机构办理。"],
    ),
    (
        "基本医疗保险参保人员享受门诊慢特病病种待遇认定",
        ["公立"],
        ["②符合要求的二级及以上定点医疗机构。", "①符合要求的二级及以上公立定点医疗机构审核认定"],
    ),
    (
        "慢性病规定病种申报一件事",
        ["原件或复印件加盖医院公章", "病案室公章"],
        ["原件或复印件加盖医院公章", "门诊病历原件、住院病历复印件加盖医疗机构病案室公章"],
    ),
    ("慢性病规定病种申报一件事", ["正反面照片", "复印件"], ["身份证正反面照片", "参保人身份证或社保卡复印件"]),
    ("慢性病规定病种申报一件事", ["便民中心"], ["各乡镇卫生院医保办受理点领取慢性病证", "便民中心"]),
]


@pytest.mark.parametrize(("item", "words", "passages"), CONFLICTS)
def test_item_conflicts_are_recorded(rulebook: Rulebook, item: str, words: list[str], passages: list[str]) -> None:
    text = source_text(rulebook, rulebook.item(item).model.source.ref)
    assert all(normalise(p) in text for p in passages)
    assert has_note(item_notes(rulebook, item), "conflict", *words)


def test_bundle_conflicts_are_recorded(rulebook: Rulebook) -> None:
    """承诺件 vs its members' 即办件; 全程网办（Ⅳ级） vs 需现场提交本人有效证件."""
    for passage in ("办件类型承诺件", "公共服务类（即办件）", "全程网办（Ⅳ级）", "需现场提交本人有效证件办理结算"):
        assert normalise(passage) in SOURCES["000"]
    notes = list(rulebook.bundle("就医费用报销一件事").model.notes)
    assert has_note(notes, "conflict", "承诺件", "即办件")
    assert has_note(notes, "conflict", "全程网办", "现场提交本人有效证件")


def test_issuers_of_nhsa_2021_4_conflict_is_recorded(rulebook: Rulebook) -> None:
    """政策依据 names 国家医保局办公室、财政部办公厅; the 发文机关 field lists 国家医疗保障局办公室 甘肃省医疗保障局."""
    assert normalise("国家医保局办公室、财政部办公厅《关于开展部分门诊慢特病") in SOURCES["000"]
    assert normalise("国家医疗保障局办公室  甘肃省医疗保障局") in SOURCES["000"]
    assert has_note(list(rulebook.citations["nhsa_2021_4"].notes), "conflict", "财政部办公厅", "发文机关")


# -- 大冶 omissions ----------------------------------------------------------------------------------


def test_daye_query_review_and_duties(rulebook: Rulebook) -> None:
    item = rulebook.item("慢性病规定病种申报一件事").model
    assert "申请人可在“大冶市医疗保障局服务号”个人中心查询评审结果" in item.query_methods
    assert normalise("申请人可在“大冶市医疗保障局服务号”个人中心查询评审结果") in SOURCES["001"]
    # 附件3 7: 复核无误后 … 进行公示
    assert item.process.index("专家评审") < item.process.index("复核") < item.process.index("结果公示")
    assert has_note(item_notes(rulebook, "慢性病规定病种申报一件事"), "fact", "职责分工", "市卫生健康局", "市医保局")


# -- 职工参保登记: one document per material --------------------------------------------------------


def test_hmt_identity_and_labour_relation_are_two_materials(rulebook: Rulebook) -> None:
    """四（一）2（5）③ 港澳台人员：港澳居民来往内地通行证或港澳台居民居住证、建立劳动关系的证明."""
    item = rulebook.item("职工参保登记").model
    (hmt,) = [s for s in item.situations if s.name == "港澳台人员"]
    assert [m.name for m in hmt.materials] == ["港澳居民来往内地通行证或港澳台居民居住证", "建立劳动关系的证明"]


# -- 23 / 24: 联网实时推送救助对象身份信息 ---------------------------------------------------------------


def test_data_sharing_only_where_noted(rulebook: Rulebook) -> None:
    subsidy = rulebook.item("符合资助条件的救助对象参加城乡居民基本医疗保险个人缴费补贴").model
    (proof,) = [m for s in subsidy.situations for m in s.materials if m.name == "救助对象身份证明"]
    assert [s.kind for s in proof.substitutes] == ["数据共享"]
    assert has_note(list(proof.notes), "interpretation", "联网实时推送救助对象身份信息")

    manual = rulebook.item("医疗救助对象手工（零星）报销").model
    shared = [
        m.name for s in manual.situations for m in s.materials if any(x.kind == "数据共享" for x in m.substitutes)
    ]
    assert shared == []
    assert has_note(list(manual.notes), "interpretation", "联网实时推送救助对象身份信息")


# -- notes name documents by title ---------------------------------------------------------------------


def test_no_note_speaks_of_seed_file_numbers() -> None:
    """ "000" / "001" / "002" mean nothing to a reader; only citations.yaml's ``source:`` field uses them."""
    offenders = []
    for path in sorted(Path(RULES).rglob("*.yaml")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.lstrip().startswith(("source:", "#")):
                continue
            if re.search(r"(?<![\d-])00[012](?!\d)", line):
                offenders.append(f"{path.name}:{n}: {line.strip()}")
    assert offenders == []
