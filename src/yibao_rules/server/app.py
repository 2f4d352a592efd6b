"""The ASGI application: ``/api/v1`` (:mod:`.api`), the pages (:mod:`.pages`), one error handler.

Every response carries the ``X-Rulebook-Version`` header, and every JSON object answer a
``rulebook_version`` key. Errors are ``{"error": {"type", "message", "location"}}``: the
library's :class:`YibaoError` keeps the message the CLI prints (4xx, never a 500), a request
that does not match its model gets 422 and one over the body limit 413.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from yibao_rules.errors import DeadlineError, FactsError, UnknownItemError, YibaoError, shown
from yibao_rules.json_source import JsonInputError, loads
from yibao_rules.render import render_page
from yibao_rules.rulebook import Rulebook, load_rulebook
from yibao_rules.serialise import to_bytes
from yibao_rules.server import api, pages
from yibao_rules.server.rows import MixedColumnError, RowError
from yibao_rules.server.upload import UploadRefused, UploadTooLarge

__all__ = ["BODY_LIMITS", "MAX_BODY", "create_app"]

MAX_BODY = 1024 * 1024
"""Bytes a request body may have (1 MiB), except the two paths of :data:`BODY_LIMITS`."""
BODY_LIMITS = {
    "/api/v1/batch": 16 * 1024 * 1024,  # 10,000 rows of facts do not fit in 1 MiB
    "/api/v1/check": 8 * 1024 * 1024,  # a zipped rules directory (the embedded one zips to ~60 KiB)
    "/check": 8 * 1024 * 1024,
}

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def create_app(book: Rulebook | None = None) -> FastAPI:
    """The service for ``book`` (default: the embedded rulebook), to run or mount in another ASGI app.

    >>> from fastapi.testclient import TestClient
    >>> client = TestClient(create_app())
    >>> client.get("/api/v1/health").json()["status"]
    'ok'
    """
    book = book if book is not None else load_rulebook()
    app = FastAPI(
        title="yibao-rules",
        version=book.version,
        summary="医保政务服务事项规则引擎：受理条件、材料清单、时限与一次性告知单",
        description="The answers of `yibao_rules` over HTTP, in the JSON of the README's contract. "
        "Every answer carries `rulebook_version`, the rules that produced it.",
    )
    app.state.book = book
    app.include_router(api.router)
    app.include_router(pages.router)
    app.add_exception_handler(YibaoError, _library_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _bug)
    app.add_middleware(_Guard, version=book.version)
    return app


# -- errors ----------------------------------------------------------------------------------


def _error(request: Request, status: int, kind: str, message: str, location: str | None) -> Response:
    version: str = request.app.state.book.version
    if not request.url.path.startswith("/api/"):  # a page: answer with a page
        page = render_page("error.html", status=status, message=message, version=version)
        return HTMLResponse(page, status_code=status)
    body = {"error": {"type": kind, "message": message, "location": location}, "rulebook_version": version}
    return Response(to_bytes(body), status_code=status, media_type="application/json")


_STATUS: tuple[tuple[type[YibaoError], int], ...] = (
    (UnknownItemError, 404),
    (api.TooLarge, 413),
    (UploadTooLarge, 413),
)


async def _library_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, YibaoError)
    inner = exc.error if isinstance(exc, RowError) else exc
    status = next((code for kind, code in _STATUS if isinstance(exc, kind)), 422)
    return _error(request, status, type(inner).__name__, str(exc), _location(request, exc))


def _location(request: Request, exc: YibaoError) -> str | None:
    if isinstance(exc, api.BadRequest):
        return exc.location
    if isinstance(exc, RowError):
        return f"body.rows.{exc.row}"
    if isinstance(exc, MixedColumnError):
        return "body.rows"
    if isinstance(exc, UnknownItemError):
        if "id_or_name" in request.path_params:
            return "path.id_or_name"
        return "body.bundle" if request.url.path.endswith("/bundle") else "body.item"
    if isinstance(exc, FactsError):
        return "body.facts"
    if isinstance(exc, DeadlineError):
        return "body"
    if isinstance(exc, UploadRefused | UploadTooLarge):
        return "body.file"
    return None


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    if any(e.get("type") == "json_invalid" for e in errors):
        return _error(request, 400, "JSONError", await _json_problem(request), "body")
    parts = []
    for e in errors[:5]:
        where = ".".join(str(p) for p in e.get("loc", ()))
        if str(e.get("type", "")).startswith("date"):
            parts.append(f"{where}: 不是日期 ({shown(e.get('input'))} is not a date written YYYY-MM-DD)")
        else:
            parts.append(f"{where}: {e.get('msg', 'invalid')}")
    if len(errors) > 5:
        parts.append(f"……另有 {len(errors) - 5} 处 ({len(errors) - 5} more)")
    first = ".".join(str(p) for p in errors[0].get("loc", ())) if errors else None
    return _error(request, 422, "ValidationError", "; ".join(parts) or "invalid request", first)


_HTTP_KINDS = {400: "BadRequest", 404: "NotFound", 405: "MethodNotAllowed", 413: "PayloadTooLarge"}


async def _json_problem(request: Request) -> str:
    """Why the body is not JSON we take, in the words the CLI uses for a facts file (nesting too
    deep, a number too long, bad UTF-8…), read by the project's one JSON reader."""
    try:
        loads(await request.body(), "body")
    except JsonInputError as exc:
        return str(exc)
    except Exception:  # whatever else: the generic message below
        pass
    return "请求体不是合法的 JSON (the body is not valid JSON)"


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    kind = _HTTP_KINDS.get(exc.status_code, "HTTPError")
    message = "没有这个页面 (not found)" if exc.status_code == 404 else str(exc.detail)
    location = "path" if exc.status_code in (404, 405) else None
    if exc.status_code == 400 and "parsing the body" in message:  # FastAPI's own JSON parse failed
        kind, message, location = "JSONError", await _json_problem(request), "body"
    response = _error(request, exc.status_code, kind, message, location)
    for name, value in (exc.headers or {}).items():
        response.headers[name] = value
    return response


async def _bug(request: Request, exc: Exception) -> Response:
    """Not bad input but a bug (schemathesis hunts for these): a 500 without a traceback."""
    return _error(request, 500, "InternalError", f"内部错误 (internal error: {type(exc).__name__})", None)


# -- the guard: body limit and the version header --------------------------------------------


class _Guard:
    """Stamps ``X-Rulebook-Version`` on every response and answers 413 for a body over its limit.

    A plain ASGI middleware (not ``BaseHTTPMiddleware``): it sits on the hot path of
    ``/decide``. A body with a ``Content-Length`` over the limit is refused before it is read;
    one without (chunked) is read up to the limit and replayed to the application.
    """

    def __init__(self, app: ASGIApp, version: str) -> None:
        self.app = app
        self.header = (b"x-rulebook-version", version.encode("ascii", "replace"))
        self.version = version

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def stamped(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), self.header]
            await send(message)

        limit = BODY_LIMITS.get(scope["path"], MAX_BODY)
        length = next((v for k, v in scope.get("headers", ()) if k == b"content-length"), None)
        if length is not None:
            if not length.isdigit():
                await self._refuse(stamped, 400, "BadRequest", "Content-Length 不是数字 (not a number)")
            elif int(length) > limit:
                await self._refuse(stamped, 413, "PayloadTooLarge", _too_large(limit))
            else:
                await self.app(scope, receive, stamped)
            return
        if scope["method"] in ("GET", "HEAD", "OPTIONS", "DELETE"):
            await self.app(scope, receive, stamped)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await self._refuse(stamped, 413, "PayloadTooLarge", _too_large(limit))
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, replay, stamped)

    async def _refuse(self, send: Send, status: int, kind: str, message: str) -> None:
        body = to_bytes(
            {"error": {"type": kind, "message": message, "location": "body"}, "rulebook_version": self.version}
        )
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def _too_large(limit: int) -> str:
    size = f"{limit // (1024 * 1024)} MiB"
    return f"请求体超过 {size} (the body is over {size})"
