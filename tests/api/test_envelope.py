"""The error envelope: one shape, problems with field/problem/expected (DESIGN §13)."""

import json

from myoscope.api.envelope import error_body, error_response
from myoscope.errors import Problem


def test_expected_is_lifted_from_the_message_when_stated() -> None:
    body = error_body(
        "invalid_record",
        "invalid record",
        [Problem("age", "300 years is implausible (expected 0–125 years)"), Problem("sex", "'x' is not one of male, female")],
    )
    assert body == {
        "error": {
            "code": "invalid_record",
            "message": "invalid record",
            "problems": [
                {"field": "age", "problem": "300 years is implausible (expected 0–125 years)", "expected": "0–125 years"},
                {"field": "sex", "problem": "'x' is not one of male, female", "expected": None},
            ],
        }
    }


def test_response_carries_status_and_body() -> None:
    r = error_response(404, "not_found", "no such patient")
    assert r.status_code == 404
    assert json.loads(bytes(r.body)) == {"error": {"code": "not_found", "message": "no such patient", "problems": []}}
