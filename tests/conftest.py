from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import yibao_rules
from yibao_rules import Rulebook

REPO = Path(__file__).resolve().parents[1]
RULES = REPO / "rules"
SEEDS = REPO.parent / "shared" / "seeds"


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


def run_cli(*args: str, cwd: Path | None = None, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run the installed console script the way a user would."""
    exe = Path(sys.executable).with_name("yibao-rules")
    return subprocess.run(
        [str(exe), *args], cwd=cwd, input=stdin, capture_output=True, text=True, encoding="utf-8", timeout=60
    )
