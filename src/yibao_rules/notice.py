"""The 一次性告知单: everything a window clerk hands an applicant for one item, on one page.

:func:`notice` gathers it from the rules and the engine, and says nothing the rules do not
say: the decision (or what is still to be asked), the materials of the applicant's 情形
with their counts, forms, requirements and substitutes, channels and places, office hours,
process steps, the time limit (and the due date on the working-day calendar when the
submission time is given), query methods, phones and every citation.
:func:`yibao_rules.render.render_notice` lays it out as text, Markdown or HTML.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from yibao_rules.compiled import CompiledRulebook
from yibao_rules.deadlines import item_deadlines
from yibao_rules.engine import checklist_compiled, decide_compiled, decision_date
from yibao_rules.results import Notice, NoticeContact
from yibao_rules.schema import BASIS_LABELS, CitationRef

__all__ = ["notice"]


def notice(
    book: CompiledRulebook,
    item: str,
    facts: Mapping[str, Any] | None = None,
    situation: str | None = None,
    submitted: dt.datetime | dt.date | None = None,
    on: dt.date | None = None,
) -> Notice:
    """The 一次性告知单 of ``item`` for an applicant (facts may be partial or absent).

    ``on`` is the decision date (default: the submission day, else today).
    """
    compiled = book.item(item)
    model = compiled.model
    if on is None and submitted is not None:
        on = submitted.date() if isinstance(submitted, dt.datetime) else submitted
    day = decision_date(on)
    flat = book.vocabulary.normalise(facts or {})
    decision = decide_compiled(book, compiled, flat, day)
    materials = checklist_compiled(book, compiled, flat, situation, day)
    deadline = item_deadlines(book, model.id, submitted, situation=situation) if submitted is not None else None
    jurisdiction = book.jurisdictions.get(model.jurisdiction)
    hours = jurisdiction.office_hours if jurisdiction else None

    refs: list[CitationRef] = [model.source, *model.citations]
    refs += [step.rule.citation for step in compiled.rules_in_force(day)]
    refs += [limit.citation for limit in model.time_limits]
    citations = tuple(dict.fromkeys(book.cite(r) for r in refs))

    contacts = [NoticeContact(c.kind, tuple(c.phones), model.name) for c in model.contacts]
    for bundle in book.bundles.values():
        if any(m.item == model.id for m in bundle.model.members):
            contacts += [NoticeContact(c.kind, tuple(c.phones), bundle.name) for c in bundle.model.contacts]

    return Notice(
        item=model.name,
        item_id=model.id,
        number=model.number,
        category=model.category,
        jurisdiction=jurisdiction.name if jurisdiction else model.jurisdiction,
        on=day,
        decision=decision,
        checklist=materials,
        accepting_units=tuple(model.accepting_units),
        decision_body=model.decision_body,
        channels=tuple((c.kind, c.description) for c in model.channels),
        locations=tuple(model.locations),
        office_hours=hours.text if hours else None,
        process=tuple(model.process),
        time_limits=tuple((BASIS_LABELS[t.basis], t.text, t.situation) for t in model.time_limits),
        deadline=deadline,
        query_methods=tuple(model.query_methods),
        result_delivery=tuple(model.result_delivery),
        fees=model.fees,
        contacts=tuple(contacts),
        citations=citations,
    )
