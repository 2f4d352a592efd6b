"""Tokenizer for the condition language.

Conditions are short strings written by policy staff, so the lexer accepts Chinese
quotation marks (“…” and 「…」) around strings and names, and explains the common slips
(full-width brackets and commas, a single ``=``) instead of just rejecting them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum

from yibao_rules.errors import ConditionError

__all__ = ["KEYWORDS", "Token", "TokenKind", "tokenize"]


class TokenKind(Enum):
    NUMBER = "number"
    STRING = "string"
    NAME = "name"
    KEYWORD = "keyword"
    OP = "operator"
    END = "end of condition"


KEYWORDS = frozenset({"and", "or", "not", "in", "true", "false"})

_OPERATORS = ("==", "!=", "<=", ">=", "<", ">", "+", "-", "*", "/", "(", ")", "[", "]", ",")
_QUOTES = {'"': '"', "'": "'", "“": "”", "「": "」"}
_NAME = re.compile(r"[^\W\d]\w*(?:\.[^\W\d]\w*)*")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_FULL_WIDTH = {"（": "(", "）": ")", "，": ",", "［": "[", "］": "]", "＝": "=", "！": "!", "＜": "<", "＞": ">"}
MAX_LENGTH = 4000


@dataclass(frozen=True)
class Token:
    kind: TokenKind
    text: str
    offset: int
    value: object = None

    @property
    def length(self) -> int:
        return max(len(self.text), 1)


def tokenize(text: str) -> list[Token]:
    """Split a condition into tokens, ending with an ``END`` token.

    >>> [t.text for t in tokenize('a.b == "x"')]
    ['a.b', '==', '"x"', '']
    """
    if len(text) > MAX_LENGTH:
        raise ConditionError(f"条件过长 (condition longer than {MAX_LENGTH} characters)", MAX_LENGTH, 1, text)
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        if ch in _QUOTES:
            close = _QUOTES[ch]
            end = text.find(close, i + 1)
            if end < 0:
                raise ConditionError(f"字符串缺少结束引号 {close} (unterminated string)", i, n - i, text)
            tokens.append(Token(TokenKind.STRING, text[i : end + 1], i, text[i + 1 : end]))
            i = end + 1
            continue
        m = _NUMBER.match(text, i)
        if m:
            raw = m.group()
            value: int | Decimal = Decimal(raw) if "." in raw else int(raw)
            tokens.append(Token(TokenKind.NUMBER, raw, i, value))
            i = m.end()
            continue
        m = _NAME.match(text, i)
        if m:
            word = m.group()
            kind = TokenKind.KEYWORD if word in KEYWORDS else TokenKind.NAME
            tokens.append(Token(kind, word, i, word))
            i = m.end()
            continue
        op = next((o for o in _OPERATORS if text.startswith(o, i)), None)
        if op is not None:
            tokens.append(Token(TokenKind.OP, op, i, op))
            i += len(op)
            continue
        raise ConditionError(_explain_bad_char(text, i), i, 1, text)
    tokens.append(Token(TokenKind.END, "", n))
    return tokens


def _explain_bad_char(text: str, i: int) -> str:
    ch = text[i]
    if ch in _FULL_WIDTH:
        return f"全角字符 '{ch}'，请改用半角 '{_FULL_WIDTH[ch]}' (full-width character; use '{_FULL_WIDTH[ch]}')"
    if ch == "=":
        return "比较请用 '==' (use '==' to compare, not '=')"
    if ch == "!":
        return "不等于请用 '!=' 或 'not' (use '!=' or 'not')"
    if ch in "&|":
        return "逻辑运算请用 'and' / 'or' (use 'and' / 'or')"
    return f"无法识别的字符 {ch!r} (unexpected character)"
