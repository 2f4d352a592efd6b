"""Error types.

Every error the library raises on bad input is a :class:`YibaoError`.  Errors that
point into a rule file carry a :class:`SourceLocation`; the rendered message always
starts with ``path:line:col:`` so editors and terminals can jump to it.
"""

from __future__ import annotations

import difflib
import reprlib
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

__all__ = [
    "ConditionError",
    "DeadlineError",
    "FactsError",
    "Problem",
    "RulebookError",
    "SourceLocation",
    "UnknownItemError",
    "YibaoError",
    "did_you_mean",
    "shown",
]


@dataclass(frozen=True, order=True)
class SourceLocation:
    """A position in a rule file. ``line`` and ``col`` are 1-based; ``col`` counts characters."""

    path: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}"


@dataclass(frozen=True)
class Problem:
    """One located problem in a rulebook.

    ``source_line`` and ``length`` let a renderer underline the offending part
    (``length`` characters starting at ``location.col``).
    """

    location: SourceLocation
    message: str
    source_line: str | None = None
    length: int = 1
    severity: str = "error"

    def brief(self) -> str:
        """The one-line ``path:line:col: message`` form."""
        prefix = "" if self.severity == "error" else f"{self.severity}: "
        return f"{self.location}: {prefix}{self.message}"

    def render(self) -> str:
        """The one-line form followed, when known, by the source line and a caret under the problem."""
        text = self.brief()
        if self.source_line is None:
            return text
        line = self.source_line.rstrip("\n")
        start = max(self.location.col - 1, 0)
        pad = display_width(line[:start])
        width = max(display_width(line[start : start + max(self.length, 1)]), 1)
        return f"{text}\n    {line}\n    {' ' * pad}{'^' * width}"


def display_width(text: str) -> int:
    """Terminal columns taken by ``text``: CJK characters are two columns wide."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


class YibaoError(Exception):
    """Base class of every error this library raises about its input."""


class RulebookError(YibaoError):
    """Rule files (or scenario files) could not be loaded. Holds every problem found, not just the first."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(sorted(problems, key=lambda p: p.location))
        super().__init__(len(self.problems))

    def __str__(self) -> str:  # rendered when asked for: a broken file can have a million problems
        return self.render()

    def render(self, *, brief: bool = False, limit: int | None = None) -> str:
        """Every problem (or the first ``limit`` and a count of the rest), after a summary line."""
        return "\n".join(self.lines(brief=brief, limit=limit))

    def lines(self, *, brief: bool = False, limit: int | None = None) -> Iterator[str]:
        """:meth:`render` one problem at a time, for printing as they are rendered."""
        yield summary(len(self.problems)) + ":"
        yield from render_problems(self.problems, brief=brief, limit=limit)


def summary(count: int) -> str:
    """``发现 N 处问题 (N problems found)``."""
    return f"发现 {count} 处问题 ({count} problem{'s' if count != 1 else ''} found)"


def render_problems(problems: Sequence[Problem], *, brief: bool = False, limit: int | None = None) -> Iterator[str]:
    """Each problem rendered in turn; past ``limit`` problems, one line counting the rest."""
    for n, problem in enumerate(problems):
        if limit is not None and n >= limit:
            rest = len(problems) - limit
            yield f"……另有 {rest} 处问题未显示 ({rest} more problem{'s' if rest != 1 else ''} not shown)"
            return
        yield problem.brief() if brief else problem.render()


@dataclass
class ConditionError(YibaoError):
    """A condition string is malformed or does not type-check.

    ``offset`` and ``length`` are character positions inside the condition text; the
    loader turns them into a file location.
    """

    message: str
    offset: int = 0
    length: int = 1
    text: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        super().__init__(self.message)

    def __str__(self) -> str:
        if not self.text:
            return self.message
        text = self.text
        if len(text) > 120:  # a long condition is shown around the offending part only
            start = max(self.offset - 40, 0)
            text = ("…" if start else "") + text[start : start + 80] + "…"
        return f"{self.message} (at character {self.offset + 1} of {text!r})"


class DeadlineError(YibaoError):
    """A deadline question that cannot be answered as asked (e.g. a pause before receipt)."""


class FactsError(YibaoError):
    """Facts supplied for a decision do not match the fact vocabulary."""


class UnknownItemError(YibaoError):
    """An item or bundle id/name is not in the rulebook."""


MAX_SUGGEST_LENGTH = 200
"""Words longer than this get no suggestion: nothing sensible is that long, and the cost grows with it."""


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """A ``" (did you mean 'x'?)"`` suffix for the closest candidate, or ``""``."""
    if not isinstance(word, str) or len(word) > MAX_SUGGEST_LENGTH:
        return ""
    pool = [c for c in candidates if isinstance(c, str) and len(c) <= MAX_SUGGEST_LENGTH]
    matches = difflib.get_close_matches(word, pool, n=1, cutoff=0.6)
    return f" (did you mean '{matches[0]}'?)" if matches else ""


def did_you_mean_fact(key: str, keys: Iterable[str]) -> str:
    """Like :func:`did_you_mean` for a ``party.name`` fact key, but a fact of the same name
    under another party is the better suggestion (``employer.insurance_type`` →
    ``applicant.insurance_type``): the author named the wrong party, not a wrong fact."""
    listed = list(keys)
    name = key.partition(".")[2]
    same_name = [k for k in listed if k.partition(".")[2] == name and k != key]
    if same_name:
        owners = "、".join(k.partition(".")[0] for k in same_name)
        return f" (did you mean '{same_name[0]}'? '{name}' 是 {owners} 的事实 (a fact of {owners}))"
    return did_you_mean(key, listed)


class _Shown(reprlib.Repr):
    """``repr`` with every part bounded: long text, big numbers and deep nesting are abridged."""

    def __init__(self) -> None:
        super().__init__()
        self.maxlevel = 3
        self.maxstring = 80
        self.maxother = 80
        self.maxlong = 40

    def repr_int(self, x: int, level: int) -> str:
        if x.bit_length() > 128:  # repr() itself fails past 4300 digits
            return f"<{'-' if x < 0 else ''}integer of about {int(x.bit_length() * 0.30103) + 1} digits>"
        return super().repr_int(x, level)

    def repr_instance(self, x: object, level: int) -> str:
        try:
            return super().repr_instance(x, level)
        except Exception:
            return f"<{type(x).__name__}>"


_SHOWN = _Shown()


def shown(value: object) -> str:
    """A short, always computable ``repr`` of an input value, for error messages.

    >>> shown(10**5000)
    '<integer of about 5001 digits>'
    """
    try:
        return _SHOWN.repr(value)
    except Exception:  # a hostile __repr__, or nesting reprlib cannot see into
        return f"<{type(value).__name__}>"
