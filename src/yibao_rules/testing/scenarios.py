"""YAML scenario tests: policy staff write cases, the library checks them.

A scenario file names one item (or bundle) and lists cases::

    item: 职工医保个人账户家庭共济办理
    source: 甘肃省就医费用报销“一件事”办事指南       # where the expectations come from
    cases:
      - name: 兄弟姐妹，246号实施前
        on: 2022-07-01                              # decision date
        facts:
          family_member: {relationship: 兄弟姐妹}
        expect:
          status: ineligible                        # eligible | ineligible | undetermined
          failed: [relative_in_scope_111]           # rule ids that fail (exactly these)
      - name: 意外伤害就医的材料
        situation: 意外伤害就医
        expect:
          materials: [医保电子凭证或有效身份证件或社保卡, …]   # exactly, in order
      - name: 五一前提交
        submitted: 2026-04-30T17:30
        expect:
          received: 2026-05-06
          due: {stated: 2026-05-19}                 # legal / promised / stated

``expect`` may also hold ``passed``, ``missing_facts``, ``includes_materials`` (a subset) and
``provisional``. Every mismatch is reported with the file and line of its case.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from yibao_rules.errors import Problem, RulebookError, SourceLocation, YibaoError
from yibao_rules.rulebook import Rulebook
from yibao_rules.validation import translate_validation_error
from yibao_rules.yaml_source import YamlDocument, read_yaml

__all__ = ["CaseResult", "ScenarioFile", "load_scenarios", "run_case", "run_scenarios"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Expect(_Model):
    status: Literal["eligible", "ineligible", "undetermined"] | None = None
    failed: list[str] | None = None
    passed: list[str] | None = None
    missing_facts: list[str] | None = None
    materials: list[str] | None = None
    includes_materials: list[str] | None = None
    received: dt.date | None = None
    due: dict[Literal["legal", "promised", "stated"], dt.date | None] | None = None
    provisional: bool | None = None


class Case(_Model):
    name: str
    item: str | None = None
    on: dt.date | None = None
    facts: dict[str, Any] = {}
    situation: str | None = None
    submitted: dt.datetime | dt.date | None = None
    pauses: list[tuple[dt.date, dt.date]] = []
    expect: Expect


class ScenarioFile(_Model):
    item: str | None = None
    bundle: str | None = None
    source: str | None = None
    cases: list[Case]


@dataclass(frozen=True)
class CaseResult:
    file: str
    line: int
    scenario: str
    case: str
    failures: tuple[str, ...] = ()
    error: str | None = None

    @property
    def ok(self) -> bool:
        return not self.failures and self.error is None

    def report(self) -> str:
        head = f"{self.file}:{self.line}: {self.scenario} › {self.case}"
        if self.ok:
            return f"PASS {head}"
        lines = [f"FAIL {head}"]
        if self.error:
            lines.append(f"    error: {self.error}")
        lines += [f"    {f}" for f in self.failures]
        return "\n".join(lines)


@dataclass
class LoadedScenarios:
    path: Path
    doc: YamlDocument
    model: ScenarioFile
    problems: list[Problem] = field(default_factory=list)


def load_scenarios(paths: Iterable[Path]) -> list[LoadedScenarios]:
    """Read scenario files; all problems are reported together as a RulebookError."""

    loaded: list[LoadedScenarios] = []
    problems: list[Problem] = []
    for path in paths:
        doc, found = read_yaml(path, str(path))
        problems += found
        if doc is None or found:
            continue
        try:
            model = ScenarioFile.model_validate(doc.data)
        except ValidationError as exc:
            problems += translate_validation_error(exc, doc, ScenarioFile)
            continue
        if model.item is not None and model.bundle is not None:
            problems.append(
                Problem(SourceLocation(str(path), 1, 1), "a scenario file names 'item' or 'bundle', not both")
            )
            continue
        unnamed = [
            i for i, case in enumerate(model.cases) if case.item is None and model.item is None and model.bundle is None
        ]
        problems += [loaded_problem(doc, i) for i in unnamed]
        if not unnamed:
            loaded.append(LoadedScenarios(path, doc, model))
    if problems:
        raise RulebookError(problems)
    return loaded


def loaded_problem(doc: YamlDocument, index: int) -> Problem:
    return doc.problem(("cases", index), "这个用例没有指定事项 (case names no item, and the file names none)")


def scenario_files(target: Path) -> list[Path]:
    if target.is_file():
        return [target]
    return sorted(p for p in target.rglob("*") if p.suffix in (".yaml", ".yml"))


def run_scenarios(book: Rulebook, target: Path) -> list[CaseResult]:
    """Run every case of every scenario file under ``target`` (a file or a directory)."""
    results: list[CaseResult] = []
    for loaded in load_scenarios(scenario_files(target)):
        for i, case in enumerate(loaded.model.cases):
            results.append(run_case(book, loaded, i, case))
    return results


def run_case(book: Rulebook, loaded: LoadedScenarios, index: int, case: Case) -> CaseResult:
    model = loaded.model
    subject = case.item or model.item or model.bundle or ""
    line = loaded.doc.location(("cases", index)).line
    base = dict(file=str(loaded.path), line=line, scenario=subject, case=case.name)
    try:
        failures = _check(book, model, case)
    except YibaoError as exc:
        return CaseResult(**base, error=str(exc))  # type: ignore[arg-type]
    return CaseResult(**base, failures=tuple(failures))  # type: ignore[arg-type]


def _check(book: Rulebook, model: ScenarioFile, case: Case) -> list[str]:
    expect = case.expect
    failures: list[str] = []

    def compare(what: str, expected: Any, actual: Any) -> None:
        if expected is not None and expected != actual:
            failures.append(f"{what}: expected {expected!r}, got {actual!r}")

    wants_decision = any(v is not None for v in (expect.status, expect.failed, expect.passed, expect.missing_facts))
    if model.bundle is not None and case.item is None:
        merged = book.bundle_report(model.bundle, case.facts, case.on)
        compare("materials", expect.materials, [m.name for m in merged.materials])
        if wants_decision:
            failures.append("bundle scenarios check materials only; give 'item' for decisions")
        return failures
    item = case.item or model.item or ""
    if wants_decision:
        decision = book.decide(item, case.facts, case.on)
        compare("status", expect.status, decision.status)
        compare(
            "failed",
            sorted(expect.failed) if expect.failed is not None else None,
            sorted(r.rule for r in decision.reasons if r.outcome == "failed"),
        )
        compare(
            "passed",
            sorted(expect.passed) if expect.passed is not None else None,
            sorted(r.rule for r in decision.reasons if r.outcome == "passed"),
        )
        compare(
            "missing_facts",
            sorted(expect.missing_facts) if expect.missing_facts is not None else None,
            sorted(decision.missing_facts),
        )
    if expect.materials is not None or expect.includes_materials is not None:
        names = [m.name for m in book.checklist(item, case.facts, case.situation, case.on).materials]
        compare("materials", expect.materials, names)
        missing = [n for n in expect.includes_materials or [] if n not in names]
        if missing:
            failures.append(f"materials: expected to include {missing!r}, got {names!r}")
    if case.submitted is not None:
        report = book.deadline(item, case.submitted, situation=case.situation, pauses=case.pauses)
        compare("received", expect.received, report.receipt.received)
        for basis, due in (expect.due or {}).items():
            if report.due(basis) != due:  # null is checked too: "no due date" is an expectation
                failures.append(f"due.{basis}: expected {due!r}, got {report.due(basis)!r}")
        compare("provisional", expect.provisional, report.provisional)
    elif expect.received is not None or expect.due is not None:
        failures.append("'received' / 'due' need 'submitted'")
    return failures
