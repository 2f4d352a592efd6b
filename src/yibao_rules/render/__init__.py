"""One renderer: results laid out as text, Markdown or HTML from one Jinja2 template per format.

The 一次性告知单 uses it today; the rendered 办事指南 and the web pages use the same
environment and filters. HTML templates are autoescaped (rule text is data written by
people and must never become markup); text and Markdown templates are not.
"""

from __future__ import annotations

from typing import Any, Literal

import jinja2

from yibao_rules.errors import YibaoError
from yibao_rules.results import Notice

__all__ = ["FORMATS", "STATUS_LABELS", "render_notice", "render_page"]

Format = Literal["text", "markdown", "html"]
FORMATS: dict[str, str] = {"text": "txt", "markdown": "md", "html": "html"}

STATUS_LABELS = {
    "eligible": "符合受理条件",
    "ineligible": "不符合受理条件",
    "undetermined": "尚需确认",
}
SUBSTITUTE_LABELS = {"conditional": "（视情况）"}

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("yibao_rules.render", "templates"),
    autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default=False),
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
    undefined=jinja2.StrictUndefined,
)
_ENV.globals["STATUS_LABELS"] = STATUS_LABELS


def _template(kind: str, fmt: str) -> jinja2.Template:
    if fmt not in FORMATS:
        raise YibaoError(f"未知的格式 (unknown format) '{fmt}'; 可选 (expected): {', '.join(FORMATS)}")
    return _ENV.get_template(f"{kind}.{FORMATS[fmt]}")


def render_notice(notice: Notice, fmt: str = "text") -> str:
    """The 一次性告知单 as ``text``, ``markdown`` or ``html`` (a self-contained A4 page)."""
    return _template("notice", fmt).render(n=notice, **_notice_context(notice))


def _notice_context(notice: Notice) -> dict[str, Any]:
    deadline = notice.deadline
    due = None
    if deadline is not None:
        due = next(
            ((basis, deadline.due(basis)) for basis in ("legal", "promised", "stated") if deadline.due(basis)), None
        )
    return {"due": due, "failed": [r for r in notice.decision.reasons if r.outcome == "failed"]}


def render_page(name: str, **context: Any) -> str:
    """A page or fragment from ``templates/pages/`` (the web pages and the interim guide).

    Callers pass data, not markup: ``.html`` pages are autoescaped like the 告知单.
    """
    return _ENV.get_template(f"pages/{name}").render(**context)
