"""Where the embedded rulebook lives: inside the installed package, or ./rules in a checkout."""

from __future__ import annotations

import importlib.resources
from pathlib import Path

__all__ = ["default_rules_path"]


def default_rules_path() -> Path:
    """The rulebook shipped inside the package (or, in a source checkout, ``./rules``)."""
    packaged = Path(str(importlib.resources.files("yibao_rules") / "rules"))
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parents[2] / "rules"
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError("the embedded rulebook is missing from this installation of yibao-rules")
