"""A tour of the Python API on the embedded rulebook. Run: python examples/quickstart.py"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import yibao_rules

FACTS = Path(__file__).parent / "facts"

book = yibao_rules.load_rulebook()

# 1. Eligibility as of a date: the relative set changed on 2023-01-01 (111号 → 246号).
sibling = json.loads((FACTS / "sibling_in_gansu.json").read_text(encoding="utf-8"))
for on in (dt.date(2022, 7, 1), dt.date(2023, 7, 1)):
    decision = book.decide("职工医保个人账户家庭共济办理", sibling, on=on)
    failed = [f"{r.rule} ({r.citation})" for r in decision.reasons if r.outcome == "failed"]
    print(f"{on} 兄弟姐妹: {decision.status}", *failed)

# 2. Missing facts: what to ask next, in Chinese.
partial = json.loads((FACTS / "spouse_unknown_province.json").read_text(encoding="utf-8"))
decision = book.decide("family_mutual_aid", partial, on=dt.date(2024, 1, 1))
print(decision.status, "→", decision.next_questions[0].question)

# 3. The materials for one 情形, with inherited materials expanded.
for material in book.checklist("门诊费用报销", situation="意外伤害就医").materials:
    substitutes = "、".join(s["kind"] for s in material.substitutes)
    print(" -", material.name, f"(可替代: {substitutes})" if substitutes else "")

# 4. A deadline on the working-day calendar.
report = book.deadline("慢性病规定病种申报一件事", dt.datetime(2026, 4, 30, 17, 30))
print("received", report.receipt.received, "review due", report.due("stated"))

# 5. Bad input is a clear error, never a traceback.
try:
    book.decide("family_mutual_aid", {"family_member": {"relationship": "兄妹"}})
except yibao_rules.FactsError as error:
    print("FactsError:", error)
