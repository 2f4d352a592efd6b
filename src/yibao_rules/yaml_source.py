"""Reading rule files: safe YAML that remembers where every value came from.

PyYAML's own ``safe_load`` forgets positions and lets a later duplicate key silently
overwrite an earlier one.  Here the file is *composed* into nodes (which keep their
marks), and the nodes are turned into plain Python data by hand so that:

* mapping keys are always text (``on:`` is the key "on", not ``True``);
* every key and value keeps its ``line:col`` (looked up by its path, e.g.
  ``("situations", 0, "materials", 1, "name")``);
* duplicate keys, aliases (``*ref``: the vehicle of "billion laughs" bombs), explicit
  tags (``!!int``, ``!!python/object``…) and excessive nesting are reported as located
  problems, never obeyed;
* a file reached through a link that leaves the rules folder is refused;
* a file over :data:`MAX_FILE_BYTES` is refused unread, and the problems of one file are
  capped (:data:`MAX_PROBLEMS`), so a huge broken file costs bounded time and a readable report.

Nothing is kept between documents: every value is built fresh for its own file.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.events import AliasEvent, CollectionEndEvent, CollectionStartEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import Resolver

from yibao_rules.errors import Problem, SourceLocation, shown

__all__ = [
    "MAX_FILE_BYTES",
    "MAX_PROBLEMS",
    "YamlDocument",
    "YamlPath",
    "cap_problems",
    "more_problems",
    "outside",
    "read_yaml",
]

YamlPath = tuple[str | int, ...]

MAX_DEPTH = 64
MAX_FILE_BYTES = 4 * 1024 * 1024
"""A rule file larger than this is refused unread: the largest embedded file is under 20 KB, and
composing a hostile 50 MB file would take a minute and gigabytes before any problem is found."""
MAX_PROBLEMS = 100
"""At most this many problems are reported per file; the rest are counted in one more line."""
_ALLOWED_SCALAR_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
}


_FAST = bool(getattr(yaml, "__with_libyaml__", False))


def _prescan(text: str) -> None:
    """With libyaml: refuse aliases (at their exact position) and deep nesting *before*
    composing, so nothing is expanded and the C composer never recurses deeply."""
    depth = 0
    for event in yaml.parse(text, Loader=yaml.CSafeLoader):
        mark = event.start_mark
        line, column = (mark.line, mark.column) if mark is not None else (0, 0)
        if isinstance(event, AliasEvent):
            raise _Refused(line, column, _ALIAS_MESSAGE)
        if isinstance(event, CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise _Refused(line, column, f"YAML 嵌套过深 (nesting deeper than {MAX_DEPTH} levels)")
        elif isinstance(event, CollectionEndEvent):
            depth -= 1


class _Refused(Exception):
    """A construct refused before composing (0-based line and column)."""

    def __init__(self, line: int, column: int, message: str) -> None:
        super().__init__(message)
        self.line, self.column, self.message = line, column, message


_ALIAS_MESSAGE = "YAML 别名 (*alias) 不允许在规则文件中使用 (aliases are not allowed in rule files)"


class _NoAliasLoader(yaml.SafeLoader):
    """A SafeLoader whose composer refuses aliases before it expands anything."""

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        if self.check_event(AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.MarkedYAMLError(problem=_ALIAS_MESSAGE, problem_mark=event.start_mark)
        return super().compose_node(parent, index)


class _Invalid(Exception):
    def __init__(self, node: Node, message: str) -> None:
        super().__init__(message)
        self.node = node
        self.message = message


@dataclass
class YamlDocument:
    """A parsed rule file: its data and where each part of it came from."""

    path: str
    data: Any
    lines: list[str]
    values: dict[YamlPath, Node] = field(default_factory=dict)
    keys: dict[YamlPath, Node] = field(default_factory=dict)

    def location(self, path: Sequence[str | int], *, key: bool = False) -> SourceLocation:
        """Where the value (or, with ``key=True``, the key) at ``path`` is; the nearest
        enclosing node if the path does not exist (for example a missing field)."""
        node = self._node(tuple(path), key=key)
        if node is None:
            return SourceLocation(self.path, 1, 1)
        mark = node.start_mark
        return SourceLocation(self.path, mark.line + 1, mark.column + 1)

    def node(self, path: Sequence[str | int]) -> Node | None:
        return self.values.get(tuple(path))

    def problem(self, path: Sequence[str | int], message: str, *, key: bool = False) -> Problem:
        loc = self.location(path, key=key)
        node = self._node(tuple(path), key=key)
        length = 1
        if isinstance(node, ScalarNode) and node.start_mark.line == node.end_mark.line:
            length = max(node.end_mark.column - node.start_mark.column, 1)
        return Problem(loc, message, self.source_line(loc.line), length)

    def source_line(self, line: int) -> str | None:
        return self.lines[line - 1] if 0 < line <= len(self.lines) else None

    def locate_in_scalar(self, path: Sequence[str | int], offset: int) -> SourceLocation:
        """File position of character ``offset`` inside the scalar string at ``path``.

        Exact for plain and simply quoted one-line scalars and for literal blocks
        (``|``); for other styles it falls back to the scalar's start.
        """
        node = self.values.get(tuple(path))
        if not isinstance(node, ScalarNode):
            return self.location(path)
        mark = node.start_mark
        text: str = node.value
        start = SourceLocation(self.path, mark.line + 1, mark.column + 1)
        if "\n" not in text and node.end_mark.line == mark.line:
            if not node.style:  # plain: None from PyYAML, "" from libyaml
                return SourceLocation(self.path, mark.line + 1, mark.column + 1 + offset)
            raw = self.lines[mark.line][mark.column :] if mark.line < len(self.lines) else ""
            if node.style in ("'", '"') and raw[1 : 1 + len(text)] == text:
                return SourceLocation(self.path, mark.line + 1, mark.column + 2 + offset)
            return start
        if node.style == "|":
            before = text[:offset]
            k = before.count("\n")
            file_line = mark.line + 1 + k
            if file_line >= len(self.lines):
                return start
            line_text = text.split("\n")[k]
            indent = self.lines[file_line].find(line_text) if line_text else 0
            col_in_line = offset - (before.rfind("\n") + 1)
            return SourceLocation(self.path, file_line + 1, max(indent, 0) + col_in_line + 1)
        return start

    def _node(self, path: YamlPath, *, key: bool) -> Node | None:
        table = self.keys if key else self.values
        while path:
            if path in table:
                return table[path]
            if key and path in self.values:
                return self.values[path]
            path = path[:-1]
        return self.values.get(())


def outside(file: Path, root: Path) -> bool:
    """Whether ``file``, links followed, lies outside the folder ``root``."""
    try:
        return not file.resolve().is_relative_to(root.resolve())
    except (OSError, RuntimeError):  # a link loop
        return True


def more_problems(display_path: str, line: int, count: int) -> Problem:
    """The line that counts problems not listed (``length`` 0 marks it for :func:`cap_problems`)."""
    return Problem(
        SourceLocation(display_path, max(line, 1), 1),
        f"另有 {count} 处问题未列出 (and {count} more problem(s) in this file, not shown)",
        length=0,
    )


_MORE = re.compile(r"and (\d+) more problem")


def cap_problems(problems: list[Problem], display_path: str) -> list[Problem]:
    """The first :data:`MAX_PROBLEMS` problems, and one line counting the rest (earlier counts included)."""
    listed: list[Problem] = []
    hidden = 0
    for problem in problems:
        counted = _MORE.search(problem.message) if problem.length == 0 else None
        if counted:
            hidden += int(counted.group(1))
        else:
            listed.append(problem)
    if len(listed) > MAX_PROBLEMS:
        hidden += len(listed) - MAX_PROBLEMS
        listed = listed[:MAX_PROBLEMS]
    if hidden:
        last = max((p.location.line for p in problems), default=1)  # listed after every problem shown
        listed.append(more_problems(display_path, last, hidden))
    return listed


def read_yaml(file: Path, display_path: str, root: Path | None = None) -> tuple[YamlDocument | None, list[Problem]]:
    """Read one rule file. Returns the document (``None`` if unreadable) and its problems.

    With ``root``, a file that is (or is reached through) a link leading outside ``root`` is
    refused unread.
    """
    if root is not None and outside(file, root):
        return None, [
            Problem(
                SourceLocation(display_path, 1, 1),
                f"链接指向规则目录之外，未读取 (a link leading outside the rules folder {root} is not followed)",
            )
        ]
    try:
        size = file.stat().st_size
        if size > MAX_FILE_BYTES:
            return None, [
                Problem(
                    SourceLocation(display_path, 1, 1),
                    f"文件过大，未读取 (file too large: {size / 1048576:.1f} MiB; "
                    f"a rule file may be at most {MAX_FILE_BYTES // 1048576} MiB)",
                )
            ]
        raw = file.read_bytes()
    except OSError as exc:
        return None, [Problem(SourceLocation(display_path, 1, 1), f"cannot read file: {exc.strerror}")]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        return None, [Problem(SourceLocation(display_path, line, col), "文件不是 UTF-8 编码 (file is not valid UTF-8)")]
    lines = text.splitlines()
    try:
        if _FAST:
            _prescan(text)
            tree = yaml.compose(text, Loader=yaml.CSafeLoader)
        else:
            tree = yaml.compose(text, Loader=_NoAliasLoader)
    except _Refused as exc:
        src = lines[exc.line] if exc.line < len(lines) else None
        return None, [Problem(SourceLocation(display_path, exc.line + 1, exc.column + 1), exc.message, src)]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        what = exc.problem or "invalid YAML"
        if exc.context:
            started = exc.context_mark
            at = f" started at line {started.line + 1}, column {started.column + 1}" if started else ""
            what = f"{what} ({exc.context}{at})"
        src = lines[line - 1] if 0 < line <= len(lines) else None
        found = src[col - 1] if src is not None and 0 < col <= len(src) else ""
        hint = _syntax_hint(exc.problem or "", found)
        message = f"YAML 语法错误: {hint} ({what})" if hint else f"YAML 语法错误: {what}"
        return None, [Problem(SourceLocation(display_path, line, col), message, src)]
    except yaml.reader.ReaderError as exc:
        before = text[: exc.position]
        line = before.count("\n") + 1
        col = exc.position - (before.rfind("\n") + 1) + 1
        return None, [
            Problem(
                SourceLocation(display_path, line, col),
                f"不允许的字符 {exc.character!r} (character not allowed in YAML)",
            )
        ]
    except yaml.YAMLError as exc:
        return None, [Problem(SourceLocation(display_path, 1, 1), f"YAML 错误: {exc}")]
    except RecursionError:
        return None, [Problem(SourceLocation(display_path, 1, 1), "YAML 嵌套过深 (nesting too deep)")]
    doc = YamlDocument(display_path, None, lines)
    if tree is None:
        return None, [Problem(SourceLocation(display_path, 1, 1), "文件为空 (file is empty)")]
    problems: list[Problem] = []
    doc.data = _Converter(doc, problems).convert(tree, (), 0)
    return doc, cap_problems(problems, display_path)


_RESOLVER = Resolver()
_TAG_MESSAGE = "不允许使用 YAML 标签 {tag} (explicit tags are not allowed in rule files; write the plain value)"

# PyYAML's and libyaml's scanner/parser problems, explained for a rule author (the English
# follows in brackets). Matched by a piece of the problem text: the two libraries word them apart.
_SYNTAX_HINTS: tuple[tuple[str, str], ...] = (
    ("tab", "此处有制表符（Tab）：YAML 只能用空格缩进和分隔，请把 Tab 换成空格"),
    ("mapping values are not allowed", "此处不能出现“键: 值”：值里的冒号后跟了空格（请给值加引号），或缩进不对"),
    ("could not find expected ':'", "找不到冒号“:”：上一个键少了冒号，或多行文字需要加引号"),
    ("did not find expected key", "缩进不一致：这一行与同级的键没有对齐"),
    ("expected <block end>", "缩进不一致：这一行与同级的键没有对齐"),
    ("did not find expected '-' indicator", "缩进不一致：列表项“- ”没有对齐"),
    ("',' or ']'", "方括号 [ … ] 没有闭合，或列表项之间缺少逗号"),
    ("',' or '}'", "花括号 { … } 没有闭合，或项之间缺少逗号"),
    ("found unexpected end of stream", "引号或括号没有闭合，文件就结束了"),
    ("unknown escape character", "双引号文字中有无法识别的转义（反斜杠 \\ 后的字符）；不需要转义时请改用单引号"),
    ("cannot start any token", "此字符不能作为值的开头（如 @、`、%）：请给这个值加引号"),
    ("found duplicate anchor", "重复的锚点（&）"),
    ("found undefined alias", "引用了未定义的别名（*）"),
)


def _syntax_hint(problem: str, found: str) -> str:
    """A Chinese explanation of a YAML syntax problem, or ``""`` if there is none.

    libyaml says only "found character that cannot start any token", so a tab is recognised by
    the character at the problem's position as well as by the message.
    """
    if found == "\t" or "\\t" in problem or "tab" in problem:
        return _SYNTAX_HINTS[0][1]
    return next((hint for key, hint in _SYNTAX_HINTS[1:] if key in problem), "")


class _Converter(yaml.constructor.SafeConstructor):
    """Builds one document's values; made per document, so nothing outlives it."""

    def __init__(self, doc: YamlDocument, problems: list[Problem]) -> None:
        super().__init__()
        self.doc = doc
        self.problems = problems

    def scalar(self, node: ScalarNode, path: YamlPath) -> Any:
        # A tag other than the one the plain (or quoted) text resolves to by itself was written
        # explicitly (``!!int ""``): refused, as the README promises, rather than obeyed.
        implicit = _RESOLVER.resolve(ScalarNode, node.value, (not node.style, bool(node.style)))  # type: ignore[no-untyped-call]
        if node.tag != implicit:
            shown_tag = node.tag.replace("tag:yaml.org,2002:", "!!")
            self.problems.append(self.doc.problem(path, _TAG_MESSAGE.format(tag=repr(shown_tag))))
            return None
        try:
            return self.yaml_constructors[node.tag](self, node)
        except (ValueError, yaml.YAMLError, ArithmeticError, LookupError, AttributeError, TypeError) as exc:
            self.problems.append(self.doc.problem(path, f"无法读取的值 {shown(node.value)} (invalid value: {exc})"))
            return None

    def convert(self, node: Node, path: YamlPath, depth: int) -> Any:
        return _convert(node, path, self.doc, self.problems, depth, self)


def _convert(
    node: Node, path: YamlPath, doc: YamlDocument, problems: list[Problem], depth: int, builder: _Converter
) -> Any:
    doc.values[path] = node
    if depth > MAX_DEPTH:
        problems.append(doc.problem(path, f"YAML 嵌套过深 (nesting deeper than {MAX_DEPTH} levels)"))
        return None
    if isinstance(node, ScalarNode):
        if node.tag not in _ALLOWED_SCALAR_TAGS:
            problems.append(doc.problem(path, f"不支持的 YAML 标签 {node.tag!r} (tag not allowed)"))
            return None
        return builder.scalar(node, path)
    if isinstance(node, SequenceNode):
        if node.tag != "tag:yaml.org,2002:seq":
            problems.append(doc.problem(path, f"不支持的 YAML 标签 {node.tag!r} (tag not allowed)"))
            return None
        return [_convert(child, (*path, i), doc, problems, depth + 1, builder) for i, child in enumerate(node.value)]
    if isinstance(node, MappingNode):
        if node.tag != "tag:yaml.org,2002:map":
            problems.append(doc.problem(path, f"不支持的 YAML 标签 {node.tag!r} (tag not allowed)"))
            return None
        result: dict[str, Any] = {}
        first_seen: dict[str, Node] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                problems.append(
                    Problem(
                        SourceLocation(doc.path, key_node.start_mark.line + 1, key_node.start_mark.column + 1),
                        "键必须是简单文字 (a key must be a plain scalar)",
                    )
                )
                continue
            # Keys are names, always text: YAML 1.1 would read `on:`/`no:` as booleans and `1:` as a number.
            key: str = key_node.value
            if key_node.tag not in _ALLOWED_SCALAR_TAGS:
                problems.append(doc.problem(path, f"不支持的 YAML 标签 {key_node.tag!r} (tag not allowed)"))
                continue
            child_path = (*path, key)
            if key in first_seen:
                first = first_seen[key].start_mark
                dup = Problem(
                    SourceLocation(doc.path, key_node.start_mark.line + 1, key_node.start_mark.column + 1),
                    f"重复的键 '{key}' (duplicate key; first defined at line {first.line + 1})",
                    doc.source_line(key_node.start_mark.line + 1),
                    max(len(str(key)), 1),
                )
                problems.append(dup)
                continue
            first_seen[key] = key_node
            doc.keys[child_path] = key_node
            result[key] = _convert(value_node, child_path, doc, problems, depth + 1, builder)
        return result
    problems.append(doc.problem(path, "无法识别的 YAML 节点 (unrecognised node)"))
    return None
