"""The condition language: text → tokens → tree → checked tree → closure.

Stages live in their own modules: :mod:`.lexer`, :mod:`.parser`, :mod:`.ast`,
:mod:`.typecheck` and :mod:`.compile`.
"""

from yibao_rules.expr.ast import Expr, to_source
from yibao_rules.expr.compile import (
    UNKNOWN,
    EvaluationError,
    Evaluator,
    compile_expr,
    link_predicates,
    predicate_reader,
)
from yibao_rules.expr.parser import parse
from yibao_rules.expr.typecheck import Checked, Scope, typecheck
from yibao_rules.expr.types import Type

__all__ = [
    "UNKNOWN",
    "Checked",
    "EvaluationError",
    "Evaluator",
    "Expr",
    "Scope",
    "Type",
    "compile_expr",
    "link_predicates",
    "parse",
    "predicate_reader",
    "to_source",
    "typecheck",
]
