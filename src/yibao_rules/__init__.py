"""yibao-rules: Chinese medical-insurance (医保) government service items as data.

>>> import yibao_rules
>>> book = yibao_rules.load_rulebook()          # the rulebook shipped with the package
>>> book.item("职工医保个人账户家庭共济办理").model.item_type
'公共服务类（即办件）'
"""

from yibao_rules.errors import (
    ConditionError,
    FactsError,
    Problem,
    RulebookError,
    SourceLocation,
    UnknownItemError,
    YibaoError,
)
from yibao_rules.resources import default_rules_path
from yibao_rules.results import BundleReport, Checklist, DeadlineReport, Decision
from yibao_rules.rulebook import Rulebook, load_rulebook

__all__ = [
    "BundleReport",
    "Checklist",
    "ConditionError",
    "DeadlineReport",
    "Decision",
    "FactsError",
    "Problem",
    "Rulebook",
    "RulebookError",
    "SourceLocation",
    "UnknownItemError",
    "YibaoError",
    "__version__",
    "default_rules_path",
    "load_rulebook",
]

__version__ = "0.1.0"
