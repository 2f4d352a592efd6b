"""Round-trip fidelity: the text 办事指南 rendered from the rules holds every content line of its source.

For each of the 28 items of 《甘肃省医疗保障经办政务服务办事指南（试行）》 (seed 002), the bundle
就医费用报销一件事 (seed 000) and 大冶 慢性病规定病种申报一件事 (seed 001, 附件 1 服务指南), every line of
the item's section must appear in one line of the rendering once list markers (（1）, ①, 1., 1、, -)
and trailing punctuation are normalised away. A line laid out in cells (two documents in one cell,
two issuers separated by spaces) counts when each of its parts appears. A line may be exempt only
when a note of the rules lists it under ``exempts`` and says why it is not content; the test prints
every exemption and the coverage per item (``pytest -s``).
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from yibao_rules import Rulebook, load_rulebook
from yibao_rules.render import render_guide
from yibao_rules.schema import Note

from .conftest import SEEDS

if not SEEDS.is_dir():  # CI clones the repository with ../shared beside it
    if os.environ.get("CI"):
        raise RuntimeError(f"CI must provide the source documents at {SEEDS}")
    pytest.skip(
        f"source documents not found at {SEEDS} (../shared/seeds beside the repository)", allow_module_level=True
    )

BOOK = load_rulebook()
ON = None  # today: every item of the seeds is in force

_MARKER = re.compile(
    r"^(?:（[0-9一二三四五六七八九十]+）|\([0-9]+\)|[①-⑳]|[0-9]+\s*[.、．]|[-*•]|[一二三四五六七八九十]+、)+"
)
_TRAILING = re.compile(r"[;；。，,:：、.\s]+$")


def normalise(line: str) -> str:
    """A line without white space, leading list markers or trailing punctuation, in NFKC form."""
    text = re.sub(r"\s+", "", line.replace("**", ""))
    text = _MARKER.sub("", text)
    text = unicodedata.normalize("NFKC", text)
    return _TRAILING.sub("", text)


def _parts(line: str) -> list[str]:
    """A table cell's parts: split at runs of two or more spaces and between listed documents."""
    pieces = re.split(r"\s{2,}|\t|(?<=[）)])、(?=\S)", line.strip())
    return [p for p in (normalise(piece) for piece in pieces) if p]


@dataclass(frozen=True)
class Coverage:
    name: str
    lines: int
    missing: tuple[str, ...]
    exempt: tuple[str, ...]

    @property
    def percent(self) -> float:
        counted = self.lines - len(self.exempt)
        return 100.0 * (counted - len(self.missing)) / counted if counted else 100.0


def coverage(name: str, section: list[str], rendering: str, notes: list[Note]) -> Coverage:
    rendered = [normalise(line) for line in rendering.splitlines()]
    exempts = {normalise(line) for note in notes for line in note.exempts}
    content = [line for line in section if normalise(line)]
    missing, exempt = [], []
    for line in content:
        key = normalise(line)
        if key in exempts:
            exempt.append(line.strip())
        elif not any(key in r for r in rendered) and not all(any(p in r for r in rendered) for p in _parts(line)):
            missing.append(line.strip())
    return Coverage(name, len(content), tuple(missing), tuple(exempt))


# -- the sections of the seeds --------------------------------------------------------------------


def _seed(prefix: str) -> list[str]:
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    return path.read_text(encoding="utf-8").splitlines()


def gansu_sections() -> dict[int, list[str]]:
    """Items 1–28 of seed 002, section 四: from the item's heading to the next heading."""
    lines = _seed("002")
    start = next(i for i, line in enumerate(lines) if line.startswith("四、"))
    end = next(i for i, line in enumerate(lines) if line.startswith("五、"))
    sections: dict[int, list[str]] = {}
    current: list[str] | None = None
    for line in lines[start + 1 : end]:
        heading = re.match(r"^(\d+)\.", line)
        if heading:
            current = sections.setdefault(int(heading.group(1)), [])
        elif re.match(r"^（[一二三四五六七八九十]+）", line):
            current = None  # a category heading belongs to no item
            continue
        if current is not None:
            current.append(line)
    return sections


def bundle_section() -> list[str]:
    """Seed 000 is the bundle's guide from its title to its last answer."""
    return _seed("000")


def daye_section() -> list[str]:
    """Seed 001, 附件 1 (the 服务指南) without its attachment number: the guide the rules encode."""
    lines = _seed("001")
    start = lines.index("附件 1:") + 1
    end = lines.index("附件 2")
    return lines[start:end]


def _item_notes(book: Rulebook, item_id: str) -> list[Note]:
    m = book.items[item_id].model
    notes = list(m.notes)
    for s in m.situations:
        notes += s.notes
    return notes


def _all_coverage() -> Iterator[Coverage]:
    by_number = {i.model.number: i for i in BOOK.items.values() if i.model.source.ref == "gansu_service_guide"}
    for number, section in sorted(gansu_sections().items()):
        item = by_number[number]
        text = render_guide(BOOK.guide(item.id, on=ON), "text", public=True)
        yield coverage(f"{number}.{item.name}", section, text, _item_notes(BOOK, item.id))
    bundle = BOOK.bundles["medical_expense_one_thing"]
    text = render_guide(BOOK.guide(bundle.id, on=ON), "text", public=True)
    yield coverage(bundle.name, bundle_section(), text, list(bundle.model.notes))
    text = render_guide(BOOK.guide("daye_chronic_disease_application", on=ON), "text", public=True)
    yield coverage(
        "大冶 慢性病规定病种申报一件事", daye_section(), text, _item_notes(BOOK, "daye_chronic_disease_application")
    )


COVERAGE = list(_all_coverage())


def test_the_sections_are_the_28_items_the_bundle_and_daye() -> None:
    assert len(gansu_sections()) == 28
    assert sum(1 for c in COVERAGE) == 30
    assert gansu_sections()[17][0].startswith("17.门诊费用报销")


@pytest.mark.parametrize("result", COVERAGE, ids=[c.name for c in COVERAGE])
def test_every_content_line_of_the_source_is_in_the_rendered_guide(result: Coverage) -> None:
    print(f"\n{result.name}: {result.percent:.1f}% of {result.lines} lines ({len(result.exempt)} exempt)")
    for line in result.exempt:
        print(f"  exempt: {line}")
    assert result.missing == (), f"{result.name}: {result.percent:.1f}% — not rendered: {list(result.missing)}"


def test_coverage_report_lists_every_exemption_with_its_note() -> None:
    """Every exemption is a line of its section, named by a note with a reason (its text)."""
    exempted = {normalise(line) for c in COVERAGE for line in c.exempt}
    notes = [n for i in BOOK.items for n in _item_notes(BOOK, i)] + list(
        BOOK.bundles["medical_expense_one_thing"].model.notes
    )
    listed = {normalise(line): n for n in notes for line in n.exempts}
    assert all(len(n.text) > 20 for n in listed.values()), "an exemption needs a note that says why"
    assert set(listed) == exempted, "an exemption names a line that is not in its section"
    assert len(listed) == 15  # bundle: a link label, a two-document cell; 其他 of item 28; 12 headings of 大冶 附件 1


def test_a_dropped_line_is_caught() -> None:
    """The check fails when the rendering lacks a line (here: one material of 门诊费用报销 removed)."""
    item = BOOK.item("门诊费用报销")
    text = render_guide(BOOK.guide(item.id), "text").replace("处方底方", "")
    result = coverage("17", gansu_sections()[17], text, [])
    assert result.missing == ("处方底方。",)
