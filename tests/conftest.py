from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

import yibao_rules
from yibao_rules import Rulebook

REPO = Path(__file__).resolve().parents[1]
RULES = REPO / "rules"
SEEDS = REPO.parent / "shared" / "seeds"


def growth(run: Callable[[int], object], small: int, factor: int, repeat: int = 3) -> float:
    """How many times longer ``run(small * factor)`` takes than ``run(small)`` (best of ``repeat``).

    Complexity tests compare this with ``factor`` instead of timing one run against a wall-clock
    limit: the ratio does not depend on how fast or busy the machine is.  Linear work gives about
    ``factor``; quadratic ``factor ** 2``; exponential far more.
    """

    def best(n: int) -> float:
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            run(n)
            times.append(time.perf_counter() - started)
        return min(times)

    base = best(small)
    return best(small * factor) / base


settings.register_profile("default", max_examples=200, deadline=None)
settings.register_profile("slow", max_examples=2000, deadline=None)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--slow", action="store_true", help="Run the Hypothesis suites with many more examples.")


def pytest_configure(config: pytest.Config) -> None:
    settings.load_profile("slow" if config.getoption("--slow") else "default")


@pytest.fixture(scope="session")
def rulebook() -> Rulebook:
    """The rulebook embedded in the installed package."""
    return yibao_rules.load_rulebook()


@pytest.fixture
def rules_copy(tmp_path: Path) -> Path:
    """A writable copy of the repository's rules directory."""
    target = tmp_path / "rules"
    shutil.copytree(RULES, target)
    return target


def run_cli(
    *args: str, cwd: Path | None = None, stdin: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the installed console script the way a user would (``env`` is added to the environment)."""
    exe = Path(sys.executable).with_name("yibao-rules")
    environment = {k: v for k, v in os.environ.items() if k != "YIBAO_RULES"} | (env or {})
    return subprocess.run(
        [str(exe), *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        env=environment,
    )


# -- the real browser (Debian's chromium, installed by .ci/run; never downloaded) ------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = [  # a sandboxed machine with no network
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's chromium driven by Playwright (one per test module: Playwright's sync API owns an
    event loop while it runs)."""
    if CHROMIUM is None:
        pytest.skip("Debian's chromium is not installed (`apt-get install chromium`; .ci/run installs it)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()
