"""Properties of the package as installed."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import yibao_rules

SRC = Path(__file__).resolve().parents[1] / "src"


def test_no_eval_or_exec_anywhere_in_the_source() -> None:
    pattern = re.compile(r"\beval\(|\bexec\(")
    offenders = [
        f"{path}:{n}"
        for path in SRC.rglob("*.py")
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line)
    ]
    assert offenders == []


def test_embedded_rulebook_ships_inside_the_package() -> None:
    root = yibao_rules.default_rules_path()
    assert (root / "facts.yaml").is_file()
    assert (root / "items" / "family_mutual_aid.yaml").is_file()


def test_import_is_light() -> None:
    """Importing the library must not start the Rete engine or the holiday tables."""
    code = "import sys, yibao_rules; print(','.join(m for m in ('durable', 'holidays') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == ""


def test_public_api_is_small_and_explicit() -> None:
    assert len(yibao_rules.__all__) <= 15
    for name in yibao_rules.__all__:
        assert hasattr(yibao_rules, name)
