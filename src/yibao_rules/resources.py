"""Where the embedded rulebook lives: inside the installed package, or ./rules in a checkout."""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.resources
from collections.abc import Mapping
from pathlib import Path

__all__ = ["PACKAGE_VERSION", "default_rules_path", "rulebook_version"]

try:
    PACKAGE_VERSION = importlib.metadata.version("yibao-rules")
except importlib.metadata.PackageNotFoundError:  # imported from a source tree that was never installed
    PACKAGE_VERSION = "0+unknown"


def default_rules_path() -> Path:
    """The rulebook shipped inside the package (or, in a source checkout, ``./rules``)."""
    packaged = Path(str(importlib.resources.files("yibao_rules") / "rules"))
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parents[2] / "rules"
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError("the embedded rulebook is missing from this installation of yibao-rules")


def rulebook_version(files: Mapping[str, str]) -> str:
    """The package version plus a content hash of the rules: ``0.1.0+rules.3f2a9c1b4d5e``.

    Every answer carries it, so that it can be traced to the rules that produced it.  ``files``
    maps each rule file's path inside the rules folder to its text, as the loader read it (so
    nothing is read twice); hashed in path order, the same rules give the same value on any
    machine.
    """
    digest = hashlib.sha256()
    for rel in sorted(files):
        path, text = rel.encode("utf-8"), files[rel].encode("utf-8")
        digest.update(len(path).to_bytes(4, "big") + path + len(text).to_bytes(8, "big") + text)
    return f"{PACKAGE_VERSION}+rules.{digest.hexdigest()[:12]}"
