"""At the service window (一次告知): what can this person apply for, and what must they bring?

Run: python examples/window_clerk.py [OUT_DIR]   (writes the 一次性告知单 as HTML into OUT_DIR)

Policy from 《甘肃省医疗保障经办政务服务办事指南（试行）》 四（二）9: 参保人员个人账户一次性支取,
for the heir of an insured person who has died (因死亡退保).
"""

import datetime as dt
import sys
from pathlib import Path

import yibao_rules
from yibao_rules.render import render_notice

book = yibao_rules.load_rulebook()
on = dt.date(2026, 6, 1)

# 1. Screening: every item at once, with the one question that settles the most items.
first = book.screen({}, on=on)
print(f"no facts: {len(first.eligible)} eligible, {len(first.undetermined)} undetermined")
print(f"ask first ({first.settles} items settled by it): {first.next_question.question}")

# 2. The clerk learns why the person came: a withdrawal after the insured person's death.
facts = {"applicant": {"withdrawal_category": "因死亡退保", "insurance_type": "职工医保"}}
decision = book.decide("参保人员个人账户一次性支取", facts, on=on)
print(f"个人账户一次性支取: {decision.status}")

# 3. The checklist follows the 情形 the facts select: no --situation needed.
checklist = book.checklist("参保人员个人账户一次性支取", facts, on=on)
print(f"情形: {checklist.situation}")
for m in checklist.materials:
    subs = "、".join(s["kind"] for s in m.substitutes)
    print(f"  - {m.name}" + (f"（可替代：{subs}）" if subs else ""))

# 4. The 一次性告知单 to hand over, with the due date on the working-day calendar.
notice = book.notice("参保人员个人账户一次性支取", facts, submitted=dt.datetime(2026, 6, 1, 9, 30))
print(f"due: {notice.deadline.due('stated')}")
if len(sys.argv) > 1:
    out = Path(sys.argv[1]) / "告知单.html"
    out.write_text(render_notice(notice, "html"), encoding="utf-8")
    print(f"written: {out}")
