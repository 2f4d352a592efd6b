"""One renderer: results laid out as text, Markdown or HTML from one Jinja2 template per format.

The 一次性告知单 uses it today; the rendered 办事指南 and the web pages use the same
environment and filters. HTML templates are autoescaped (rule text is data written by
people and must never become markup); text and Markdown templates are not.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import jinja2

from yibao_rules.calendar import beijing_today
from yibao_rules.compiled import CompiledRulebook
from yibao_rules.errors import YibaoError
from yibao_rules.render.guide import Annotation, Guide, GuideCitation, guide
from yibao_rules.results import Notice

__all__ = [
    "FORMATS",
    "STATUS_LABELS",
    "SiteError",
    "render_guide",
    "render_guide_section",
    "render_notice",
    "render_page",
    "write_site",
]

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
_OWN_NUMBER = re.compile(r"^\s*(?:[0-9]+|[一二三四五六七八九十]+)\s*[、.．]")


def _self_numbered(values: Any) -> bool:
    """Whether list items carry their own numbers (「1.」「二、」), so a template should not add any."""
    return any(_OWN_NUMBER.match(v) for v in values if isinstance(v, str))


_ENV.globals["self_numbered"] = _self_numbered


def _template(kind: str, fmt: str) -> jinja2.Template:
    if fmt not in FORMATS:
        raise YibaoError(f"未知的格式 (unknown format) '{fmt}'; 可选 (expected): {', '.join(FORMATS)}")
    return _ENV.get_template(f"{kind}.{FORMATS[fmt]}")


def render_notice(notice: Notice, fmt: str = "text") -> str:
    """The 一次性告知单 as ``text``, ``markdown`` or ``html`` (a self-contained A4 page)."""
    return _template("notice", fmt).render(n=notice, **_notice_context(notice))


class SiteError(YibaoError):
    """The guide site cannot be written (a text site, an unwritable directory)."""


def render_guide(
    guide: Guide, fmt: str = "text", public: bool = False, citation_href: Callable[[GuideCitation], str] | None = None
) -> str:
    """The 办事指南 as ``text``, ``markdown`` or ``html``.

    Staff annotations (notes of kind gap or conflict) are shown, marked, unless ``public``.
    ``citation_href`` links each 政策依据 (the site uses it to point at the citation's page).
    """
    annotations = () if public else guide.annotations
    return _template("guide", fmt).render(g=guide, annotations=annotations, citation_href=citation_href, public=public)


def write_site(
    book: CompiledRulebook, out: Path, fmt: str = "html", public: bool = False, on: dt.date | None = None
) -> list[Path]:
    """Every item's and bundle's 办事指南 as one site under ``out``: ``index``, ``items/ID``,
    ``bundles/ID`` and ``citations/KEY`` pages (Markdown or HTML). Returns the files written."""
    if fmt not in ("markdown", "html"):
        raise SiteError(f"网站只能是 markdown 或 html (a site is markdown or html), 不是 (not) '{fmt}'")
    ext = FORMATS[fmt]
    guides = [guide(book, key, on) for key in book.items] + [guide(book, key, on) for key in book.bundles]
    guides.sort(key=lambda g: (g.kind == "bundle", g.number or 999, g.id))

    def href(g: Guide) -> str:
        return f"{'items' if g.kind == 'item' else 'bundles'}/{g.id}.{ext}"

    def cite_href(c: GuideCitation) -> str:
        return f"../citations/{c.key}.{ext}"

    categories: dict[str, list[Guide]] = {}
    for g in guides:
        label = g.category or ("一件事 / 一事联办" if g.kind == "bundle" else f"{g.jurisdiction} 实施事项")
        categories.setdefault(label, []).append(g)
    cited: dict[str, GuideCitation] = {}
    cited_by: dict[str, list[Guide]] = {}
    for g in guides:
        for c in (*g.citations, *(c for m in g.members for c in m.citations)):
            cited.setdefault(c.key, c)
            if g not in cited_by.setdefault(c.key, []):
                cited_by[c.key].append(g)
    pages: dict[str, str] = {
        f"index.{ext}": _template("site_index", fmt).render(
            on=guides[0].on if guides else beijing_today(),
            categories=list(categories.items()),
            citations=list(cited.values()),
            href=href,
        )
    }
    for g in guides:
        pages[href(g)] = render_guide(g, fmt, public, cite_href)
    for key, c in cited.items():
        notes = [] if public else [Annotation(n.kind, c.label, n.text) for n in book.citations[key].notes]
        notes = [n for n in notes if n.kind in ("gap", "conflict")]
        pages[f"citations/{key}.{ext}"] = _template("citation", fmt).render(
            c=c, cited_by=cited_by[key], href=href, notes=notes
        )
    written = []
    try:
        for name, text in pages.items():
            path = out / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            written.append(path)
    except OSError as exc:
        raise SiteError(f"无法写入 (cannot write) {out}: {exc.strerror or exc}") from None
    return written


def _notice_context(notice: Notice) -> dict[str, Any]:
    deadline = notice.deadline
    due = None
    if deadline is not None:
        due = next(
            ((basis, deadline.due(basis)) for basis in ("legal", "promised", "stated") if deadline.due(basis)), None
        )
    return {"due": due, "failed": [r for r in notice.decision.reasons if r.outcome == "failed"]}


def render_guide_section(guide: Guide, public: bool = False) -> str:
    """The HTML 办事指南 without its page: only the ``body`` block of ``guide.html``, to place in a web page.

    The same template as :func:`render_guide` (one renderer); a block rendered on its own does
    not run the template's top-level ``import``, so the macros it names ``x`` are passed in.
    """
    template = _template("guide", "html")
    annotations = () if public else guide.annotations
    context = template.new_context(
        {
            "g": guide,
            "annotations": annotations,
            "citation_href": None,
            "public": public,
            "x": _ENV.get_template("_macros.html").module,
        }
    )
    return "".join(template.blocks["body"](context))


def render_page(name: str, **context: Any) -> str:
    """A web page from ``templates/pages/`` (the service's pages, :mod:`yibao_rules.server.pages`).

    Callers pass data, not markup: ``.html`` pages are autoescaped like the 告知单.
    """
    return _ENV.get_template(f"pages/{name}").render(**context)
