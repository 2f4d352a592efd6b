"""The loaded rulebook: validated models plus compiled conditions, looked up by id or name."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from yibao_rules.errors import Problem, SourceLocation, UnknownItemError, did_you_mean
from yibao_rules.expr import Checked, Evaluator
from yibao_rules.schema import Bundle, Citation, EligibilityRule, Item, Jurisdiction, NamedSet
from yibao_rules.vocabulary import Vocabulary
from yibao_rules.yaml_source import YamlDocument, YamlPath

__all__ = ["CompiledCondition", "CompiledItem", "LoadedBundle", "Rulebook"]


@dataclass(frozen=True)
class CompiledCondition:
    """A condition string, its checked tree and its closure, and where it was written."""

    text: str
    checked: Checked
    evaluate: Evaluator = field(repr=False)
    location: SourceLocation


@dataclass(frozen=True)
class CompiledItem:
    model: Item
    file: str
    conditions: Mapping[YamlPath, CompiledCondition] = field(repr=False)
    source: YamlDocument | None = field(default=None, repr=False, compare=False)

    @property
    def id(self) -> str:
        return self.model.id

    @property
    def name(self) -> str:
        return self.model.name

    def rules(self) -> list[tuple[EligibilityRule, CompiledCondition]]:
        """Every eligibility rule with its compiled condition, in file order."""
        return [
            (rule, self.conditions[("eligibility", i, "condition")]) for i, rule in enumerate(self.model.eligibility)
        ]


@dataclass(frozen=True)
class LoadedBundle:
    model: Bundle
    file: str
    source: YamlDocument | None = field(default=None, repr=False, compare=False)

    @property
    def id(self) -> str:
        return self.model.id

    @property
    def name(self) -> str:
        return self.model.name


@dataclass(frozen=True)
class Rulebook:
    """A validated, compiled set of rules. Build one with :func:`yibao_rules.load_rulebook`."""

    root: Path
    vocabulary: Vocabulary
    citations: Mapping[str, Citation]
    items: Mapping[str, CompiledItem]
    bundles: Mapping[str, LoadedBundle]
    jurisdictions: Mapping[str, Jurisdiction]
    sets: Mapping[str, NamedSet]
    predicates: Mapping[str, CompiledCondition]
    warnings: tuple[Problem, ...] = ()
    documents: Mapping[str, YamlDocument] = field(default_factory=dict, repr=False, compare=False)

    def item(self, key: str) -> CompiledItem:
        """An item by its id or its exact Chinese name."""
        found = self.items.get(key) or next((i for i in self.items.values() if i.name == key), None)
        if found is None:
            names = [*self.items, *(i.name for i in self.items.values())]
            raise UnknownItemError(f"unknown item '{key}'{did_you_mean(key, names)}; `yibao-rules items` lists them")
        return found

    def bundle(self, key: str) -> LoadedBundle:
        """A bundle (一件事 / 一事联办) by its id or its exact Chinese name."""
        found = self.bundles.get(key) or next((b for b in self.bundles.values() if b.name == key), None)
        if found is None:
            names = [*self.bundles, *(b.name for b in self.bundles.values())]
            raise UnknownItemError(
                f"unknown bundle '{key}'{did_you_mean(key, names)}; `yibao-rules items --bundles` lists them"
            )
        return found

    def citation_text(self, ref_id: str, clause: str | None = None) -> str:
        """A human-readable citation: 《title》（document number）clause."""
        c = self.citations[ref_id]
        text = f"《{c.title}》"
        if c.document_number:
            text += f"（{c.document_number}）"
        if clause:
            text += clause
        return text
