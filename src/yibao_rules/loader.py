"""Loading a rules directory: YAML with marks → models → cross-reference checks → compiled rules.

Every problem found is collected, located (``path:line:col``) and reported together in
one :class:`~yibao_rules.errors.RulebookError`; nothing is silently skipped.

Layout of a rules directory::

    facts.yaml                   the fact vocabulary
    citations.yaml               policy documents and source guides
    reference/admin_divisions.yaml
    eligibility/*.yaml           named sets and predicates
    items/**/*.yaml              one service item per file
    bundles/*.yaml               one 一件事 / 一事联办 bundle per file
    jurisdictions/*.yaml         one jurisdiction per file (office hours)
    calendar/*.yaml              holiday notices newer than the installed data
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from yibao_rules import schema as S
from yibao_rules.compiled import (
    DECIDING_NOTE_KINDS,
    CompiledCondition,
    CompiledItem,
    CompiledRulebook,
    LoadedBundle,
    RulePlan,
    citation_label,
    policy_note,
    rule_start,
)
from yibao_rules.errors import ConditionError, Problem, RulebookError, SourceLocation, did_you_mean
from yibao_rules.expr import Checked, Evaluator, Type, compile_expr, link_predicates, parse, predicate_reader, typecheck
from yibao_rules.expr import types as T
from yibao_rules.expr.ast import Name, walk
from yibao_rules.resources import default_rules_path, rulebook_version
from yibao_rules.results import Reason
from yibao_rules.validation import translate_validation_error
from yibao_rules.vocabulary import AdminDivisions, Fact, Vocabulary
from yibao_rules.yaml_source import YamlDocument, YamlPath, cap_problems, read_yaml

__all__ = ["load_compiled"]

M = TypeVar("M", bound=BaseModel)

_TOP_FILES = {"facts.yaml", "citations.yaml", "materials.yaml"}
# schemas: the JSON Schemas an editor validates the rule files with (yibao-rules schema)
_DIRS = {"items", "bundles", "eligibility", "jurisdictions", "calendar", "reference", "schemas"}


def load_compiled(path: str | Path | None = None) -> CompiledRulebook:
    """Load, validate and compile a rules directory (default: the embedded rulebook).

    Raises :class:`~yibao_rules.errors.RulebookError` listing every problem found.

    Most callers want :func:`yibao_rules.load_rulebook`, which wraps the result in the
    :class:`~yibao_rules.rulebook.Rulebook` facade.
    """
    root = Path(path) if path is not None else default_rules_path()
    return _Loader(root).load()


@dataclass
class _Loader:
    root: Path
    problems: list[Problem] = field(default_factory=list)
    failed: set[tuple[str, str]] = field(default_factory=set)
    documents: dict[str, YamlDocument] = field(default_factory=dict)
    cited: list[tuple[YamlDocument, BaseModel]] = field(default_factory=list)
    linker: _Linker | None = None

    # -- files -------------------------------------------------------------------------
    def read(self, file: Path, model: type[M]) -> tuple[YamlDocument, M] | None:
        doc, problems = read_yaml(file, str(file), self.root)
        self.problems.extend(problems)
        if doc is not None:
            self.documents[doc.path] = doc
        if doc is None or problems:
            return None
        try:
            return doc, model.model_validate(doc.data)
        except ValidationError as exc:
            self.problems.extend(translate_validation_error(exc, doc, model))
            return None

    def files(self, sub: str) -> list[Path]:
        folder = self.root / sub
        if not folder.is_dir():
            return []
        return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix in (".yaml", ".yml"))

    def missing(self, name: str) -> None:
        self.problems.append(
            Problem(SourceLocation(str(self.root / name), 1, 1), f"缺少文件 (required file {name} is missing)")
        )

    def check_layout(self) -> None:
        for entry in sorted(self.root.iterdir()):
            if entry.name.startswith(".") or entry.name in _TOP_FILES or entry.name in _DIRS:
                continue
            if entry.is_file() and entry.name.lower() in ("readme.md", "readme.txt"):
                continue
            hint = did_you_mean(entry.name, [*_TOP_FILES, *_DIRS])
            self.problems.append(
                Problem(
                    SourceLocation(str(entry), 1, 1),
                    f"规则库中的未知文件或目录 (unexpected entry in the rules directory{hint}; "
                    f"expected: {', '.join(sorted(_TOP_FILES | _DIRS))})",
                )
            )

    # -- the whole load ------------------------------------------------------------------
    def load(self) -> CompiledRulebook:
        if not self.root.is_dir():
            message = (
                "这是一个文件，不是规则目录 (a file, not a rules directory: give the folder that holds facts.yaml)"
                if self.root.is_file()
                else "规则目录不存在 (rules directory not found)"
            )
            raise RulebookError([Problem(SourceLocation(str(self.root), 1, 1), message)])
        self.check_layout()
        vocabulary = self.load_vocabulary()
        citations = self.load_citations()
        catalogue = self.load_materials()
        sets, predicates_raw = self.load_eligibility()
        jurisdictions = self.load_all("jurisdictions", S.Jurisdiction)
        items_raw = self.load_all("items", S.Item)
        bundles_raw = self.load_all("bundles", S.Bundle)
        notices = self.load_all("calendar", S.CalendarNotice)
        years = [n.year for _, n in notices]
        for doc, notice in notices:
            if years.count(notice.year) > 1:
                self.problems.append(doc.problem(("year",), f"同一年份有多份通知 (two notices for {notice.year})"))

        if vocabulary is None:
            raise RulebookError(_capped(self.problems))
        scope = _Scope(vocabulary, sets, {name: p for name, (_, p, _) in predicates_raw.items()})
        cite = _CitationChecker(citations or {}, self.problems)
        for doc, model in self.cited:
            cite.check_all(doc, model)
        for doc, jurisdiction in jurisdictions:
            cite.check_all(doc, jurisdiction)
        self.check_sets(sets, vocabulary, cite)
        predicates = self.compile_predicates(predicates_raw, scope, cite)
        compiler = _Compiler(scope, predicates, self.problems, self.linker or _Linker(scope.values))
        notes = _PolicyNotes(
            {name: s for name, (_, s) in sets.items()},
            {name: p for name, (_, p, _) in predicates_raw.items()},
            predicates,
            citations or {},
        )

        items: dict[str, CompiledItem] = {}
        names: dict[str, str] = {}
        jurisdiction_codes = {j.code for _, j in jurisdictions}
        for doc, item in items_raw:
            if item.id in items:
                self.problems.append(
                    doc.problem(
                        ("id",), f"重复的事项 id '{item.id}' (duplicate item id; also in {items[item.id].file})"
                    )
                )
                continue
            if item.name in names:
                self.problems.append(
                    doc.problem(("name",), f"重复的事项名称 (duplicate item name; also {names[item.name]})")
                )
            names[item.name] = item.id
            self.check_file_named_after_id(doc, "items", item.id)
            self.check_item(doc, item, cite, jurisdiction_codes)
            conditions = compiler.item_conditions(doc, item)
            plan = _plan(item, conditions, citations or {}, notes)
            items[item.id] = CompiledItem(
                item, doc.path, conditions, doc, plan, _lineages(item), _dated_from(item, citations or {})
            )
        for doc, item in items_raw:
            if item.implements is not None and item.implements not in items:
                self.problems.append(
                    doc.problem(
                        ("implements",),
                        f"未知的事项 (unknown item) '{item.implements}'{did_you_mean(item.implements, items)}",
                    )
                )

        bundles: dict[str, LoadedBundle] = {}
        for doc, bundle in bundles_raw:
            if bundle.id in bundles or bundle.id in items:
                self.problems.append(doc.problem(("id",), f"重复的 id '{bundle.id}' (duplicate id)"))
                continue
            self.check_file_named_after_id(doc, "bundles", bundle.id)
            self.check_bundle(doc, bundle, items, cite, jurisdiction_codes)
            bundles[bundle.id] = LoadedBundle(bundle, doc.path, doc)

        if self.problems:
            raise RulebookError(_capped(self.problems))
        return CompiledRulebook(
            root=self.root,
            vocabulary=vocabulary,
            citations=citations or {},
            items=items,
            bundles=bundles,
            jurisdictions={j.code: j for _, j in jurisdictions},
            sets={name: s for name, (_, s) in sets.items()},
            predicates=predicates,
            documents=self.documents,
            version=rulebook_version(
                {
                    Path(path).relative_to(self.root).as_posix(): "\n".join(doc.lines)
                    for path, doc in self.documents.items()
                }
            ),
            material_names=catalogue,
        )

    def load_all(self, sub: str, model: type[M]) -> list[tuple[YamlDocument, M]]:
        out = []
        for file in self.files(sub):
            loaded = self.read(file, model)
            if loaded is None:
                self.failed.add((sub, file.stem))
            else:
                out.append(loaded)
        return out

    def check_file_named_after_id(self, doc: YamlDocument, sub: str, entry_id: str) -> None:
        """Items and bundles live in ``<id>.yaml``, so an id is easy to find and a file that
        fails to parse can still be recognised by what it defines."""
        stem = Path(doc.path).stem
        if stem != entry_id:
            self.problems.append(
                doc.problem(("id",), f"文件名须与 id 一致 (file must be named {entry_id}.yaml, or the id be '{stem}')")
            )

    def load_vocabulary(self) -> Vocabulary | None:
        facts_file = self.root / "facts.yaml"
        divisions_file = self.root / "reference" / "admin_divisions.yaml"
        for f in (facts_file, divisions_file):
            if not f.is_file():
                self.missing(str(f.relative_to(self.root)))
        loaded = self.read(facts_file, S.VocabularyFile) if facts_file.is_file() else None
        divisions = self.read(divisions_file, S.AdminDivisionsFile) if divisions_file.is_file() else None
        if loaded is None or divisions is None:
            return None
        doc, vocab = loaded
        self.cited.append((doc, vocab))
        for key in vocab.facts:
            party = key.split(".", 1)[0]
            if party not in vocab.parties:
                self.problems.append(
                    doc.problem(
                        ("facts", key),
                        f"未声明的当事方 '{party}' (party not declared "
                        f"under 'parties'{did_you_mean(party, vocab.parties)})",
                        key=True,
                    )
                )
        facts = {
            key: Fact(key, spec.type, spec.label, spec.question, tuple(spec.values or ()), spec)
            for key, spec in vocab.facts.items()
        }
        return Vocabulary(vocab.parties, facts, AdminDivisions.of(divisions[1].divisions))

    def load_citations(self) -> dict[str, S.Citation] | None:
        file = self.root / "citations.yaml"
        if not file.is_file():
            self.missing("citations.yaml")
            return None
        loaded = self.read(file, S.CitationsFile)
        if loaded is None:
            return None
        self.cited.append(loaded)
        return dict(loaded[1].citations)

    def load_materials(self) -> dict[str, str]:
        """``materials.yaml`` (optional): every spelling of a catalogued material → its name."""
        file = self.root / "materials.yaml"
        if not file.is_file():
            return {}
        loaded = self.read(file, S.MaterialsFile)
        if loaded is None:
            return {}
        doc, catalogue = loaded
        self.cited.append(loaded)
        identity: dict[str, str] = {}
        for name, entry in catalogue.materials.items():
            for k, alias in enumerate([name, *entry.aliases]):
                other = identity.get(alias)
                if other is not None:
                    where = ("materials", name, "aliases", k - 1) if k else ("materials", name)
                    self.problems.append(
                        doc.problem(
                            where,
                            f"材料名称 '{alias}' 在材料目录中出现两次（另见 '{other}'） "
                            f"(a spelling may belong to one catalogue entry only)",
                            key=not k,
                        )
                    )
                    continue
                identity[alias] = name
        return identity

    def load_eligibility(
        self,
    ) -> tuple[dict[str, tuple[YamlDocument, S.NamedSet]], dict[str, tuple[YamlDocument, S.Predicate, YamlPath]]]:
        sets: dict[str, tuple[YamlDocument, S.NamedSet]] = {}
        predicates: dict[str, tuple[YamlDocument, S.Predicate, YamlPath]] = {}
        for doc, file in self.load_all("eligibility", S.EligibilityFile):
            for name, named_set in file.sets.items():
                self.check_global_name(doc, ("sets", name), name, sets, predicates)
                sets[name] = (doc, named_set)
            for name, predicate in file.predicates.items():
                self.check_global_name(doc, ("predicates", name), name, sets, predicates)
                predicates[name] = (doc, predicate, ("predicates", name, "condition"))
        return sets, predicates

    def check_global_name(self, doc: YamlDocument, path: YamlPath, name: str, *tables: Mapping[str, Any]) -> None:
        if not name.isidentifier() or "." in name:
            self.problems.append(
                doc.problem(
                    path,
                    f"名称 '{name}' 只能包含文字、数字和下划线 (names may contain letters, digits and _ only)",
                    key=True,
                )
            )
        for table in tables:
            if name in table:
                self.problems.append(
                    doc.problem(
                        path, f"名称 '{name}' 重复定义 (defined twice; also in {table[name][0].path})", key=True
                    )
                )

    def check_sets(
        self,
        sets: Mapping[str, tuple[YamlDocument, S.NamedSet]],
        vocabulary: Vocabulary,
        cite: _CitationChecker,
    ) -> None:
        for name, (doc, named_set) in sets.items():
            base = ("sets", name)
            cite.check_all(doc, named_set, base)
            fact = vocabulary.facts.get(named_set.of)
            if fact is None:
                self.problems.append(
                    doc.problem(
                        (*base, "of"),
                        f"未知的事实 (unknown fact) '{named_set.of}'{did_you_mean(named_set.of, vocabulary.facts)}",
                    )
                )
                continue
            if fact.kind != "enum":
                self.problems.append(
                    doc.problem(
                        (*base, "of"),
                        f"'{named_set.of}' 不是枚举类型 (a named set "
                        f"must list values of an enum fact; this is {fact.kind})",
                    )
                )
                continue
            for i, value in enumerate(named_set.values):
                if value not in fact.values:
                    self.problems.append(
                        doc.problem(
                            (*base, "values", i),
                            f"不是可选值 (not an allowed value of {fact.key}) "
                            f"'{value}'{did_you_mean(value, fact.values)}",
                        )
                    )

    def compile_predicates(
        self,
        raw: Mapping[str, tuple[YamlDocument, S.Predicate, YamlPath]],
        scope: _Scope,
        cite: _CitationChecker,
    ) -> dict[str, CompiledCondition]:
        checked: dict[str, Checked] = {}
        for name, (doc, predicate, path) in raw.items():
            cite.check_all(doc, predicate, ("predicates", name))
            result = _check_condition(doc, path, predicate.condition, scope, self.problems)
            if result is not None:
                checked[name] = result
        order = self.predicate_order(raw, checked)
        linker = _Linker(scope.values)
        compiled: dict[str, CompiledCondition] = {}
        for name in order:
            if not all(dep in compiled for dep in checked[name].predicates):
                continue  # a predicate it uses is in a cycle or failed to check: already reported
            doc, predicate, path = raw[name]
            linker.add(name, checked[name])
            compiled[name] = CompiledCondition(
                predicate.condition,
                checked[name],
                linker.link(checked[name], name),
                doc.location(path),
                _all_facts(checked[name], compiled),
            )
        self.linker = linker
        return compiled

    def predicate_order(
        self, raw: Mapping[str, tuple[YamlDocument, S.Predicate, YamlPath]], checked: Mapping[str, Checked]
    ) -> list[str]:
        """The checked predicates, each after those it uses; each cycle reported once.

        Iterative depth-first search, so a chain of any length is safe.
        """
        order: list[str] = []
        state: dict[str, int] = {}  # 1: on the current path, 2: done
        for root in checked:
            if root in state:
                continue
            path: list[str] = [root]
            pending: list[list[str]] = [sorted(checked[root].predicates, reverse=True)]
            state[root] = 1
            while path:
                deps = pending[-1]
                if deps:
                    dep = deps.pop()
                    if dep not in checked or state.get(dep) == 2:
                        continue
                    if state.get(dep) == 1:
                        doc, _, where = raw[dep]
                        cycle = " → ".join([*path[path.index(dep) :], dep])
                        self.problems.append(
                            doc.problem(where, f"谓词循环引用 (predicates refer to each other in a cycle: {cycle})")
                        )
                        continue
                    state[dep] = 1
                    path.append(dep)
                    pending.append(sorted(checked[dep].predicates, reverse=True))
                    continue
                done = path.pop()
                pending.pop()
                state[done] = 2
                order.append(done)
        return order

    def check_item(self, doc: YamlDocument, item: S.Item, cite: _CitationChecker, jurisdictions: set[str]) -> None:
        cite.check_all(doc, item)
        if item.jurisdiction not in jurisdictions:
            self.problems.append(
                doc.problem(
                    ("jurisdiction",),
                    f"未知的辖区代码 '{item.jurisdiction}' (no jurisdictions/*.yaml defines this code)",
                )
            )
        rule_ids: set[str] = set()
        for i, rule in enumerate(item.eligibility):
            if rule.id in rule_ids:
                self.problems.append(
                    doc.problem(("eligibility", i, "id"), f"重复的规则 id '{rule.id}' (duplicate rule id)")
                )
            rule_ids.add(rule.id)
        situations = [s.name for s in item.situations]
        earlier: set[str] = set()
        for i, situation in enumerate(item.situations):
            listed: set[str] = set()
            for j, parent in enumerate(situation.inherits):
                if parent in listed:
                    self.problems.append(
                        doc.problem(
                            ("situations", i, "inherits", j),
                            f"重复继承情形 '{parent}' (this 情形 already inherits it; list each parent once)",
                        )
                    )
                    continue
                listed.add(parent)
                if parent not in earlier:
                    where = (
                        "earlier 情形 of this item" if parent not in situations else "an earlier 情形 (it comes later)"
                    )
                    self.problems.append(
                        doc.problem(
                            ("situations", i, "inherits", j),
                            f"未知的情形 '{parent}' "
                            f"(inherits must name an {where}"
                            f"{did_you_mean(parent, situations[:i])})",
                        )
                    )
            earlier.add(situation.name)
        for i, limit in enumerate(item.time_limits):
            if limit.situation is not None and limit.situation not in situations:
                self.problems.append(
                    doc.problem(
                        ("time_limits", i, "situation"),
                        f"未知的情形 '{limit.situation}' (unknown 情形{did_you_mean(limit.situation, situations)})",
                    )
                )
        if len(set(situations)) != len(situations):
            self.problems.append(doc.problem(("situations",), "情形名称重复 (two 情形 have the same name)"))

    def check_bundle(
        self,
        doc: YamlDocument,
        bundle: S.Bundle,
        items: Mapping[str, CompiledItem],
        cite: _CitationChecker,
        jurisdictions: set[str],
    ) -> None:
        cite.check_all(doc, bundle)
        if bundle.jurisdiction not in jurisdictions:
            self.problems.append(doc.problem(("jurisdiction",), f"未知的辖区代码 '{bundle.jurisdiction}'"))
        for i, member in enumerate(bundle.members):
            if member.item not in items and ("items", member.item) not in self.failed:
                names = list(items)
                self.problems.append(
                    doc.problem(
                        ("members", i, "item"),
                        f"未知的成员事项 (unknown bundle member) '{member.item}'{did_you_mean(member.item, names)}",
                    )
                )


class _PolicyNotes:
    """The notes that qualify a rule's answer: its own, those of the named sets and predicates its
    condition reaches (through predicates too), and its citation's; gap, conflict and
    interpretation only, each once."""

    def __init__(
        self,
        sets: Mapping[str, S.NamedSet],
        predicate_models: Mapping[str, S.Predicate],
        predicates: Mapping[str, CompiledCondition],
        citations: Mapping[str, S.Citation],
    ) -> None:
        self.sets, self.predicate_models, self.predicates, self.citations = (
            sets,
            predicate_models,
            predicates,
            citations,
        )

    def for_rule(self, rule: S.EligibilityRule, cond: CompiledCondition) -> tuple[str, ...]:
        found: list[str] = []

        def add(about: str, notes: Sequence[S.Note]) -> None:
            found.extend(policy_note(n.kind, about, n.text) for n in notes if n.kind in DECIDING_NOTE_KINDS)

        add(f"规则 {rule.id}", rule.notes)
        seen: set[str] = set()
        sets: set[str] = set(cond.checked.sets)
        todo = sorted(cond.checked.predicates)
        while todo:  # every predicate reached, once each (iterative: chains may be long)
            name = todo.pop()
            if name in seen:
                continue
            seen.add(name)
            model, compiled = self.predicate_models.get(name), self.predicates.get(name)
            if model is not None:
                add(f"谓词 {name}", model.notes)
            if compiled is not None:
                sets |= compiled.checked.sets
                todo.extend(sorted(compiled.checked.predicates - seen))
        for name in sorted(sets):
            if name in self.sets:
                add(f"集合 {name}", self.sets[name].notes)
        citation = self.citations.get(rule.citation.ref)
        if citation is not None:
            add(f"依据 {citation.document_number or '《' + citation.title + '》'}", citation.notes)
        return tuple(dict.fromkeys(found))


def _dated_from(item: S.Item, citations: Mapping[str, S.Citation]) -> tuple[dt.date, str] | None:
    """The earliest day any of the item's rules is known to apply (see :func:`rule_start`)."""
    starts = [s for rule in item.eligibility if (s := rule_start(rule, citations.get(rule.citation.ref)))]
    return min(starts, default=None)


def _plan(
    item: S.Item,
    conditions: Mapping[YamlPath, CompiledCondition],
    citations: Mapping[str, S.Citation],
    notes: _PolicyNotes,
) -> tuple[RulePlan, ...]:
    """Everything about an item's rules that does not depend on the facts, prepared once."""
    plan = []
    for i, rule in enumerate(item.eligibility):
        cond = conditions.get(("eligibility", i, "condition"))
        citation = citations.get(rule.citation.ref)
        if cond is None or citation is None:
            continue  # already reported as a problem; the rulebook will not load
        text = citation_label(citation, rule.citation)
        plan.append(
            RulePlan(
                rule,
                cond,
                text,
                rule.effective_from,
                rule.effective_to,
                Reason(rule.id, "passed", rule.label or f"满足条件：{rule.condition}", text, rule.condition),
                Reason(rule.id, "failed", rule.message, text, rule.condition),
                notes.for_rule(rule, cond),
            )
        )
    return tuple(plan)


def _all_facts(checked: Checked, predicates: Mapping[str, CompiledCondition]) -> frozenset[str]:
    return checked.facts.union(*(predicates[p].facts for p in checked.predicates if p in predicates))


@dataclass
class _Scope:
    """What conditions may refer to: facts, named sets and predicates."""

    vocabulary: Vocabulary
    raw_sets: Mapping[str, tuple[YamlDocument, S.NamedSet]]
    raw_predicates: Mapping[str, S.Predicate]
    values: dict[str, frozenset[Any]] = field(init=False)

    def __post_init__(self) -> None:
        self.values = {name: frozenset(s.values) for name, (_, s) in self.raw_sets.items()}

    def fact_type(self, key: str) -> Type | None:
        return self.vocabulary.fact_type(key)

    def fact_keys(self) -> Collection[str]:
        return self.vocabulary.facts.keys()

    def set_type(self, name: str) -> Type | None:
        entry = self.raw_sets.get(name)
        if entry is None:
            return None
        fact = self.vocabulary.facts.get(entry[1].of)
        element = fact.type if fact is not None else T.TEXT
        return T.collection(element)

    def is_predicate(self, name: str) -> bool:
        return name in self.raw_predicates

    def global_names(self) -> list[str]:
        return [*self.raw_sets, *self.raw_predicates]

    def province_code(self, text: str) -> str | None:
        return self.vocabulary.divisions.province_code(text)

    def division_code(self, text: str) -> str | None:
        return self.vocabulary.divisions.division_code(text)


def _capped(problems: list[Problem]) -> list[Problem]:
    """At most MAX_PROBLEMS per file (the rest counted), so a huge broken rulebook stays readable."""
    by_file: dict[str, list[Problem]] = {}
    for problem in problems:
        by_file.setdefault(problem.location.path, []).append(problem)
    return [p for path, found in by_file.items() for p in cap_problems(found, path)]


def _lineages(item: S.Item) -> tuple[tuple[int, ...], ...]:
    """Per 情形: what it inherits (parents first, each once), then itself.

    Resolved once, in order: a 情形 may inherit only earlier ones, so each parent's lineage is
    already known. Unknown or later parents (reported by ``check_item``) are skipped.
    """
    index: dict[str, int] = {}
    out: list[tuple[int, ...]] = []
    for i, situation in enumerate(item.situations):
        lineage: dict[int, None] = {}
        for parent in situation.inherits:
            j = index.get(parent)
            if j is not None:
                lineage.update(dict.fromkeys(out[j]))
        lineage[i] = None
        out.append(tuple(lineage))
        index.setdefault(situation.name, i)
    return tuple(out)


class _Linker:
    """Compiles conditions so that each named predicate they use is computed once per evaluation.

    A predicate's body reads the predicates it uses from the evaluation's environment; a
    condition's closure computes the predicates it needs, dependencies first, then itself
    (see :func:`yibao_rules.expr.link_predicates`).

    The common case, where no predicate is reached twice and they nest only a few deep
    (``在甘肃省参保``), is compiled to direct calls instead: as fast as before, and with no
    repeated work to save.
    """

    INLINE_DEPTH = 8

    def __init__(self, sets: Mapping[str, frozenset[Any]]) -> None:
        self.sets = sets
        self.bodies: dict[str, Evaluator] = {}
        self.position: dict[str, int] = {}
        self.needs: dict[str, frozenset[str]] = {}
        self.readers: dict[str, Evaluator] = {}
        self.checked: dict[str, Checked] = {}
        self.inlined: dict[str, Evaluator] = {}

    def add(self, name: str, checked: Checked) -> None:
        """Register a predicate; those it uses must have been added before."""
        self.readers[name] = predicate_reader(name)
        self.checked[name] = checked
        self.bodies[name] = compile_expr(checked.expr, predicates=self.readers, sets=self.sets)
        self.position[name] = len(self.position)
        self.needs[name] = frozenset(checked.predicates).union(*(self.needs[p] for p in checked.predicates))
        if self.is_tree(checked):
            self.inlined[name] = compile_expr(
                checked.expr, predicates={p: self.inlined[p] for p in checked.predicates}, sets=self.sets
            )

    def is_tree(self, checked: Checked) -> bool:
        """Whether every predicate below ``checked`` is reached once, at most INLINE_DEPTH deep."""
        seen: set[str] = set()
        stack: list[tuple[Checked, int]] = [(checked, 0)]
        while stack:
            current, depth = stack.pop()
            refs = [n.name for n in walk(current.expr) if isinstance(n, Name) and n.name in self.checked]
            for ref in refs:
                if ref in seen or depth >= self.INLINE_DEPTH or ref not in self.inlined:
                    return False
                seen.add(ref)
                stack.append((self.checked[ref], depth + 1))
        return True

    def link(self, checked: Checked, name: str | None = None) -> Evaluator:
        if name is not None and name in self.inlined:
            return self.inlined[name]
        if name is None and self.is_tree(checked):
            return compile_expr(
                checked.expr, predicates={p: self.inlined[p] for p in checked.predicates}, sets=self.sets
            )
        uses = frozenset(checked.predicates).union(*(self.needs[p] for p in checked.predicates))
        body = (
            self.bodies[name]
            if name is not None
            else compile_expr(checked.expr, predicates=self.readers, sets=self.sets)
        )
        needed = [(p, self.bodies[p]) for p in sorted(uses, key=self.position.__getitem__)]
        return link_predicates(body, needed)


@dataclass
class _Compiler:
    scope: _Scope
    predicates: Mapping[str, CompiledCondition]
    problems: list[Problem]
    linker: _Linker

    def item_conditions(self, doc: YamlDocument, item: S.Item) -> dict[YamlPath, CompiledCondition]:
        paths: list[tuple[YamlPath, str]] = [
            (("eligibility", i, "condition"), rule.condition) for i, rule in enumerate(item.eligibility)
        ]
        for i, situation in enumerate(item.situations):
            if situation.when:
                paths.append((("situations", i, "when"), situation.when))
            for j, material in enumerate(situation.materials):
                if material.when:
                    paths.append((("situations", i, "materials", j, "when"), material.when))
                for k, sub in enumerate(material.substitutes):
                    if sub.when:
                        paths.append((("situations", i, "materials", j, "substitutes", k, "when"), sub.when))
        out: dict[YamlPath, CompiledCondition] = {}
        for path, text in paths:
            checked = _check_condition(doc, path, text, self.scope, self.problems)
            if checked is None or not checked.predicates <= self.predicates.keys():
                continue
            out[path] = CompiledCondition(
                text,
                checked,
                self.linker.link(checked),
                doc.locate_in_scalar(path, 0),
                _all_facts(checked, self.predicates),
            )
        return out


def _check_condition(
    doc: YamlDocument, path: YamlPath, text: str, scope: _Scope, problems: list[Problem]
) -> Checked | None:
    try:
        return typecheck(parse(text), scope, text)
    except ConditionError as exc:
        loc = doc.locate_in_scalar(path, exc.offset)
        problems.append(Problem(loc, exc.message, doc.source_line(loc.line), exc.length))
        return None


@dataclass
class _CitationChecker:
    citations: Mapping[str, S.Citation]
    problems: list[Problem]

    def check_all(self, doc: YamlDocument, model: BaseModel, path: YamlPath = ()) -> None:
        """Check every citation anywhere inside ``model`` (notes, stages, claims included)."""
        for where, ref in _citation_refs(model, path):
            self.check(doc, where, ref)

    def check(self, doc: YamlDocument, path: YamlPath, ref: S.CitationRef) -> None:
        citation = self.citations.get(ref.ref)
        if citation is None:
            target = path if doc.node((*path, "ref")) is None else (*path, "ref")
            self.problems.append(
                doc.problem(
                    target,
                    f"未知的政策依据 (unknown citation) '{ref.ref}'"
                    f"{did_you_mean(ref.ref, self.citations)}; define it in citations.yaml",
                )
            )
        elif ref.clause and citation.clauses and ref.clause not in citation.clauses:
            self.problems.append(
                doc.problem(
                    (*path, "clause"),
                    f"'{ref.ref}' 没有条款 '{ref.clause}' (unknown clause{did_you_mean(ref.clause, citation.clauses)})",
                )
            )


def _citation_refs(value: Any, path: YamlPath) -> Iterable[tuple[YamlPath, S.CitationRef]]:
    """Every CitationRef inside a model, with its path in the rule file."""
    if isinstance(value, S.CitationRef):
        yield path, value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _citation_refs(getattr(value, name), (*path, name))
    elif isinstance(value, list):
        for i, inner in enumerate(value):
            yield from _citation_refs(inner, (*path, i))
    elif isinstance(value, dict):
        for key, inner in value.items():
            yield from _citation_refs(inner, (*path, key))
