"""serialise.py is the one JSON contract: the CLI prints it, the API sends it, and the API's
response models (extra keys forbidden) accept every answer it writes, for every item.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from pydantic import BaseModel

from yibao_rules import load_rulebook, serialise
from yibao_rules.calendar import calendar_for
from yibao_rules.server import models

from .conftest import run_cli

BOOK = load_rulebook()
ON = dt.date(2024, 1, 1)
SIBLING = {
    "applicant": {"insured_province": "甘肃省", "insurance_type": "职工医保"},
    "family_member": {"relationship": "兄弟姐妹", "insured_province": "甘肃省", "insurance_type": "城乡居民医保"},
}


def _valid(model: type[BaseModel], data: Any) -> None:
    """``data`` (as a client receives it) fits ``model`` exactly."""
    model.model_validate_json(serialise.to_bytes(data))


@pytest.mark.parametrize("item", sorted(BOOK.items), ids=str)
def test_every_items_answers_fit_the_response_models(item: str) -> None:
    for facts in ({}, SIBLING):
        decision = BOOK.decide(item, facts, ON)
        _valid(models.DecisionOut, serialise.decision_json(decision))
        _valid(models.ChecklistOut, serialise.checklist_json(BOOK.checklist(item, facts, None, ON), BOOK.version))
        _valid(models.NoticeOut, serialise.notice_json(BOOK.notice(item, facts, None, dt.datetime(2026, 9, 28, 10))))
    report = BOOK.deadline(item, dt.datetime(2026, 9, 28, 10), pauses=[(dt.date(2026, 10, 9), dt.date(2026, 10, 12))])
    _valid(models.DeadlineOut, serialise.deadline_json(report, BOOK.version))
    _valid(models.EntryOut, {**serialise.entry_json(BOOK.item(item)), "rulebook_version": BOOK.version})


def test_screening_bundles_listings_and_calendar_fit_the_response_models() -> None:
    for facts in ({}, SIBLING):
        _valid(models.ScreeningOut, serialise.screening_json(BOOK.screen(facts, ON), BOOK.version))
        for bundle in BOOK.bundles:
            _valid(models.BundleOut, serialise.bundle_json(BOOK.bundle_report(bundle, facts, ON), BOOK.version))
    rows = [serialise.item_summary(BOOK, i) for i in BOOK.items.values()]
    _valid(models.ItemListOut, {"items": rows, "rulebook_version": BOOK.version})
    bundles = [serialise.bundle_summary(BOOK, b) for b in BOOK.bundles.values()]
    _valid(models.BundleListOut, {"bundles": bundles, "rulebook_version": BOOK.version})
    cal = calendar_for(BOOK.root)
    days = [cal.day_info(dt.date(2026, 10, d)) for d in range(1, 32)]
    _valid(models.CalendarOut, {"month": "2026-10", "days": serialise.calendar_json(days), "rulebook_version": "x"})
    _valid(models.CheckOut, serialise.check_json([], BOOK, BOOK.version))


def test_a_drifted_shape_is_caught() -> None:
    drifted = {**serialise.decision_json(BOOK.decide("family_mutual_aid", SIBLING, ON)), "verdict": "yes"}
    with pytest.raises(ValueError, match="verdict"):
        _valid(models.DecisionOut, drifted)


def test_the_cli_prints_exactly_what_serialise_writes() -> None:
    out = run_cli("evaluate", "family_mutual_aid", "--facts", "-", "--on", ON.isoformat(), "--json",
                  stdin=json.dumps(SIBLING))  # fmt: skip
    assert out.stdout == serialise.dumps(serialise.decision_json(BOOK.decide("family_mutual_aid", SIBLING, ON))) + "\n"
    checklist = run_cli("checklist", "门诊费用报销", "--situation", "意外伤害就医", "--on", ON.isoformat(), "--json")
    expected = serialise.checklist_json(BOOK.checklist("门诊费用报销", None, "意外伤害就医", ON), BOOK.version)
    assert json.loads(checklist.stdout) == expected and expected["rulebook_version"] == BOOK.version


def test_answers_without_a_version_of_their_own_get_the_rulebooks() -> None:
    """Decision and Notice carry rulebook_version themselves; the others get it from serialise."""
    for data in (
        serialise.checklist_json(BOOK.checklist("family_mutual_aid", SIBLING, None, ON), BOOK.version),
        serialise.screening_json(BOOK.screen(SIBLING, ON), BOOK.version),
        serialise.bundle_json(BOOK.bundle_report("就医费用报销一件事", SIBLING, ON), BOOK.version),
        serialise.deadline_json(BOOK.deadline("门诊费用报销", dt.datetime(2026, 9, 28, 10)), BOOK.version),
        serialise.decision_json(BOOK.decide("family_mutual_aid", SIBLING, ON)),
        serialise.notice_json(BOOK.notice("family_mutual_aid", SIBLING)),
    ):
        assert data["rulebook_version"] == BOOK.version
