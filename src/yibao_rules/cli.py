"""The ``yibao-rules`` command: a thin layer over the library.

Exit codes: 0 success; 1 the rulebook has problems (``check``); 2 bad usage or bad input
(unknown item, malformed facts), with ``Error: …`` on stderr.  ``--json`` output is a
stable contract documented in the README.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from yibao_rules.errors import RulebookError, YibaoError
from yibao_rules.loader import load_rulebook
from yibao_rules.rulebook import CompiledItem, LoadedBundle, Rulebook
from yibao_rules.schema import Bundle, Item, TimeLimit

F = TypeVar("F", bound=Callable[..., Any])

_RULES_OPTION = click.option(
    "--rules",
    "rules_dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="YIBAO_RULES",
    default=None,
    help="Rules directory to use instead of the embedded rulebook (env: YIBAO_RULES).",
)


def _dump(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def _load(rules_dir: Path | None) -> Rulebook:
    try:
        return load_rulebook(rules_dir)
    except RulebookError as exc:
        click.echo(exc.render(brief=True), err=True)
        sys.exit(1)


def _fail(message: str) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(2)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="yibao-rules")
def cli() -> None:
    """医保政务服务事项规则引擎 — medical-insurance service items as data.

    Without --rules, every command uses the rulebook embedded in the package.
    """


@cli.command()
@click.argument("rules_dir", required=False, type=click.Path(path_type=Path))
@click.option("--brief", is_flag=True, help="One line per problem (no source excerpt).")
@click.option("--json", "as_json", is_flag=True, help="Problems as JSON.")
def check(rules_dir: Path | None, brief: bool, as_json: bool) -> None:
    """Validate a rules directory (default: the embedded rulebook).

    Prints every problem as path:line:col: message and exits 1 if there is any.
    """
    try:
        book = load_rulebook(rules_dir)
    except RulebookError as exc:
        if as_json:
            _dump({"ok": False, "problems": [_problem_json(p) for p in exc.problems]})
        else:
            for problem in exc.problems:
                click.echo(problem.brief() if brief else problem.render())
            click.echo(f"{len(exc.problems)} problem(s) found.", err=True)
        sys.exit(1)
    if as_json:
        _dump({"ok": True, "problems": [], "items": len(book.items), "bundles": len(book.bundles)})
    else:
        click.echo(f"OK: {len(book.items)} items, {len(book.bundles)} bundles in {book.root}")


def _problem_json(problem: Any) -> dict[str, Any]:
    loc = problem.location
    return {
        "path": loc.path,
        "line": loc.line,
        "col": loc.col,
        "message": problem.message,
        "severity": problem.severity,
    }


@cli.command()
@_RULES_OPTION
@click.option("--bundles", is_flag=True, help="List bundles (一件事 / 一事联办) instead of items.")
@click.option("--json", "as_json", is_flag=True, help="Output JSON.")
def items(rules_dir: Path | None, bundles: bool, as_json: bool) -> None:
    """List the service items (or bundles) of the rulebook."""
    book = _load(rules_dir)
    if bundles:
        rows = [_bundle_summary(book, b) for b in book.bundles.values()]
        if as_json:
            _dump(rows)
            return
        for row in rows:
            click.echo(f"{row['id']:<40} {row['name']}（{row['kind']}，{len(row['members'])} 个联办事项）")
        return
    listing = [_item_summary(book, i) for i in sorted(book.items.values(), key=_item_order)]
    if as_json:
        _dump(listing)
        return
    for row in listing:
        number = f"{row['number']:>2}. " if row["number"] else "    "
        click.echo(f"{number}{row['name']}  [{row['id']}]  {row['jurisdiction']['name']}")


def _item_order(item: CompiledItem) -> tuple[str, int, str]:
    return (item.model.jurisdiction, item.model.number or 0, item.id)


def _item_summary(book: Rulebook, item: CompiledItem) -> dict[str, Any]:
    m = item.model
    return {
        "id": m.id,
        "name": m.name,
        "number": m.number,
        "category": m.category,
        "jurisdiction": {"code": m.jurisdiction, "name": book.vocabulary.divisions.name(m.jurisdiction)},
        "item_type": m.item_type,
        "implements": m.implements,
        "source": book.citation_text(m.source.ref),
    }


def _bundle_summary(book: Rulebook, bundle: LoadedBundle) -> dict[str, Any]:
    m = bundle.model
    return {
        "id": m.id,
        "name": m.name,
        "kind": m.kind,
        "jurisdiction": {"code": m.jurisdiction, "name": book.vocabulary.divisions.name(m.jurisdiction)},
        "members": [{"id": mem.item, "name": book.items[mem.item].name} for mem in m.members],
    }


@cli.command()
@click.argument("item")
@_RULES_OPTION
@click.option("--json", "as_json", is_flag=True, help="Output JSON.")
def show(item: str, rules_dir: Path | None, as_json: bool) -> None:
    """Show one item or bundle, by id or exact Chinese name."""
    book = _load(rules_dir)
    found: CompiledItem | LoadedBundle
    try:
        found = book.item(item)
    except YibaoError as item_error:
        try:
            found = book.bundle(item)
        except YibaoError:
            _fail(str(item_error))
            return
    if as_json:
        entry_type = "item" if isinstance(found, CompiledItem) else "bundle"
        _dump({"type": entry_type, **found.model.model_dump(mode="json")})
        return
    click.echo(_render_item(book, found.model) if isinstance(found.model, Item) else _render_bundle(book, found.model))


def _render_limit(limit: TimeLimit) -> str:
    basis = {"legal": "法定办结时限", "promised": "承诺办结时限", "stated": "办理时限"}[limit.basis]
    scope = f"（{limit.situation}）" if limit.situation else ""
    when = f"（{limit.applies_when}）" if limit.applies_when else ""
    return f"{basis}{scope}：{limit.text}{when}"


def _render_item(book: Rulebook, m: Item) -> str:
    out = [f"{m.name}  [{m.id}]", f"  辖区：{book.vocabulary.divisions.name(m.jurisdiction)}（{m.jurisdiction}）"]
    if m.category:
        out.append(f"  类别：{m.category}")
    if m.item_type:
        out.append(f"  办件类型：{m.item_type}")
    if m.accepting_units:
        out.append(f"  受理单位：{'；'.join(m.accepting_units)}")
    if m.service_objects:
        out.append(f"  服务对象：{'；'.join(m.service_objects)}")
    for ch in m.channels:
        out.append(f"  办理渠道（{ch.kind}）：{ch.description}")
    if m.process:
        out.append(f"  办理流程：{'—'.join(m.process)}")
    for rule in m.eligibility:
        dated = ""
        if rule.effective_from or rule.effective_to:
            dated = f"  [{rule.effective_from or '…'} 至 {rule.effective_to or '…'}]"
        out.append(f"  受理条件 {rule.id}：{rule.condition}{dated}")
        out.append(f"      {rule.message} — {book.citation_text(rule.citation.ref, rule.citation.clause)}")
    for s in m.situations:
        inherits = f"（含：{'、'.join(s.inherits)}）" if s.inherits else ""
        out.append(f"  情形：{s.name}{inherits}")
        for mat in s.materials:
            extra = "".join(f"；可用{sub.kind}" for sub in mat.substitutes)
            out.append(f"    - {mat.name}{'（' + mat.form + '）' if mat.form else ''}{extra}")
    for limit in m.time_limits:
        out.append(f"  {_render_limit(limit)}")
    for ref in m.citations:
        out.append(f"  政策依据：{book.citation_text(ref.ref, ref.clause)}")
    for note in m.notes:
        out.append(f"  备注（{note.kind}）：{note.text}")
    return "\n".join(out)


def _render_bundle(book: Rulebook, m: Bundle) -> str:
    out = [f"{m.name}  [{m.id}]（{m.kind}）", f"  牵头部门：{m.lead}"]
    for mem in m.members:
        out.append(f"  联办事项：{book.items[mem.item].name}（{mem.item_type or '—'}；{mem.accepting_unit or '—'}）")
    for limit in m.time_limits:
        out.append(f"  {_render_limit(limit)}")
    for claim in m.claims:
        out.append(f"  声称成效：{claim.text}")
    return "\n".join(out)


def main() -> None:
    """Console entry point: turns library errors into ``Error: …`` and exit code 2."""
    try:
        cli.main(standalone_mode=True)
    except YibaoError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
