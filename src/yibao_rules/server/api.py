"""``/api/v1``: the library's questions over HTTP, answered in the JSON of the README's contract.

Each endpoint parses its body (pydantic, :mod:`.models`), calls the :class:`Rulebook`
injected with ``Depends``, and returns what :mod:`yibao_rules.serialise` writes: the same
JSON as the matching CLI command with ``--json``. Errors are raised as the library's
:class:`YibaoError` and answered by the one handler in :mod:`.app`.
"""

from __future__ import annotations

import calendar as _month
import datetime as dt
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, Depends, File, Form, Header, Path, Query, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import BaseModel, ValidationError

from yibao_rules import serialise
from yibao_rules.calendar import MomentError, beijing_today, calendar_for, parse_submission
from yibao_rules.errors import YibaoError
from yibao_rules.render import render_guide, render_guide_section, render_notice
from yibao_rules.rulebook import Rulebook
from yibao_rules.server import models, rows
from yibao_rules.server.upload import check_upload

__all__ = [
    "BadRequest",
    "GuideFormat",
    "TooLarge",
    "guide_text",
    "json_response",
    "parse_submitted",
    "router",
    "today",
]

M = TypeVar("M", bound=BaseModel)
"""China keeps one offset all year (no daylight saving), so a fixed zone is exact."""


class BadRequest(YibaoError):
    """A request value the library never saw: ``location`` says which (``body.submitted``, …)."""

    def __init__(self, message: str, location: str | None = None) -> None:
        super().__init__(message)
        self.location = location


class TooLarge(BadRequest):
    """Over a bound of the service (rows in a batch, bytes in a body): answered 413."""


def today() -> dt.date:
    """Today in Asia/Shanghai, the default ``on`` of every request."""
    return beijing_today()


async def get_book(request: Request) -> Rulebook:
    """The rulebook this app serves (set by :func:`yibao_rules.server.create_app`).

    ``async`` so that FastAPI resolves it on the event loop, not by a hop to a worker thread.
    """
    book: Rulebook = request.app.state.book
    return book


Book = Annotated[Rulebook, Depends(get_book)]


def json_response(data: Any, status_code: int = 200) -> Response:
    """Serialised bytes as they are: :mod:`.models` documents the shapes, :mod:`yibao_rules.serialise` writes them."""
    return Response(serialise.to_bytes(data), status_code=status_code, media_type="application/json")


def parse_submitted(value: str, location: str = "body.submitted") -> dt.datetime | dt.date:
    """``YYYY-MM-DDTHH:MM`` (a moment) or ``YYYY-MM-DD`` (a day), read as the CLI reads ``--submitted``."""
    try:
        return parse_submission(value)
    except MomentError as exc:
        raise BadRequest(str(exc), location) from None


_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": models.ErrorOut, "description": "Malformed request (not JSON, not a form)."},
    404: {"model": models.ErrorOut, "description": "Unknown item or bundle."},
    413: {"model": models.ErrorOut, "description": "Body over 1 MiB, or a batch over 10,000 rows."},
    422: {"model": models.ErrorOut, "description": "Bad facts, dates or values: the CLI's message."},
}

router = APIRouter(prefix="/api/v1", responses=_ERRORS)


# -- the hot path ---------------------------------------------------------------------------


async def read_body(request: Request, model: type[M]) -> M:
    """The JSON body as ``model``, validated by pydantic-core in one pass from the bytes.

    For the hot path only: it skips FastAPI's generic body solving (a third of a request's
    time), so the route declares its body for the OpenAPI document with :func:`body_schema`.
    """
    try:
        return model.model_validate_json(await request.body())
    except ValidationError as exc:
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]) from None


def body_schema(model: type[BaseModel]) -> dict[str, Any]:
    """``openapi_extra`` declaring ``model`` as the JSON body of a route that reads it with :func:`read_body`."""
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": model.model_json_schema()}}}}


@router.post(
    "/decide", response_model=models.DecisionOut, openapi_extra=body_schema(models.DecideRequest), tags=["decisions"]
)
async def decide(request: Request) -> Response:
    """Eligibility for one item (``yibao-rules evaluate ITEM --json``).

    First among the routes (they are matched in order), and with no dependencies to solve:
    it is the endpoint other systems call most.
    """
    body = await read_body(request, models.DecideRequest)
    book: Rulebook = request.app.state.book
    return json_response(serialise.decision_json(book.decide(body.item, body.facts, body.on or today())))


# -- items and bundles ------------------------------------------------------------------------


@router.get("/items", response_model=models.ItemListOut, tags=["items"])
def list_items(book: Book) -> Response:
    """Every item, as ``yibao-rules items --json`` lists them."""
    rows = [serialise.item_summary(book, i) for i in sorted(book.items.values(), key=serialise.item_order)]
    return json_response({"items": rows, "rulebook_version": book.version})


@router.get("/items/{id_or_name}", response_model=models.EntryOut, tags=["items"])
def show_item(book: Book, id_or_name: Annotated[str, Path(max_length=200)]) -> Response:
    """One item, every field of its rule file (``yibao-rules show ITEM --json``)."""
    return json_response({**serialise.entry_json(book.item(id_or_name)), "rulebook_version": book.version})


@router.get("/bundles", response_model=models.BundleListOut, tags=["items"])
def list_bundles(book: Book) -> Response:
    """Every bundle (一件事 / 一事联办), as ``yibao-rules items --bundles --json`` lists them."""
    rows = [serialise.bundle_summary(book, b) for b in book.bundles.values()]
    return json_response({"bundles": rows, "rulebook_version": book.version})


@router.get("/bundles/{id_or_name}", response_model=models.EntryOut, tags=["items"])
def show_bundle(book: Book, id_or_name: Annotated[str, Path(max_length=200)]) -> Response:
    """One bundle, every field of its rule file (``yibao-rules show BUNDLE --json``)."""
    return json_response({**serialise.entry_json(book.bundle(id_or_name)), "rulebook_version": book.version})


# -- decisions ------------------------------------------------------------------------------


@router.post("/checklist", response_model=models.ChecklistOut, tags=["decisions"])
async def checklist(body: models.ChecklistRequest, book: Book) -> Response:
    """The materials of the applicant's 情形 (``yibao-rules checklist ITEM --json``)."""
    result = book.checklist(body.item, body.facts, body.situation, body.on or today())
    return json_response(serialise.checklist_json(result, book.version))


@router.post("/screen", response_model=models.ScreeningOut, tags=["decisions"])
def screen(body: models.ScreenRequest, book: Book) -> Response:
    """Every item and bundle for one applicant (``yibao-rules screen --json``)."""
    return json_response(serialise.screening_json(book.screen(body.facts, body.on or today()), book.version))


@router.post("/deadline", response_model=models.DeadlineOut, tags=["decisions"])
def deadline(body: models.DeadlineRequest, book: Book) -> Response:
    """Receipt day and due dates of a submission (``yibao-rules deadline ITEM --submitted … --json``)."""
    pauses = [(p.requested, p.arrived) for p in body.pauses]
    report = book.deadline(body.item, parse_submitted(body.submitted), situation=body.situation, pauses=pauses)
    return json_response(serialise.deadline_json(report, book.version))


@router.post("/bundle", response_model=models.BundleOut, tags=["decisions"])
async def bundle(body: models.BundleRequest, book: Book) -> Response:
    """A bundle's members, merged materials and metrics (``yibao-rules bundle NAME --json``)."""
    report = book.bundle_report(body.bundle, body.facts, body.on or today())
    return json_response(serialise.bundle_json(report, book.version))


# -- documents ------------------------------------------------------------------------------

_DOCUMENT_TYPES = {"html": "text/html", "markdown": "text/markdown", "text": "text/plain", "json": "application/json"}


def _wanted(fmt: str | None, accept: str | None, allowed: tuple[str, ...]) -> str:
    """The format asked for: the ``format`` field, else the first match of ``Accept``, else html."""
    if fmt is not None:
        return fmt
    for part in (accept or "").split(","):
        media = part.split(";")[0].strip().lower()
        for name in allowed:
            if media == _DOCUMENT_TYPES[name]:
                return name
    return "html"


def _document(text: str, fmt: str) -> Response:
    return Response(text.encode("utf-8"), media_type=f"{_DOCUMENT_TYPES[fmt]}; charset=utf-8")


_NOTICE_CONTENT = {
    "text/html": {"schema": {"type": "string"}},
    "text/markdown": {"schema": {"type": "string"}},
    "text/plain": {"schema": {"type": "string"}},
}


@router.post(
    "/notice",
    response_model=models.NoticeOut,
    responses={200: {"description": "The 一次性告知单 (JSON with format json).", "content": _NOTICE_CONTENT}},
    tags=["documents"],
)
def notice(
    body: models.NoticeRequest, book: Book, accept: Annotated[str | None, Header(include_in_schema=False)] = None
) -> Response:
    """The 一次性告知单 (``yibao-rules notice ITEM --format …``; ``format: json`` is ``notice --json``)."""
    fmt = _wanted(body.format, accept, ("html", "markdown", "text", "json"))
    when = parse_submitted(body.submitted) if body.submitted is not None else None
    result = book.notice(body.item, body.facts, body.situation, when, body.on or (None if when else today()))
    if fmt == "json":
        return json_response(serialise.notice_json(result))
    return _document(render_notice(result, fmt), fmt)


GuideFormat = Literal["html", "markdown", "section"]


def guide_text(book: Rulebook, id_or_name: str, fmt: GuideFormat, on: dt.date) -> str:
    """The 办事指南 of an item or bundle from the shared guide renderer, with the staff annotations.

    ``html`` is a page (``GET /api/v1/guide``), ``markdown`` a document, ``section`` the HTML
    without its page, placed in ``/items/{id}``. The API and the pages call this and nothing else.
    """
    guide = book.guide(id_or_name, on)
    return render_guide_section(guide) if fmt == "section" else render_guide(guide, fmt)


@router.get(
    "/guide/{id_or_name}",
    response_class=Response,
    responses={
        200: {
            "description": "The item's or bundle's 办事指南.",
            "content": {"text/html": {"schema": {"type": "string"}}, "text/markdown": {"schema": {"type": "string"}}},
        }
    },
    tags=["documents"],
)
def guide(
    book: Book,
    id_or_name: Annotated[str, Path(max_length=200)],
    format: Annotated[Literal["html", "markdown"] | None, Query()] = None,
    on: Annotated[dt.date | None, Query(description="The rules in force on this day (default today).")] = None,
    accept: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Response:
    """The 办事指南 of one item or bundle as HTML or Markdown (by ``format``, else ``Accept``)."""
    fmt: GuideFormat = "markdown" if _wanted(format, accept, ("html", "markdown")) == "markdown" else "html"
    return _document(guide_text(book, id_or_name, fmt, on or today()), fmt)


# -- batch, calendar, checking, health --------------------------------------------------------


@router.post("/batch", response_model=models.BatchOut, tags=["decisions"])
def batch(body: models.BatchRequest, book: Book) -> Response:
    """One item for up to 10,000 applicants, through the batch path (``yibao-rules batch``)."""
    if len(body.rows) > models.MAX_BATCH_ROWS:
        raise TooLarge(
            f"{len(body.rows)} rows; at most {models.MAX_BATCH_ROWS:,} per request (use the CLI for more)", "body.rows"
        )
    on = body.on or today()
    answered = rows.decide_rows(book, body.item, body.rows, on)
    counts = {"eligible": 0, "ineligible": 0, "undetermined": 0, "invalid": 0}
    for row in answered:
        counts[row["status"]] += 1
    found = book.item(body.item)
    return json_response(
        {
            "item": found.name,
            "item_id": found.id,
            "on": on.isoformat(),
            "count": len(answered),
            "counts": counts,
            "rows": answered,
            "rulebook_version": book.version,
        }
    )


@router.get("/calendar/{month}", response_model=models.CalendarOut, tags=["calendar"])
def month(book: Book, month: Annotated[str, Path(max_length=7, description="YYYY-MM")]) -> Response:
    """A month of the working-day calendar (``yibao-rules calendar YYYY-MM --json``)."""
    first = parse_month(month)
    cal = calendar_for(book.root)
    days = [cal.day_info(first.replace(day=d)) for d in range(1, _month.monthrange(first.year, first.month)[1] + 1)]
    return json_response({"month": month, "days": serialise.calendar_json(days), "rulebook_version": book.version})


def parse_month(value: str, location: str = "path.month") -> dt.date:
    """The first day of a ``YYYY-MM`` month, with the CLI's message when it is not one."""
    try:
        if len(value) != 7:
            raise ValueError(value)
        return dt.date.fromisoformat(f"{value}-01")
    except ValueError:
        raise BadRequest(f"{value!r} is not a month written YYYY-MM", location) from None


@router.post("/check", response_model=models.CheckOut, tags=["checking"])
def check(
    book: Book,
    file: Annotated[UploadFile, File(description="A zip of a rules directory, or one rule file (YAML).")],
    path: Annotated[
        str | None, Form(max_length=300, description="Where a single file goes in the rules (items/x.yaml).")
    ] = None,
) -> Response:
    """Validate an uploaded rules directory or rule file; located problems as ``check --json``."""
    data = file.file.read()  # the body limit has already bounded it
    return json_response(check_upload(book, file.filename or "upload.yaml", data, path))


@router.get("/health", response_model=models.HealthOut, tags=["health"])
async def health(book: Book) -> Response:
    """Liveness, and which rulebook answers."""
    return json_response(
        {"status": "ok", "items": len(book.items), "bundles": len(book.bundles), "rulebook_version": book.version}
    )
