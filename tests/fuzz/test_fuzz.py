"""Fuzzing every input path: conditions, rule files, facts, dates and event logs.

Every example must end in a clean result or a YibaoError, within its target's wall-clock
bound (see :mod:`tests.fuzz.targets`). The default run keeps the examples few (the whole
suite costs well under a minute); ``pytest --slow`` runs ten times as many, and
``benchmarks/fuzz.py --minutes N`` runs the same targets for as long as asked.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import HypothesisWarning

from .targets import CONDITIONS, DATES, EVENTS, FACTS, RULE_FILES, Target, outcome

pytestmark = pytest.mark.filterwarnings("ignore", category=HypothesisWarning)  # huge inputs are the point

SCALE = 10 if settings.default.max_examples >= 2000 else 1  # the "slow" profile of tests/conftest.py


def fuzz(target: Target, examples: int) -> Any:
    @given(target.strategy)
    @settings(max_examples=examples * SCALE, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def test(value: Any) -> None:
        assert outcome(target, value) in ("ok", "rejected")

    return test


# Examples per target in the default run (about 20 s in all on two shared cores); --slow: ten times as many.
test_conditions = fuzz(CONDITIONS, 1000)
test_rule_files = fuzz(RULE_FILES, 40)
test_facts = fuzz(FACTS, 500)
test_dates = fuzz(DATES, 500)
test_events = fuzz(EVENTS, 200)
