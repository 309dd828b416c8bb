"""Schemathesis against the API's own OpenAPI (``/api/v1/openapi.json``), in the normal test run.

Every operation gets 25 generated requests (a fixed seed, so a run is reproducible) sent
in-process with an admin's token (every route is open to an admin). Checks: no 5xx, and every
response conforms to the schema it declares (the envelope for every error).

The schema is loaded with ``schemathesis.openapi.from_asgi`` from a fresh app per operation, and
each operation's strategy (``as_strategy``) drives a Hypothesis test. (``schemathesis.pytest
.from_fixture`` would be shorter, but schemathesis 4.32 reads a private pytest attribute that
pytest 9.2 no longer has.) The operations are those of the committed ``docs/openapi.json``,
which ``test_openapi.py`` holds equal to the generated schema.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

schemathesis = pytest.importorskip("schemathesis")

from hypothesis import HealthCheck, given, seed, settings  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import response_schema_conformance  # noqa: E402

from .conftest import make_api_world  # noqa: E402

COMMITTED = Path(__file__).parents[2] / "docs" / "openapi.json"
OPERATIONS = [(method.upper(), path) for path, ops in json.loads(COMMITTED.read_text())["paths"].items()
              for method in ops]
EXAMPLES = 25


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_operation_conforms_to_its_schema(tmp_path: Path, method: str, path: str) -> None:
    api = make_api_world(tmp_path / "fuzz.sqlite")
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", api.world.app)
    operation = schema[path][method]
    headers = api.headers("adam")
    statuses: list[int] = []

    @given(case=operation.as_strategy())
    @seed(20261205)
    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
    def run(case: Any) -> None:
        response = case.call_and_validate(headers=headers, checks=[not_a_server_error,
                                                                   response_schema_conformance])
        statuses.append(response.status_code)

    run()
    assert statuses and all(s < 500 for s in statuses)
