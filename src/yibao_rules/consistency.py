"""Consistency report: what the sources say inconsistently, and where the data disagrees with itself.

Nothing here fails ``check``: each finding is a located *warning* with the citations that
support it, so a policy editor sees every one of them and none is hidden.

Findings come from two places:

* conflicts the rule files record (``notes`` of kind ``conflict`` on citations, named sets,
  items, 情形, materials, time limits and bundles);
* computed checks: a staged time limit whose counted stages do not add up to its days, and
  a bundle whose claimed effects (材料, 时间) differ from what its members' data gives.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from yibao_rules.compiled import LoadedBundle
from yibao_rules.engine import bundle_metrics, claim_warnings
from yibao_rules.errors import Problem, SourceLocation
from yibao_rules.rulebook import Rulebook
from yibao_rules.yaml_source import YamlDocument, YamlPath

__all__ = ["consistency_warnings"]


def consistency_warnings(book: Rulebook) -> list[Problem]:
    """Every recorded conflict and computed inconsistency of ``book``, as located warnings."""
    found: list[Problem] = []
    for doc in book.documents.values():
        for path, note in _notes(doc.data, ()):
            if note.get("kind") == "conflict":
                refs = "、".join(_cite(book, c) for c in note.get("citations") or [])
                tail = f" [{refs}]" if refs else ""
                found.append(_warn(doc, path, f"来源不一致 (sources conflict): {note.get('text')}{tail}"))
    for item in book.items.values():
        for i, limit in enumerate(item.model.time_limits):
            counted = [s.days for s in limit.stages if s.counted and s.kind == limit.kind]
            if limit.days is not None and counted and all(d is not None for d in counted):
                total = sum(d for d in counted if d is not None)
                if total != limit.days:
                    found.append(
                        _warn(
                            item.source,
                            ("time_limits", i, "stages"),
                            f"各阶段合计 {total} 天，与时限 {limit.text} 不符 (stages add up to {total})",
                        )
                    )
    for bundle in book.bundles.values():
        found += _bundle_claims(book, bundle)
    return sorted(found, key=lambda p: p.location)


def _bundle_claims(book: Rulebook, bundle: LoadedBundle) -> list[Problem]:

    model = bundle.model
    metrics = bundle_metrics(book, bundle)
    limits = {t.basis: t.days for t in model.time_limits if t.kind == "working_days"}
    out: list[Problem] = []
    for i, claim in enumerate(model.claims):
        claimed: dict[str, Mapping[str, Any]] = {claim.metric: {"before": claim.before, "after": claim.after}}
        for text in claim_warnings(metrics, claimed):
            out.append(_warn(bundle.source, ("claims", i), f"声称成效与规则库不符 (claim vs rulebook) {text}"))
        if claim.metric == "time_working_days" and limits.get("legal") not in (None, claim.before):
            out.append(
                _warn(
                    bundle.source,
                    ("claims", i),
                    f"声称时间由 {claim.before} 个工作日减少，但法定办结时限为 {limits.get('legal')} 个工作日",
                )
            )
    return out


def _notes(data: Any, path: YamlPath) -> Iterator[tuple[YamlPath, dict[str, Any]]]:
    if isinstance(data, dict):
        for key, value in data.items():
            if key == "notes" and isinstance(value, list):
                for i, note in enumerate(value):
                    if isinstance(note, dict):
                        yield (*path, "notes", i), note
            else:
                yield from _notes(value, (*path, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _notes(value, (*path, i))


def _cite(book: Rulebook, ref: Any) -> str:
    if isinstance(ref, str):
        ref = {"ref": ref}
    key = ref.get("ref")
    if key not in book.citations:
        return str(key)
    where = ref.get("clause") or ref.get("section")
    return book.citation_text(key) + (f" {where}" if where else "")


def _warn(doc: YamlDocument | None, path: Sequence[str | int], message: str) -> Problem:
    if doc is None:
        return Problem(SourceLocation("<rulebook>", 1, 1), message, severity="warning")
    loc = doc.location(path)
    return Problem(loc, message, doc.source_line(loc.line), severity="warning")
