"""The rulebook as a service: ``/api/v1`` (JSON, OpenAPI at ``/openapi.json``) and web pages at ``/``.

``create_app(book)`` builds the ASGI application for a loaded rulebook, to run under uvicorn
(``yibao-rules serve``) or to mount in another ASGI application; ``app_from_env`` is the
factory each ``serve --workers N`` process calls.
"""

from __future__ import annotations

import os

from fastapi import FastAPI

from yibao_rules.rulebook import load_rulebook
from yibao_rules.server.app import create_app

__all__ = ["app_from_env", "create_app"]


def app_from_env() -> FastAPI:
    """The app for the rules directory in ``$YIBAO_RULES`` (default: the embedded rulebook)."""
    return create_app(load_rulebook(os.environ.get("YIBAO_RULES") or None))
