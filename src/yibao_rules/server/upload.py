"""``POST /api/v1/check``: validate an uploaded rules directory (a zip) or one rule file.

Everything is written inside one temporary directory, removed afterwards. A zip is read
entry by entry with every bound checked before anything is written: an entry that climbs
out (absolute, ``..``, a drive, a symlink) is refused, and so is a zip with too many entries
or more unpacked bytes than :data:`MAX_UNPACKED` — whatever its headers claim, the bytes
actually read are counted (a zip bomb lies in its headers). A single file replaces (or joins)
the served rulebook's file at ``path`` in a copy, so it is checked with everything it refers to.
"""

from __future__ import annotations

import io
import shutil
import stat
import tempfile
import zipfile
from pathlib import Path, PurePosixPath
from typing import Any

from yibao_rules import serialise
from yibao_rules.errors import Problem, RulebookError, SourceLocation, YibaoError, shown
from yibao_rules.rulebook import Rulebook, load_rulebook

__all__ = ["MAX_ENTRIES", "MAX_UNPACKED", "UploadRefused", "UploadTooLarge", "check_upload"]

MAX_ENTRIES = 2_000
"""Entries one zip may hold (the embedded rulebook has fewer than a hundred files)."""
MAX_UNPACKED = 16 * 1024 * 1024
"""Bytes a zip may unpack to, all entries together."""
_CHUNK = 64 * 1024


class UploadRefused(YibaoError):
    """An upload that is not a rules directory, or one that would write outside its folder."""


class UploadTooLarge(YibaoError):
    """An upload over the entry-count or unpacked-size bound (answered 413)."""


def check_upload(book: Rulebook, filename: str, data: bytes, path: str | None = None) -> dict[str, Any]:
    """The ``check --json`` answer for an uploaded zip or rule file; problems name paths inside the upload."""
    with tempfile.TemporaryDirectory(prefix="yibao-check-") as tmp:
        work = Path(tmp)
        if zipfile.is_zipfile(io.BytesIO(data)):
            root = _unzip(data, work / "upload")
        elif filename.lower().endswith(".zip"):
            raise UploadRefused(f"无法读取 zip 文件 (not a readable zip: {shown(filename)})")
        else:
            place = _safe_relative(path or _default_place(book.root, filename))
            if place.suffix.lower() not in (".yaml", ".yml"):
                raise UploadRefused(
                    f"只能检查 zip 或 YAML 规则文件 (upload a zip of a rules folder or one .yaml rule file, "
                    f"not {shown(place.name)})"
                )
            root = work / "rules"
            shutil.copytree(book.root, root, ignore=shutil.ignore_patterns("__pycache__"))
            target = root / place
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
            except OSError as exc:  # a name too long, or a file where a folder should be
                raise UploadRefused(f"无法放到 {path!r} (cannot place the file there: {exc.strerror})") from None
        try:
            checked = load_rulebook(root)
        except RulebookError as exc:
            return serialise.check_json([_relative(p, root) for p in exc.problems], None, book.version)
        return serialise.check_json([], checked, book.version)


def _default_place(root: Path, filename: str) -> str:
    """Where a lone file goes: over the file of the same name (an item's first), else into ``items/``."""
    name = PurePosixPath(filename.replace("\\", "/")).name or "upload.yaml"
    same = sorted(p.relative_to(root).as_posix() for p in root.rglob(name))
    return next((p for p in same if p.startswith("items/")), same[0] if same else f"items/{name}")


def _safe_relative(name: str) -> PurePosixPath:
    """``name`` as a path that stays inside its folder, or :class:`UploadRefused`."""
    text = name.replace("\\", "/")
    relative = PurePosixPath(text)
    if not text or relative.is_absolute() or ".." in relative.parts or ":" in text or "\x00" in text:
        raise UploadRefused(f"拒绝写到规则目录之外 (refused: {name!r} would be written outside the upload)")
    if any(len(part.encode()) > 200 for part in relative.parts) or len(relative.parts) > 20:
        raise UploadRefused(f"路径过长 (refused: the path {shown(name)} is too long or too deep)")
    return relative


def _unzip(data: bytes, into: Path) -> Path:
    """Unpack ``data`` into ``into`` within the bounds; the rules root inside it."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise UploadRefused(f"无法读取 zip 文件 (not a readable zip: {exc})") from None
    if len(entries) > MAX_ENTRIES:
        raise UploadTooLarge(f"zip 中条目过多 (the zip has {len(entries)} entries; at most {MAX_ENTRIES})")
    total = 0
    with archive:
        for info in entries:
            relative = _safe_relative(info.filename)
            if stat.S_ISLNK(info.external_attr >> 16):
                raise UploadRefused(f"拒绝符号链接 (refused: {info.filename!r} is a symbolic link)")
            target = into / relative
            try:
                if info.is_dir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(info) as src, target.open("wb") as dst:
                    while chunk := src.read(_CHUNK):
                        total += len(chunk)
                        if total > MAX_UNPACKED:
                            raise UploadTooLarge(
                                f"zip 解压后过大 (the zip unpacks to more than {MAX_UNPACKED // (1024 * 1024)} MiB)"
                            )
                        dst.write(chunk)
            except (zipfile.BadZipFile, NotImplementedError, RuntimeError, ValueError, OSError, EOFError) as exc:
                raise UploadRefused(f"无法解压 {info.filename!r} (cannot unpack: {exc})") from None
    return _rules_root(into)


def _rules_root(folder: Path) -> Path:
    """The folder itself, or its one sub-folder when the zip wraps the rules in a top folder."""
    if (folder / "facts.yaml").exists() or not folder.exists():
        return folder
    children = [c for c in folder.iterdir() if not c.name.startswith((".", "__MACOSX"))]
    if len(children) == 1 and children[0].is_dir():
        return children[0]
    return folder


def _relative(problem: Problem, root: Path) -> Problem:
    """The problem with its path inside the upload (the temporary folder is nobody's business)."""
    loc = problem.location
    text = loc.path
    for prefix in (str(root), str(root.resolve())):
        if text.startswith(prefix):
            text = text[len(prefix) :].lstrip("/\\") or "."
            break
    message = problem.message
    for prefix in (str(root.resolve()), str(root)):  # "also in <path>" and the like, inside messages
        message = message.replace(prefix + "/", "").replace(prefix, ".")
    return Problem(
        SourceLocation(text, loc.line, loc.col), message, problem.source_line, problem.length, problem.severity
    )
