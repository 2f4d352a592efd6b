"""The pytest plugin (registered as ``pytest11: yibao_rules``).

* YAML files in a folder named ``scenarios`` are collected as scenario tests (see
  :mod:`yibao_rules.testing.scenarios`); a failure prints the file, line and each mismatch.
  A project whose ``scenarios`` folders hold other YAML sets ``yibao_scenarios = false`` in its
  pytest configuration.
* ``--yibao-rulebook PATH`` selects the rulebook the scenarios run against (default: the one
  embedded in yibao-rules) and adds every invariant of :mod:`yibao_rules.testing.invariants`
  as a test of that rulebook.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from yibao_rules.errors import YibaoError
from yibao_rules.rulebook import Rulebook

_BOOK = pytest.StashKey[Rulebook]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("yibao-rules")
    group.addoption(
        "--yibao-rulebook",
        metavar="PATH",
        default=None,
        help="rules directory to test: runs every yibao-rules invariant on it, and the YAML scenarios against it",
    )
    parser.addini(
        "yibao_scenarios",
        type="bool",
        default=True,
        help="collect YAML files in folders named 'scenarios' as yibao-rules scenarios (default true)",
    )


def rulebook_for(config: pytest.Config) -> Rulebook:
    """The rulebook under test, loaded once per session."""
    if _BOOK not in config.stash:
        from yibao_rules.rulebook import load_rulebook

        path = config.getoption("--yibao-rulebook")
        config.stash[_BOOK] = load_rulebook(Path(path) if path else None)
    return config.stash[_BOOK]


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if not parent.config.getini("yibao_scenarios"):
        return None
    if file_path.suffix in (".yaml", ".yml") and file_path.parent.name == "scenarios":
        return ScenarioFile.from_parent(parent, path=file_path)
    return None


class ScenarioFile(pytest.File):
    def collect(self) -> Iterator[pytest.Item]:
        from yibao_rules.errors import RulebookError
        from yibao_rules.testing.scenarios import load_scenarios

        try:
            (loaded,) = load_scenarios([self.path])
        except RulebookError as exc:  # show the located problems, not the plugin's traceback
            raise self.CollectError(exc.render()) from None
        for index, case in enumerate(loaded.model.cases):
            yield ScenarioItem.from_parent(self, name=case.name, loaded=loaded, index=index)


class ScenarioItem(pytest.Item):
    def __init__(self, *, loaded: Any, index: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.loaded = loaded
        self.index = index

    def runtest(self) -> None:
        from yibao_rules.testing.scenarios import run_case

        result = run_case(rulebook_for(self.config), self.loaded, self.index, self.loaded.model.cases[self.index])
        if not result.ok:
            raise ScenarioFailure(result.report())

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, ScenarioFailure | YibaoError):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int, str]:
        line = self.loaded.doc.location(("cases", self.index)).line
        return self.path, line - 1, f"scenario: {self.name}"


class ScenarioFailure(AssertionError):
    pass


class InvariantFile(pytest.File):
    """The invariants of the rulebook under test, collected as the tests of its ``facts.yaml``
    (the one file every rulebook has), so that they have a file path and are counted as
    collected like any other test."""

    def collect(self) -> Iterator[pytest.Item]:
        from yibao_rules.testing.invariants import INVARIANTS

        for name, check in INVARIANTS.items():
            yield InvariantItem.from_parent(self, name=f"yibao-invariant[{name}]", check=check)


class InvariantItem(pytest.Item):
    def __init__(self, *, check: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.check = check

    def runtest(self) -> None:
        self.check(rulebook_for(self.config))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        return f"{self.name}: {excinfo.value}"

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"invariant: {self.name}"


@pytest.hookimpl(tryfirst=True)  # before -k / -m deselect, so that they apply to the invariants too
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    path = config.getoption("--yibao-rulebook")
    if not path:
        return
    rulebook = Path(path)
    if not rulebook.is_absolute():
        rulebook = config.invocation_params.dir / rulebook
    collector = InvariantFile.from_parent(session, path=rulebook / "facts.yaml")
    invariants = list(collector.collect())
    # Reported the way pytest reports a collected file: the report is what the terminal counts.
    result: list[pytest.Item | pytest.Collector] = [*invariants]
    config.hook.pytest_collectreport(report=pytest.CollectReport(collector.nodeid, "passed", None, result))
    items.extend(invariants)
