"""The ``yibao-rules`` command: a thin layer over the library.

Exit codes, the same for every command: 0 success; 1 the rulebook has problems (a missing
rules directory is one); 2 bad usage or bad input (unknown item, malformed facts, no scenarios
for ``test``, no events for ``track``), with ``Error: …`` on stderr.  ``--rules`` (and
``check``'s directory) default to ``$YIBAO_RULES``.  ``--json`` output is a stable contract
documented in the README.
"""

from __future__ import annotations

import datetime as dt
import socket
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click
import wcwidth

from yibao_rules import serialise
from yibao_rules.calendar import MomentError, beijing_today, calendar_for, parse_submission
from yibao_rules.compiled import CompiledItem, LoadedBundle
from yibao_rules.errors import RulebookError, YibaoError, render_problems, summary
from yibao_rules.fact_reference import TYPE_LABELS, fact_reference
from yibao_rules.json_source import JsonInputError, loads, read_json
from yibao_rules.render import render_guide, render_notice, write_site
from yibao_rules.results import claim_text, metric_label
from yibao_rules.rulebook import Rulebook, load_rulebook
from yibao_rules.scaffold import calendar_template, item_skeleton, write_new
from yibao_rules.schema import BASIS_LABELS, Bundle, Item, TimeLimit
from yibao_rules.schema_export import json_schemas, write_schemas

F = TypeVar("F", bound=Callable[..., Any])
MAX_PROBLEMS = 200  # problems printed before the rest are only counted

_RULES_OPTION = click.option(
    "--rules",
    "rules_dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="YIBAO_RULES",
    default=None,
    help="Rules directory to use instead of the embedded rulebook (env: YIBAO_RULES).",
)


def _dump(data: Any) -> None:
    click.echo(serialise.dumps(data))


def _load(rules_dir: Path | None) -> Rulebook:
    """The rulebook, or exit 1 with its problems (a missing or broken rules directory)."""
    try:
        return load_rulebook(rules_dir)
    except RulebookError as exc:
        for line in exc.lines(brief=True, limit=MAX_PROBLEMS):
            click.echo(line, err=True)
        sys.exit(1)


def _fail(message: str) -> NoReturn:
    click.echo(f"Error: {message}", err=True)
    sys.exit(2)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="yibao-rules")
def cli() -> None:
    """医保政务服务事项规则引擎 — medical-insurance service items as data.

    Without --rules, every command uses the rulebook embedded in the package.
    """


@cli.command()
@click.argument("rules_dir", required=False, envvar="YIBAO_RULES", type=click.Path(path_type=Path))
@click.option("--brief", is_flag=True, help="One line per problem (no source excerpt).")
@click.option("--json", "as_json", is_flag=True, help="Problems as JSON (all of them).")
@click.option("--consistency", is_flag=True, help="Also report, as warnings, where the sources or the data disagree.")
@click.option(
    "--max-problems",
    type=click.IntRange(min=0),
    default=MAX_PROBLEMS,
    show_default=True,
    help="Print at most this many problems, then a count of the rest (0: all).",
)
def check(rules_dir: Path | None, brief: bool, as_json: bool, consistency: bool, max_problems: int) -> None:
    """Validate a rules directory (default: $YIBAO_RULES, else the embedded rulebook).

    Prints every problem (the first --max-problems of them) as path:line:col: message and
    exits 1 if there is any. Consistency warnings (--consistency) never change the exit status.
    """
    try:
        book = load_rulebook(rules_dir)
    except RulebookError as exc:
        if as_json:
            _dump(serialise.check_json(exc.problems))
        else:
            for line in render_problems(exc.problems, brief=brief, limit=max_problems or None):
                click.echo(line)
            click.echo(f"{summary(len(exc.problems))}.", err=True)
        sys.exit(1)
    warnings = []
    if consistency:
        from yibao_rules.consistency import consistency_warnings

        warnings = consistency_warnings(book)
    if as_json:
        _dump(serialise.check_json(warnings, book))
        return
    for warning in warnings:
        click.echo(warning.brief() if brief else warning.render())
    tail = f", {len(warnings)} consistency warning(s)" if consistency else ""
    click.echo(f"OK: {len(book.items)} items, {len(book.bundles)} bundles in {book.root}{tail}")


@cli.command()
@_RULES_OPTION
@click.option("--bundles", is_flag=True, help="List bundles (一件事 / 一事联办) instead of items.")
@click.option("--json", "as_json", is_flag=True, help="Output JSON.")
def items(rules_dir: Path | None, bundles: bool, as_json: bool) -> None:
    """List the service items (or bundles) of the rulebook."""
    book = _load(rules_dir)
    if bundles:
        rows = [serialise.bundle_summary(book, b) for b in book.bundles.values()]
        if as_json:
            _dump(rows)
            return
        for row in rows:
            click.echo(f"{row['id']:<40} {row['name']}（{row['kind']}，{len(row['members'])} 个联办事项）")
        return
    listing = [serialise.item_summary(book, i) for i in sorted(book.items.values(), key=serialise.item_order)]
    if as_json:
        _dump(listing)
        return
    for row in listing:
        number = f"{row['number']:>2}. " if row["number"] else "    "
        click.echo(f"{number}{row['name']}  [{row['id']}]  {row['jurisdiction']['name']}")


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
        _dump(serialise.entry_json(found))
        return
    click.echo(_render_item(book, found.model) if isinstance(found.model, Item) else _render_bundle(book, found.model))


def _render_limit(limit: TimeLimit) -> str:
    basis = BASIS_LABELS[limit.basis]
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
    for obj in m.service_objects:
        out.append(f"  服务对象：{obj}")
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


def _read_facts(source: str | None) -> dict[str, Any]:
    """Facts from a JSON file, or from standard input with ``-``."""
    if source is None:
        return {}
    try:
        data = loads(_stdin_bytes(), "stdin") if source == "-" else read_json(Path(source))
    except JsonInputError as exc:
        raise click.BadParameter(str(exc), param_hint="--facts") from None
    if not isinstance(data, dict):
        raise click.BadParameter(
            "事实须为按当事人分组的 JSON 对象 (facts must be a JSON object keyed by party)", param_hint="--facts"
        )
    return data


def _stdin_bytes() -> bytes | str:
    buffer = getattr(sys.stdin, "buffer", None)
    return buffer.read() if buffer is not None else sys.stdin.read()


_FACTS_OPTION = click.option("--facts", "facts_file", help="JSON file of facts, or - for standard input.")
_ON_OPTION = click.option("--on", "on", help="Decide as of this date (YYYY-MM-DD); default today.")


@cli.command()
@click.argument("item")
@_FACTS_OPTION
@_ON_OPTION
@click.option(
    "--engine",
    type=click.Choice(["native", "durable"]),
    default="native",
    show_default=True,
    help="Which evaluator decides: the native closures or the durable-rules Rete engine.",
)
@_RULES_OPTION
@click.option("--json", "as_json", is_flag=True, help="Output JSON.")
def evaluate(
    item: str, facts_file: str | None, on: str | None, engine: str, rules_dir: Path | None, as_json: bool
) -> None:
    """Decide eligibility for ITEM from facts; exit 0 whatever the status."""
    book = _load(rules_dir)
    facts, day = _read_facts(facts_file), _parse_date(on, "--on") if on else None
    if engine == "durable":
        from yibao_rules.engines.durable import DurableEngine

        decision = DurableEngine(book).decide(item, facts, day)
    else:
        decision = book.decide(item, facts, day)
    if as_json:
        _dump(serialise.decision_json(decision))
        return
    click.echo(_render_decision(decision))


_STATUS = {"eligible": "符合受理条件", "ineligible": "不符合受理条件", "undetermined": "尚不能确定（需补充信息）"}
_OUTCOME = {"passed": "✓", "failed": "✗", "unknown": "?"}


def _render_decision(decision: Any) -> str:
    out = [f"{decision.item}（{decision.on}）：{_STATUS[decision.status]}"]
    for r in decision.reasons:
        out.append(f"  {_OUTCOME[r.outcome]} {r.rule}：{r.message} — {r.citation}")
    for q in decision.next_questions:
        out.append(f"  需回答：{q.question}")
    out += [f"  注：{n}" for n in decision.notes]
    return "\n".join(out)


@cli.command(name="checklist")
@click.argument("item")
@click.option("--situation", help="The 情形 (by its exact name).")
@_FACTS_OPTION
@_ON_OPTION
@_RULES_OPTION
@click.option("--json", "as_json", is_flag=True, help="Output JSON.")
def checklist_command(
    item: str, situation: str | None, facts_file: str | None, on: str | None, rules_dir: Path | None, as_json: bool
) -> None:
    """The materials for one 情形 of ITEM."""
    book = _load(rules_dir)
    result = book.checklist(item, _read_facts(facts_file), situation, _parse_date(on, "--on") if on else None)
    if as_json:
        _dump(serialise.checklist_json(result, book.version))
        return
    click.echo(_render_checklist(result))


def _render_checklist(result: Any) -> str:
    out = [f"{result.item}｜情形：{result.situation or '—'}"]
    for m in result.materials:
        flag = "必交" if m.required else "视情况"
        form = f"（{m.form}）" if m.form else ""
        out.append(f"  [{flag}] {m.name}{form}")
        if m.requirements:
            out.append(f"        要求：{m.requirements}")
        for sub in m.substitutes:
            out.append(f"        可替代：{sub['kind']}" + (f"（{sub['description']}）" if sub["description"] else ""))
    out += [f"  注：{n}" for n in result.notes]
    return "\n".join(out)


@cli.command(name="bundle")
@click.argument("name")
@_FACTS_OPTION
@_ON_OPTION
@_RULES_OPTION
@click.option("--json", "as_json", is_flag=True, help="Output JSON.")
def bundle_command(name: str, facts_file: str | None, on: str | None, rules_dir: Path | None, as_json: bool) -> None:
    """A bundle (一件事 / 一事联办): members' decisions, merged checklist, metrics vs claims."""
    book = _load(rules_dir)
    report = book.bundle_report(name, _read_facts(facts_file), _parse_date(on, "--on") if on else None)
    if as_json:
        _dump(serialise.bundle_json(report, book.version))
        return
    out = [f"{report.bundle}"]
    out += [f"  {d.item}：{_STATUS[d.status]}" for d in report.members]
    out.append("  合并材料（相同的不重复提交）：")
    out += [f"    - {m.name}（{'、'.join(m.members)}）" for m in report.materials]
    for metric, claim in report.claims.items():
        computed = report.metrics.get(metric)
        found = "无法计算（规则库数据不足）" if computed is None else f"按规则库数据计算为 {computed}"
        out.append(f"  {metric_label(metric)}：声称 {claim_text(claim)}，{found}")
    out += [f"  警告：{w}" for w in report.warnings]
    click.echo("\n".join(out))


@cli.command()
@click.argument("item")
@_ON_OPTION
@_RULES_OPTION
def interview(item: str, on: str | None, rules_dir: Path | None) -> None:
    """Ask the next question in Chinese until ITEM is decided; then print the decision and checklist.

    Answers are read line by line from standard input, so it can be scripted.
    """
    from yibao_rules.errors import FactsError

    book = _load(rules_dir)
    day = _parse_date(on, "--on") if on else None
    facts: dict[str, Any] = {}
    decision = book.decide(item, facts, day)
    while decision.status == "undetermined":
        question = decision.next_questions[0]
        fact = book.vocabulary.facts[question.fact]
        choices = f"（{'／'.join(f'{i}.{v}' for i, v in enumerate(fact.values, 1))}）" if fact.values else ""
        hint = {"bool": "（是／否）", "date": "（YYYY-MM-DD）"}.get(fact.kind, "")
        click.echo(f"{question.question}{choices}{hint}")
        line = sys.stdin.readline()
        if not line:
            _fail("输入在问题回答完之前结束 (input ended before the case was decided)")
        try:
            facts[question.fact] = _answer(fact.kind, fact.values, line.strip())
            decision = book.decide(item, facts, day)
        except (FactsError, ValueError) as exc:
            facts.pop(question.fact, None)
            click.echo(f"  无法识别的回答：{exc}")
    click.echo(_render_decision(decision))
    if decision.status == "eligible":
        try:
            click.echo(_render_checklist(book.checklist(item, facts, None, day)))
        except YibaoError as exc:
            click.echo(f"材料清单：{exc}")


def _answer(kind: str, values: tuple[str, ...], text: str) -> Any:
    """Turn a typed answer into a fact value (the vocabulary then checks it)."""
    if kind == "bool":
        yes, no = {"是", "y", "yes", "true", "1", "对"}, {"否", "n", "no", "false", "0", "不是"}
        if text.lower() in yes:
            return True
        if text.lower() in no:
            return False
        raise ValueError(f"请回答 是 或 否，而不是 {text!r}")
    if values and text.isdigit() and 1 <= int(text) <= len(values):
        return values[int(text) - 1]
    if kind == "int":
        return int(text)
    if kind == "enum_set":
        return [v.strip() for v in text.replace("，", ",").split(",") if v.strip()]
    return text


@cli.command()
@click.argument("events", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--now", help="Observe the cases at this time (YYYY-MM-DDTHH:MM); default: the last event's time.")
@click.option(
    "--correction-alert-days",
    type=click.IntRange(min=1),
    default=5,
    show_default=True,
    help="Working days a 补正 request may stay open before an alert (an operational setting).",
)
@_RULES_OPTION
@click.option("--json", "as_json", is_flag=True, help="Output JSON.")
def track(events: Path, now: str | None, correction_alert_days: int, rules_dir: Path | None, as_json: bool) -> None:
    """Replay a JSON-lines event log; print each case's state and alerts."""
    from yibao_rules.cases import replay

    book = _load(rules_dir)
    when = None
    if now:
        try:
            when = dt.datetime.fromisoformat(now)
        except ValueError:
            raise click.BadParameter(f"{now!r} is not YYYY-MM-DDTHH:MM", param_hint="--now") from None
    tracker = replay(book, events, when, correction_alert_days)
    if not tracker.cases:
        _fail(f"{events}: 没有事件 (no events)")
    states = [c.to_json() for c in tracker.cases.values()]
    if as_json:
        _dump({"cases": states})
        return
    names = {"submitted": "已提交", "accepted": "已受理", "correcting": "补正中", "closed": "已办结"}
    for c in states:
        dues = "，".join(f"{b} {d}" for b, d in c["due"].items()) or "无固定截止日"
        click.echo(f"{c['case']}  {c['item']}  {names[c['status']]}  受理 {c['received']}  截止：{dues}")
        for a in c["alerts"]:
            click.echo(f"  [{a['at']}] {a['kind']}：{a['message']}")


@cli.command()
@click.argument("old_rules", type=click.Path(file_okay=False, path_type=Path))
@click.argument("new_rules", type=click.Path(file_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Output JSON.")
def diff(old_rules: Path, new_rules: Path, as_json: bool) -> None:
    """What changes from OLD_RULES to NEW_RULES, and an applicant whose decision flips."""
    from yibao_rules.diff import diff_rulebooks

    result = diff_rulebooks(_load(old_rules), _load(new_rules))
    if as_json:
        _dump(result.to_json())
        return
    marks = {"added": "+", "removed": "-", "changed": "~"}
    for c in result.changes:
        click.echo(f"{marks[c.change]} {c.what}  {c.subject}: {c.detail}")
    for f in result.flips:
        facts = "；".join(f"{p}.{k}={v}" for p, kv in f.facts.items() for k, v in kv.items())
        click.echo(f"! {f.item} 于 {f.on}：{_STATUS[f.old_status]} → {_STATUS[f.new_status]}")
        click.echo(f"    申请人：{facts}")
        click.echo(
            f"    旧规则不通过：{'、'.join(f.old_failed) or '—'}；新规则不通过：{'、'.join(f.new_failed) or '—'}"
        )
    for name in result.unsearched:
        click.echo(f"? {name}：条件涉及的事实类型无法穷举，未搜索申请人")
    if not result.changes:
        click.echo("没有变化 (no changes)")


@cli.command(name="test")
@click.argument("target", type=click.Path(path_type=Path))
@_RULES_OPTION
@click.option("--json", "as_json", is_flag=True, help="Output JSON.")
@click.option("--quiet", "-q", is_flag=True, help="Only print failures and the summary.")
def test_command(target: Path, rules_dir: Path | None, as_json: bool, quiet: bool) -> None:
    """Run YAML scenario files (a file or a directory) against the rulebook; exit 1 on any failure."""
    from yibao_rules.testing.scenarios import run_scenarios

    book = _load(rules_dir)  # first: a missing rules directory is a rulebook problem (exit 1)
    if not target.exists():
        _fail(f"{target}: 没有这个文件或目录 (no such file or directory)")
    try:
        results = run_scenarios(book, target)
    except RulebookError as exc:
        click.echo(exc.render(), err=True)
        sys.exit(2)
    if not results:
        _fail(f"{target}: 没有找到场景用例 (no scenarios found)")
    failed = [r for r in results if not r.ok]
    if as_json:
        _dump(
            {
                "passed": len(results) - len(failed),
                "failed": len(failed),
                "results": [
                    {
                        "file": r.file,
                        "line": r.line,
                        "scenario": r.scenario,
                        "case": r.case,
                        "ok": r.ok,
                        "failures": list(r.failures),
                        "error": r.error,
                    }
                    for r in results
                ],
            }
        )
    else:
        for r in results:
            if not quiet or not r.ok:
                click.echo(r.report())
        click.echo(f"{len(results) - len(failed)} passed, {len(failed)} failed")
    if failed:
        sys.exit(1)


def _parse_date(value: str, what: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"不是日期 ({value!r} is not a date written YYYY-MM-DD)", param_hint=what) from None


def _parse_pause(value: str) -> tuple[dt.date, dt.date]:
    start, sep, end = value.partition(":")
    if not sep:
        raise click.BadParameter(
            f"{value!r} should be REQUESTED:ARRIVED, e.g. 2026-10-09:2026-10-12", param_hint="--pause"
        )
    return _parse_date(start, "--pause"), _parse_date(end, "--pause")


@cli.command()
@click.argument("item", required=False)
@click.option("--start", help="Start date YYYY-MM-DD (not counted), for a plain count.")
@click.option("--working-days", type=click.IntRange(min=0), help="Count this many working days.")
@click.option("--natural-days", type=click.IntRange(min=0), help="Count this many natural days.")
@click.option("--submitted", help="Submission time for ITEM: YYYY-MM-DDTHH:MM (or a date).")
@click.option("--situation", help="Only the time limits of this 情形.")
@click.option("--pause", "pauses", multiple=True, help="补正 pause REQUESTED:ARRIVED (repeatable).")
@click.option("--strict", is_flag=True, help="Refuse answers that depend on years without an official notice.")
@_RULES_OPTION
@click.option("--json", "as_json", is_flag=True, help="Output JSON.")
def deadline(
    item: str | None,
    start: str | None,
    working_days: int | None,
    natural_days: int | None,
    submitted: str | None,
    situation: str | None,
    pauses: tuple[str, ...],
    strict: bool,
    rules_dir: Path | None,
    as_json: bool,
) -> None:
    """Due dates on the Chinese working-day calendar.

    \b
    yibao-rules deadline --start 2026-09-28 --working-days 5
    yibao-rules deadline 慢性病规定病种申报一件事 --submitted 2026-04-30T17:30
    """
    from yibao_rules.deadlines import add_days, item_deadlines

    book = _load(rules_dir)
    cal = calendar_for(book.root).with_strict(strict)
    paused = [_parse_pause(p) for p in pauses]
    if item is None:
        if start is None or (working_days is None) == (natural_days is None):
            raise click.UsageError(
                "give ITEM --submitted …, or --start with exactly one of --working-days / --natural-days"
            )
        begin = _parse_date(start, "--start")
        kind, n = ("working_days", working_days) if working_days is not None else ("natural_days", natural_days)
        assert n is not None
        due = add_days(cal, begin, kind, n, paused)
        result = serialise.count_json(
            begin,
            kind,
            n,
            due,
            cal.is_provisional(due),
            cal.non_working_days(begin, due),
            cal.make_up_days_between(begin, due),
        )
        if as_json:
            _dump(result)
        else:
            unit = "个工作日" if kind == "working_days" else "个自然日"
            flag = "（推定：超出已公布的节假日安排）" if result["provisional"] else ""
            click.echo(f"{begin} 起 {n}{unit} → {due}{flag}")
            for entry in result["skipped"]:
                click.echo(f"  跳过 {entry['date']}：{entry['reason']}")
            for entry in result["make_up_working_days"]:
                click.echo(f"  计入 {entry['date']}：{entry['reason']}")
            if paused:
                plain = add_days(cal, begin, kind, n)
                for line in _pause_lines(cal, paused, [("截止日", plain, due)]):
                    click.echo(line)
        return
    if submitted is None:
        raise click.UsageError("ITEM needs --submitted YYYY-MM-DDTHH:MM")
    when = _parse_submitted(submitted)
    report = item_deadlines(book, item, when, situation=situation, pauses=paused, calendar=cal)
    data = serialise.deadline_json(report, book.version)
    if as_json:
        _dump(data)
        return
    click.echo(f"{report.item}  提交 {data['submitted']} → 受理 {data['received']}（{data['receipt_reason']}）")
    for d in report.deadlines:
        basis = BASIS_LABELS[d.basis]
        scope = f"［{d.situation}］" if d.situation else ""
        click.echo(f"  {basis}{scope} {d.text}：{d.due or '无固定截止日'} — {d.explanation}")
        for st in d.stages:
            tail = "" if st.counted else "（不计入时限）"
            tail += "（可选）" if st.optional else ""
            click.echo(f"    · {st.name}：{st.start or '?'} → {st.end or '未规定'}{tail}")
    if paused:
        unpaused = item_deadlines(book, item, when, situation=situation, calendar=cal)
        moved = [
            (f"{BASIS_LABELS[d.basis]} {d.text}", before.due, d.due)
            for d, before in zip(report.deadlines, unpaused.deadlines, strict=True)
        ]
        for line in _pause_lines(cal, paused, moved):
            click.echo(line)
    for entry in data["skipped"]:
        click.echo(f"  跳过 {entry['date']}：{entry['reason']}")
    for note in data["notes"]:
        click.echo(f"  注：{note}")
    if report.provisional:
        click.echo("  推定：结果依赖尚未公布节假日安排的年份 (provisional)")


def _pause_lines(
    cal: Any, paused: list[tuple[dt.date, dt.date]], moved: list[tuple[str, dt.date | None, dt.date | None]]
) -> list[str]:
    """The 补正 pauses (days the clock stood still) and how far they moved each due date."""
    out = []
    for requested, arrived in sorted(paused):
        if arrived < requested:
            continue
        working = cal.working_days_between(requested, arrived)
        out.append(
            f"  补正暂停 {requested} → {arrived}：{requested + dt.timedelta(days=1)} 至 {arrived} 不计时"
            f"（{(arrived - requested).days} 天，其中 {working} 个工作日）"
        )
    for label, before, after in moved:
        if before is None or after is None:
            continue
        if before == after:
            out.append(f"  {label}：补正未推迟截止日（仍为 {after}）")
        else:
            out.append(
                f"  {label}：补正使截止日由 {before} 推迟至 {after}"
                f"（{(after - before).days} 天，{cal.working_days_between(before, after)} 个工作日）"
            )
    return out


@cli.command()
@click.argument("month")
@_RULES_OPTION
@click.option("--json", "as_json", is_flag=True, help="Output JSON.")
def calendar(month: str, rules_dir: Path | None, as_json: bool) -> None:
    """Print a month (YYYY-MM) with working days, holidays and 调休 days marked."""
    try:
        first = dt.date.fromisoformat(f"{month}-01")
    except ValueError:
        raise click.BadParameter(f"{month!r} is not a month written YYYY-MM", param_hint="MONTH") from None
    book = _load(rules_dir)
    cal = calendar_for(book.root)
    days = []
    day = first
    while day.month == first.month:
        days.append(cal.day_info(day))
        day += dt.timedelta(days=1)
    if as_json:
        _dump(serialise.calendar_json(days))
        return
    marks = {"工作日": "", "周末": ".", "法定节假日": "休", "调休休息": "休", "调休上班": "班"}
    click.echo(f"{first:%Y年%m月}" + ("（推定）" if days[0].provisional else ""))
    click.echo("".join(_cell(name) for name in "一二三四五六日").rstrip())
    cells = [_cell("")] * first.weekday()
    for d in days:
        cells.append(_cell(f"{d.date.day:>2} {marks[d.kind]}"))
        if d.date.weekday() == 6:
            click.echo("".join(cells).rstrip())
            cells = []
    if cells:
        click.echo("".join(cells).rstrip())
    click.echo("休 = 放假   班 = 调休上班   . = 周末")
    for d in days:
        if d.kind in ("法定节假日", "调休休息", "调休上班"):
            click.echo(f"  {d.date}：{d.reason()}")


# -- 一次告知: screening and the 一次性告知单 ------------------------------------------------------


@cli.command(name="screen")
@_FACTS_OPTION
@_ON_OPTION
@_RULES_OPTION
@click.option("--json", "as_json", is_flag=True, help="Output JSON.")
def screen_command(facts_file: str | None, on: str | None, rules_dir: Path | None, as_json: bool) -> None:
    """Every item and bundle for one applicant: eligible, undetermined (with the next question), ineligible."""
    book = _load(rules_dir)
    result = book.screen(_read_facts(facts_file), _parse_date(on, "--on") if on else None)
    if as_json:
        _dump(serialise.screening_json(result, book.version))
        return
    click.echo(
        f"一次告知（{result.on}）：可办理 {len(result.eligible)} 项，尚需确认 {len(result.undetermined)} 项，"
        f"不符合 {len(result.ineligible)} 项"
    )
    for title, entries in (
        ("可以办理 (eligible)", result.eligible),
        ("尚需确认 (undetermined)", result.undetermined),
        ("不符合受理条件 (ineligible)", result.ineligible),
    ):
        if entries:
            click.echo(f"\n{title}：")
        for e in entries:
            kind = "［一件事］" if e.kind == "bundle" else ""
            click.echo(f"  · {kind}{e.item} [{e.item_id}]")
            if e.next_question is not None and e.status == "undetermined":
                click.echo(f"      下一问：{e.next_question.question}")
            for f in e.failed if e.status == "ineligible" else ():
                click.echo(f"      ✗ {f.rule}：{f.message} — {f.citation}")
    if result.next_question is not None:
        click.echo(f"\n最该先问的问题（可确定 {result.settles} 项）：{result.next_question.question}")


@cli.command(name="notice")
@click.argument("item")
@_FACTS_OPTION
@click.option("--situation", help="The 情形 (by its exact name); default: chosen from the facts.")
@click.option("--submitted", help="Submission time YYYY-MM-DDTHH:MM (or a date): adds the due date.")
@_ON_OPTION
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "html"]), default="text", show_default=True)
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), help="Write to this file.")
@_RULES_OPTION
@click.option("--json", "as_json", is_flag=True, help="The notice's data as JSON instead of a document.")
def notice_command(
    item: str,
    facts_file: str | None,
    situation: str | None,
    submitted: str | None,
    on: str | None,
    fmt: str,
    out: Path | None,
    rules_dir: Path | None,
    as_json: bool,
) -> None:
    """The 一次性告知单 of ITEM: qualification, materials, channels, time limit, citations."""
    book = _load(rules_dir)
    when = _parse_submitted(submitted) if submitted else None
    result = book.notice(item, _read_facts(facts_file), situation, when, _parse_date(on, "--on") if on else None)
    text = serialise.dumps(serialise.notice_json(result)) + "\n" if as_json else render_notice(result, fmt)
    _emit(text, out)


@cli.command(name="guide")
@click.argument("item", required=False)
@click.option(
    "--all", "all_items", is_flag=True, help="Write every item, bundle and citation as a site (needs --out DIR)."
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "markdown", "html"]),
    help="text (the default), markdown or html; a site (--all) is html (the default) or markdown.",
)
@_ON_OPTION
@click.option("--public", is_flag=True, help="Leave out the staff annotations (notes of kind gap or conflict).")
@click.option("--out", "out", type=click.Path(path_type=Path), help="Write to this file (with --all: this directory).")
@_RULES_OPTION
def guide_command(
    item: str | None,
    all_items: bool,
    fmt: str | None,
    on: str | None,
    public: bool,
    out: Path | None,
    rules_dir: Path | None,
) -> None:
    """The 办事指南 of ITEM or a bundle, rendered from the rules in the source's layout."""
    book = _load(rules_dir)
    day = _parse_date(on, "--on") if on else None
    if all_items:
        if item is not None or out is None:
            _fail("--all 需要 --out DIR 且不带事项 (--all takes --out DIR and no ITEM)")
            return
        if fmt == "text":
            _fail("网站只能是 HTML 或 Markdown (a site (--all) is written as html or markdown, not text)")
            return
        written = write_site(book, out, fmt or "html", public, day)
        click.echo(f"{len(written)} files written to {out}")
        return
    if item is None:
        _fail("请给出事项或一件事 (give an ITEM or a bundle), 或用 (or use) --all --out DIR")
        return
    _emit(render_guide(book.guide(item, day), fmt or "text", public), out)


def _emit(text: str, out: Path | None) -> None:
    """A document on stdout, or into ``--out`` (a write that fails is bad input: exit 2)."""
    if out is None:
        click.echo(text, nl=False)
        return
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise click.BadParameter(f"无法写入 (cannot write) {out}: {exc.strerror or exc}", param_hint="--out") from None


@cli.command(name="facts")
@_RULES_OPTION
@click.option("--json", "as_json", is_flag=True, help="Output JSON.")
def facts_command(rules_dir: Path | None, as_json: bool) -> None:
    """The fact vocabulary: type, allowed values, question, source and the items using each fact."""
    entries = fact_reference(_load(rules_dir))
    if as_json:
        _dump([e.to_json() for e in entries])
        return
    for e in entries:
        click.echo(f"{e.key}  [{TYPE_LABELS[e.type]}]  {e.label}")
        click.echo(f"    问：{e.question}")
        if e.values:
            click.echo(f"    取值：{'、'.join(e.values)}")
        if e.source:
            click.echo(f"    来源：{e.source}")
        click.echo(f"    使用的事项：{'、'.join(e.items) if e.items else '（无）'}")


@cli.group(name="new")
def new_group() -> None:
    """Start a new rule file: an item skeleton or a holiday-notice template."""


def _rules_root(rules_dir: Path | None) -> Path:
    """Where a new file goes: --rules (or $YIBAO_RULES), else ./rules — never the embedded rulebook."""
    return rules_dir if rules_dir is not None else Path("rules")


@new_group.command(name="item")
@click.argument("item_id")
@click.option("--name", "name", required=True, help="The item's Chinese name, as the source writes it.")
@click.option("--source", "source", help="Citation id of the source guide (default: the first in citations.yaml).")
@click.option("--jurisdiction", default="620000", show_default=True, help="6-digit admin code.")
@_RULES_OPTION
def new_item(item_id: str, name: str, source: str | None, jurisdiction: str, rules_dir: Path | None) -> None:
    """Write items/ITEM_ID.yaml: every field present, empty, commented in Chinese; passes `check`."""
    root = _rules_root(rules_dir)
    book = _load(root)
    if source is None:
        source = next(iter(book.citations))
    elif source not in book.citations:
        _fail(f"未知的来源 (unknown citation) '{source}'")
    if jurisdiction not in book.jurisdictions:
        known = "、".join(f"{code}（{j.name}）" for code, j in sorted(book.jurisdictions.items()))
        _fail(f"未知的辖区 (unknown jurisdiction) '{jurisdiction}'; 已有 (known): {known}")
    if item_id in book.items or any(i.name == name for i in book.items.values()):
        _fail(f"事项已存在 (an item '{item_id}' or named '{name}' exists)")
    path = write_new(root / "items" / f"{item_id}.yaml", item_skeleton(item_id, name, source, jurisdiction))
    click.echo(str(path))


@new_group.command(name="calendar")
@click.argument("year", type=int)
@_RULES_OPTION
def new_calendar(year: int, rules_dir: Path | None) -> None:
    """Write calendar/YEAR.yaml, the template of a holiday notice; `check` passes once dates are filled in."""
    path = write_new(_rules_root(rules_dir) / "calendar" / f"{year}.yaml", calendar_template(year))
    click.echo(str(path))


@cli.command(name="schema")
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), help="Write one file per kind here.")
@_RULES_OPTION
def schema_command(out: Path | None, rules_dir: Path | None) -> None:
    """JSON Schemas (draft 2020-12) of the rule files, for an editor's YAML language server.

    Enum values come from the rulebook's fact vocabulary (a named set lists its fact's values).
    """
    enums = enum_facts(_load(rules_dir))
    if out is None:
        _dump(json_schemas(enums))
        return
    for path in write_schemas(out, enums):
        click.echo(str(path))


def enum_facts(book: Rulebook) -> dict[str, tuple[str, ...]]:
    """The enum and enum_set facts of the vocabulary, for the schemas."""
    return {key: fact.values for key, fact in book.vocabulary.facts.items() if fact.kind in ("enum", "enum_set")}


def _parse_submitted(value: str) -> dt.datetime | dt.date:
    try:
        return parse_submission(value)
    except MomentError as exc:
        raise click.BadParameter(str(exc), param_hint="--submitted") from None


# -- the service -----------------------------------------------------------------------------


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="Port to listen on.")
@_RULES_OPTION
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True, help="Worker processes.")
@click.option("--access-log", is_flag=True, help="Log every request (off: a reverse proxy usually logs them).")
def serve(host: str, port: int, rules_dir: Path | None, workers: int, access_log: bool) -> None:
    """Serve the rulebook over HTTP: /api/v1 (OpenAPI at /openapi.json, docs at /docs) and web pages at /."""
    import os

    import uvicorn

    from yibao_rules.server import create_app

    book = _load(rules_dir)  # a broken rules directory exits 1 before any worker starts
    try:  # a port in use or an address not ours is bad input: say so before printing the banner
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except OSError as exc:
        _fail(f"无法在 {host}:{port} 上监听 (cannot listen on {host}:{port}: {exc.strerror or exc})")
    click.echo(f"yibao-rules {book.version}: http://{host}:{port}/ (API /api/v1, docs /docs)", err=True)
    if workers == 1:
        uvicorn.run(create_app(book), host=host, port=port, access_log=access_log, log_level="warning")
        return
    # Each worker process loads the rules itself, from the same directory.
    if rules_dir is not None:
        os.environ["YIBAO_RULES"] = str(rules_dir.resolve())
    else:
        os.environ.pop("YIBAO_RULES", None)
    uvicorn.run(
        "yibao_rules.server:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=access_log,
        log_level="warning",
    )


_CELL = 6  # display columns per day of the month grid


def _cell(text: str) -> str:
    """``text`` padded to one grid cell by display width (休 and 班 take two columns)."""
    return text + " " * max(_CELL - wcwidth.wcswidth(text), 1)


@cli.command(name="batch")
@click.argument("item")
@click.option(
    "--population",
    required=True,
    type=click.Path(path_type=Path),
    help="Parquet, CSV or JSON Lines; columns are fact keys.",
)
@_ON_OPTION
@click.option("--out", required=True, type=click.Path(path_type=Path), help="Parquet or CSV, one row per input row.")
@click.option("--engine", type=click.Choice(["duckdb", "spark"]), default="duckdb", show_default=True)
@click.option("--master", default="local[2]", show_default=True, help="Spark master URL (with --engine spark).")
@click.option(
    "--on-bad-rows",
    type=click.Choice(["stop", "report"]),
    default="stop",
    show_default=True,
    help="A value outside its fact's type stops the run, or makes that row 'invalid' with the reason.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON on stdout.")
@_RULES_OPTION
def batch_command(
    item: str,
    population: Path,
    on: str | None,
    out: Path,
    engine: str,
    master: str,
    on_bad_rows: str,
    as_json: bool,
    rules_dir: Path | None,
) -> None:
    """Decide ITEM for every row of a population (免申即享): the rules compiled to SQL.

    Progress and a summary (rows per status and per failing rule) go to stderr.
    """
    from yibao_rules.batch.console import run_batch_command

    book = _load(rules_dir)
    day = _parse_date(on, "--on") if on else beijing_today()
    try:
        summary = run_batch_command(book, item, population, day, out, engine, master, on_bad_rows)
    except YibaoError as exc:
        _fail(str(exc))
        return
    if as_json:
        _dump(
            {
                "item": book.item(item).name,
                "item_id": book.item(item).id,
                "on": day.isoformat(),
                "out": str(out),
                **summary,
            }
        )


@cli.command(name="sql")
@click.argument("item")
@_ON_OPTION
@click.option(
    "--dialect", default="duckdb", show_default=True, help="Any dialect sqlglot writes (duckdb, postgres, spark…)."
)
@click.option(
    "--table", default="population", show_default=True, help="The table of the population (columns are fact keys)."
)
@click.option("--keep", multiple=True, help="A column of the table to pass through (a person id); may be repeated.")
@_RULES_OPTION
def sql_command(
    item: str, on: str | None, dialect: str, table: str, keep: tuple[str, ...], rules_dir: Path | None
) -> None:
    """Print the SELECT that decides ITEM for every row of TABLE, to run in your own database."""
    from yibao_rules.batch.console import item_sql

    book = _load(rules_dir)
    day = _parse_date(on, "--on") if on else beijing_today()
    try:
        click.echo(item_sql(book, item, day, dialect, table, keep))
    except YibaoError as exc:
        _fail(str(exc))


@cli.command(name="synth")
@click.option("--rows", required=True, type=click.IntRange(min=0), help="How many rows.")
@click.option("--out", required=True, type=click.Path(path_type=Path), help="Parquet or CSV.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--unknown-rate", type=float, default=0.1, show_default=True, help="Fraction of values left unknown.")
@_RULES_OPTION
def synth_command(rows: int, out: Path, seed: int, unknown_rate: float, rules_dir: Path | None) -> None:
    """Write a synthetic population over every fact of the vocabulary (labelled synthetic)."""
    from yibao_rules.batch.synth import synthesise

    book = _load(rules_dir)
    try:
        synthesise(book, rows, out, seed=seed, unknown_rate=unknown_rate)
    except YibaoError as exc:
        _fail(str(exc))
    click.echo(f"{rows} 行合成数据 (synthetic rows) → {out}", err=True)


@cli.command(name="impact")
@click.argument("old_rules", type=click.Path(path_type=Path))
@click.argument("new_rules", type=click.Path(path_type=Path))
@click.option("--population", required=True, type=click.Path(path_type=Path), help="Parquet, CSV or JSON Lines.")
@click.option("--item", "items", multiple=True, help="Only this item (id or name); may be repeated.")
@_ON_OPTION
@click.option("--examples", type=click.IntRange(min=0), default=3, show_default=True, help="Example rows per change.")
@click.option("--json", "as_json", is_flag=True, help="Output JSON.")
def impact_command(
    old_rules: Path,
    new_rules: Path,
    population: Path,
    items: tuple[str, ...],
    on: str | None,
    examples: int,
    as_json: bool,
) -> None:
    """Count the rows of a population whose status changes from OLD_RULES to NEW_RULES, per item."""
    from yibao_rules.batch.impact import impact

    old, new = _load(old_rules), _load(new_rules)
    day = _parse_date(on, "--on") if on else beijing_today()
    try:
        rows, found = impact(old, new, population, day, items=items or None, examples=examples)
    except YibaoError as exc:
        _fail(str(exc))
        return
    if as_json:
        _dump({"rows": rows, "on": day.isoformat(), "items": [i.to_json() for i in found]})
        return
    click.echo(f"{rows} 行，于 {day} (rows, on {day})")
    for entry in found:
        for change in entry.changes:
            click.echo(
                f"! {entry.item}：{change.old} → {change.new}  {change.count} 行 (rows)"
                f"  规则 (rules)：{'、'.join(change.rules) or '—'}"
            )
    if not any(entry.changes for entry in found):
        click.echo("没有行的结论改变 (no row changes status)")


def main() -> None:
    """Console entry point: turns library errors into ``Error: …`` and exit code 2."""
    try:
        cli.main(standalone_mode=True)
    except YibaoError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
