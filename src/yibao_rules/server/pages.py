"""The web pages for policy staff, served from ``/``: server-rendered, in Chinese, no JavaScript.

- ``/``: items by category, searchable by name, guide number, id or any part of them;
- ``/items/{id}``: the 办事指南 (:func:`.api.guide_text`) with staff notes, and a what-if
  form generated from the vocabulary (enum and yes/no facts as selects with 「不确定」), which
  shows the decision, its reasons and citations, and the next question;
- ``/items/{id}/notice``: the 一次性告知单 print view (:func:`yibao_rules.render.render_notice`);
- ``/calendar``: a month with 休 and 班 marked, and a deadline calculator;
- ``/check``: upload a rules zip or a rule file and see its located problems.

Pages are laid out by :func:`yibao_rules.render.render_page` (the one renderer, autoescaped).
"""

from __future__ import annotations

import calendar as _month
import datetime as dt
from collections.abc import Mapping
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup
from starlette.datastructures import QueryParams

from yibao_rules.calendar import calendar_for
from yibao_rules.compiled import CompiledItem
from yibao_rules.errors import YibaoError
from yibao_rules.render import STATUS_LABELS, render_notice, render_page
from yibao_rules.schema import BASIS_LABELS
from yibao_rules.server.api import Book, guide_text, parse_month, parse_submitted, today
from yibao_rules.server.upload import check_upload
from yibao_rules.vocabulary import Fact

__all__ = ["item_facts", "router"]

router = APIRouter(include_in_schema=False)

UNKNOWN = ""
"""The value of 「不确定」 in a what-if select: the fact is left out (unknown)."""
_OTHER = "其他事项"


def _page(name: str, book: Book, status: int = 200, **context: Any) -> HTMLResponse:
    return HTMLResponse(render_page(name, version=book.version, **context), status_code=status)


# -- the index --------------------------------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
def index(book: Book, q: Annotated[str, Query(max_length=200)] = "") -> HTMLResponse:
    """Items by category; ``q`` keeps those whose name, id or guide number contains it."""
    needle = q.strip()
    groups: dict[str, list[CompiledItem]] = {}
    # by guide number, so the categories come in the guide's order （一）…（十）; unnumbered items last
    for item in sorted(book.items.values(), key=lambda i: (i.model.number or 10_000, i.model.category or "~", i.id)):
        if needle and not _matches(item, needle):
            continue
        groups.setdefault(item.model.category or _OTHER, []).append(item)
    bundles = [b for b in book.bundles.values() if not needle or needle in b.name or needle in b.id]
    count = sum(len(v) for v in groups.values())
    return _page(
        "index.html", book, groups=groups, bundles=bundles, q=needle, count=count, divisions=book.vocabulary.divisions
    )


def _matches(item: CompiledItem, needle: str) -> bool:
    m = item.model
    number = needle.removeprefix("第").removesuffix("项").strip()
    return (
        needle in m.name
        or needle.lower() in m.id
        or (m.number is not None and number == str(m.number))
        or (m.category is not None and needle in m.category)
    )


# -- one item: guide, what-if, 告知单 ---------------------------------------------------------


def item_facts(book: Book, item: CompiledItem) -> list[Fact]:
    """The facts the item's conditions read, in the vocabulary's order: the what-if form's fields."""
    used: set[str] = set()
    for condition in item.conditions.values():
        used |= condition.facts
    return [fact for key, fact in book.vocabulary.facts.items() if key in used]


def _facts_from(query: QueryParams, facts: list[Fact]) -> dict[str, Any]:
    """The form's answers as flat facts; 「不确定」 (and blanks) are left out, i.e. unknown."""
    out: dict[str, Any] = {}
    for fact in facts:
        values = [v for v in query.getlist(fact.key) if v != UNKNOWN]
        if not values:
            continue
        if fact.kind == "enum_set":
            out[fact.key] = values
        elif fact.kind == "bool":
            out[fact.key] = {"true": True, "false": False}.get(values[0], values[0])
        elif fact.kind == "int" and values[0].lstrip("-").isdigit() and len(values[0]) < 20:
            out[fact.key] = int(values[0])
        else:
            out[fact.key] = values[0]
    return out


def _field(book: Book, fact: Fact, query: QueryParams) -> dict[str, Any]:
    """How the form asks for one fact: a select of its values (plus 不确定), or a text box."""
    chosen = query.getlist(fact.key)
    options: list[tuple[str, str]] = []
    if fact.kind in ("enum", "enum_set"):
        options = [(v, v) for v in fact.values]
    elif fact.kind == "bool":
        options = [("true", "是"), ("false", "否")]
    elif fact.kind == "province":
        options = [(name, name) for name in book.vocabulary.divisions.province_names()]
    widget = "checkboxes" if fact.kind == "enum_set" else "select" if options else "input"
    kind = {"date": "date", "int": "number"}.get(fact.kind, "text")
    return {
        "fact": fact,
        "widget": widget,
        "options": options,
        "chosen": chosen,
        "value": chosen[0] if chosen else "",
        "input_type": kind,
        "party": book.vocabulary.parties.get(fact.party, fact.party),
    }


@router.get("/items/{item_id}", response_class=HTMLResponse)
def item_page(request: Request, book: Book, item_id: str) -> HTMLResponse:
    """The item's 办事指南 and the what-if form; with ``decide`` in the query, the decision too."""
    item = book.item(item_id)
    query = request.query_params
    facts = item_facts(book, item)
    decision, error = None, None
    on_text = query.get("on") or today().isoformat()
    day = today()
    if "decide" in query:
        try:
            day = _date(on_text)
            decision = book.decide(item.id, _facts_from(query, facts), day)
        except YibaoError as exc:
            error = str(exc)
    notice_query = urlencode([(k, v) for k, v in query.multi_items() if k != "decide"])
    return _page(
        "item.html",
        book,
        status=422 if error else 200,
        item=item.model,
        guide=Markup(guide_text(book, item.id, "section", day)),  # made by the same autoescaping renderer
        fields=[_field(book, f, query) for f in facts],
        on=on_text,
        decision=decision,
        failed=[r for r in decision.reasons if r.outcome == "failed"] if decision else [],
        error=error,
        labels=STATUS_LABELS,
        notice_url=f"/items/{item.id}/notice" + (f"?{notice_query}" if notice_query else ""),
        jurisdiction=book.vocabulary.divisions.name(item.model.jurisdiction),
    )


@router.get("/bundles/{bundle_id}", response_class=HTMLResponse)
def bundle_page(book: Book, bundle_id: str) -> HTMLResponse:
    """A bundle's 办事指南 (the shared renderer) with links to its members' pages."""
    bundle = book.bundle(bundle_id)
    return _page(
        "bundle.html",
        book,
        bundle=bundle.model,
        members=[book.items[m.item] for m in bundle.model.members],
        guide=Markup(guide_text(book, bundle.id, "section", today())),  # made by the same autoescaping renderer
        jurisdiction=book.vocabulary.divisions.name(bundle.model.jurisdiction),
    )


@router.get("/items/{item_id}/notice", response_class=HTMLResponse)
def notice_page(request: Request, book: Book, item_id: str) -> HTMLResponse:
    """The 一次性告知单 print view, for the facts of the what-if form."""
    item = book.item(item_id)
    query = request.query_params
    submitted = parse_submitted(query["submitted"], "query.submitted") if query.get("submitted") else None
    on = _date(query["on"]) if query.get("on") else (None if submitted else today())
    facts = _facts_from(query, item_facts(book, item))
    notice = book.notice(item.id, facts, query.get("situation") or None, submitted, on)
    return HTMLResponse(render_notice(notice, "html"))


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise YibaoError(f"不是日期 ({text!r} is not a date written YYYY-MM-DD)") from None


# -- calendar and deadline calculator ----------------------------------------------------------

_MARKS = {"工作日": "", "周末": "", "法定节假日": "休", "调休休息": "休", "调休上班": "班"}


@router.get("/calendar", response_class=HTMLResponse)
def calendar_page(
    book: Book,
    month: Annotated[str, Query(max_length=7)] = "",
    item: Annotated[str, Query(max_length=200)] = "",
    submitted: Annotated[str, Query(max_length=40)] = "",
) -> HTMLResponse:
    """A month with 休 and 班 marked; with ``item`` and ``submitted``, that submission's due dates."""
    first = parse_month(month, "query.month") if month else today().replace(day=1)
    cal = calendar_for(book.root)
    days = [cal.day_info(first.replace(day=d)) for d in range(1, _month.monthrange(first.year, first.month)[1] + 1)]
    weeks: list[list[Any]] = [[None] * first.weekday()]
    for d in days:
        if len(weeks[-1]) == 7:
            weeks.append([])
        weeks[-1].append({"day": d, "mark": _MARKS.get(d.kind, "")})
    weeks[-1] += [None] * (7 - len(weeks[-1]))
    report, error = None, None
    if item and submitted:
        try:
            report = book.deadline(item, parse_submitted(submitted, "query.submitted"))
        except YibaoError as exc:
            error = str(exc)
    return _page(
        "calendar.html",
        book,
        status=422 if error else 200,
        month=first,
        weeks=weeks,
        special=[d for d in days if d.kind in ("法定节假日", "调休休息", "调休上班")],
        items=sorted(book.items.values(), key=lambda i: (i.model.number or 0, i.id)),
        bundles=list(book.bundles.values()),
        item=item,
        submitted=submitted,
        report=report,
        error=error,
        basis_labels=BASIS_LABELS,
        previous=(first - dt.timedelta(days=1)).strftime("%Y-%m"),
        following=(first + dt.timedelta(days=32)).strftime("%Y-%m"),
    )


# -- check my rules ---------------------------------------------------------------------------


@router.get("/check", response_class=HTMLResponse)
def check_page(book: Book) -> HTMLResponse:
    """The upload form."""
    return _page("check.html", book, result=None, filename=None, error=None)


@router.post("/check", response_class=HTMLResponse)
def check_upload_page(
    book: Book,
    file: Annotated[UploadFile, File()],
    path: Annotated[str | None, Form(max_length=300)] = None,
) -> Response:
    """The located problems of the uploaded zip or rule file."""
    name = file.filename or "upload.yaml"
    try:
        result: Mapping[str, Any] | None = check_upload(book, name, file.file.read(), path or None)
        error = None
    except YibaoError as exc:
        result, error = None, str(exc)
    return _page("check.html", book, status=422 if error else 200, result=result, filename=name, error=error)
