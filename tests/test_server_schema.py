"""schemathesis against ``/openapi.json``: no 5xx, and every response conforms to its schema.

Every operation of ``/api/v1`` gets generated requests, valid and invalid; the responses'
status codes, content types and bodies are checked against the document. The last test
makes sure the run really sent at least 500 requests.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from yibao_rules import load_rulebook
from yibao_rules.server import create_app

APP = create_app(load_rulebook())
SCHEMA = schemathesis.openapi.from_asgi("/openapi.json", APP)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
SENT: list[tuple[str, int]] = []
EXAMPLES = 60  # per operation; operations with few possible inputs (GET /health) send fewer
MINIMUM = 500


@SCHEMA.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_the_api_conforms_to_its_openapi_document(case: Any) -> None:
    response = case.call_and_validate(checks=CHECKS)
    SENT.append((case.operation.label, response.status_code))


def test_at_least_500_generated_requests_were_sent() -> None:
    if not SENT:
        pytest.skip("run with the schemathesis test above")
    by_status: dict[int, int] = {}
    for _, status in SENT:
        by_status[status] = by_status.get(status, 0) + 1
    print(f"\nschemathesis: {len(SENT)} requests over {len({op for op, _ in SENT})} operations, by status {by_status}")
    assert len(SENT) >= MINIMUM, f"only {len(SENT)} requests"
    assert all(status < 500 for _, status in SENT)
    statuses = {status for _, status in SENT}
    assert 200 in statuses and statuses & {404, 422}, "both answers and refusals were exercised"
