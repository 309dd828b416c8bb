"""Hostile hook requests: text no field can hold (a NUL, a lone surrogate) is a 400 naming the
field, as on the feedback endpoint (one check, ``text_problems``, for both); a bearer token that
cannot be sent in a header is a 400, not a card blaming the server; a body nested as deep as the
JSON parser goes is answered, not a 500."""

from __future__ import annotations

import json
import sys
from typing import Any

import pytest
from fastapi.testclient import TestClient

from .conftest import BASE, hook_body, token

URL = "/cds-services/myoscope-patient-view"
NUL = "contains a NUL character"
SURROGATE = "contains a lone surrogate (not valid Unicode text)"


@pytest.fixture
def api(client: TestClient) -> TestClient:
    """The client, with a server error answered as the 500 a caller would see (not raised)."""
    return TestClient(client.app, raise_server_exceptions=False, base_url=BASE)


def post(api: TestClient, raw: str, url: str = URL) -> Any:
    headers = {"Authorization": f"Bearer {token(aud=BASE + url)}", "content-type": "application/json"}
    return api.post(url, content=raw, headers=headers)


def problems(r: Any) -> dict[str, str]:
    assert r.status_code == 400, r.text
    body = r.json()["error"]
    assert body["code"] == "invalid_request"
    named = [p["field"] for p in body["problems"]]
    assert len(named) == len(set(named)), named  # each field named once
    return {p["field"]: p["problem"] for p in body["problems"]}


def body_with(path: str, value: str) -> dict[str, Any]:
    """A hook request with prefetch and a FHIR server, ``value`` put at the dotted ``path``."""
    body = hook_body(server=True)
    *parents, last = path.split(".")
    at: Any = body
    for key in parents:
        at = at[int(key)] if isinstance(at, list) else at[key]
    at[int(last) if isinstance(at, list) else last] = value
    return body


FIELDS = [
    "context.patientId",
    "context.userId",
    "hookInstance",
    "fhirServer",
    "fhirAuthorization.access_token",
    "prefetch.patient.gender",
    "prefetch.observations.entry.0.resource.code.coding.0.code",
    "prefetch.observations.entry.0.resource.status",
]


@pytest.mark.parametrize("path", FIELDS)
def test_a_nul_anywhere_in_the_hook_request_is_a_400_naming_the_field(api: TestClient, path: str) -> None:
    """Before: a NUL in hookInstance, userId or a prefetched Observation was taken in silence, and
    one in patientId was named by the pattern it does not match rather than by what it holds."""
    r = post(api, json.dumps(body_with(path, "ab\u0000c")))
    assert problems(r) == {path: NUL}


@pytest.mark.parametrize("path", FIELDS)
def test_a_lone_surrogate_anywhere_in_the_hook_request_is_a_400_naming_the_field(
    api: TestClient, path: str
) -> None:
    raw = json.dumps(body_with(path, "@@")).replace('"@@"', '"a\\ud800b"')
    assert problems(post(api, raw)) == {path: SURROGATE}


def test_a_bad_key_name_is_named_escaped_and_with_the_other_problems(api: TestClient) -> None:
    """A key holding a lone surrogate is named escaped (never echoed raw: a response holding one
    cannot be encoded), once; pydantic's own complaint (which named the whole body) is left out;
    the other invalid fields are still named."""
    body = hook_body()
    body["context"]["@@"] = 1
    body["hookInstance"] = 5
    raw = json.dumps(body).replace('"@@"', '"k\\udc00"')
    assert problems(post(api, raw)) == {
        "context.k\\udc00": f"its name {SURROGATE}",
        "hookInstance": "Input should be a valid string",
    }


def test_context_problems_are_named_where_they_are_in_the_body(api: TestClient) -> None:
    body = hook_body()
    body["context"]["patientId"] = "not an id!"
    assert list(problems(post(api, json.dumps(body)))) == ["context.patientId"]


@pytest.mark.parametrize("bad", ["tokén", "two words", "a\nX-Injected: 1", "a\tb"])
def test_a_bearer_token_that_cannot_be_sent_is_a_400(api: TestClient, bad: str) -> None:
    """Before: a non-ASCII token made httpx fail building the header, and the card said the FHIR
    server "did not answer JSON"; a CR or LF would start another header."""
    body = hook_body(prefetch=False, server=True)
    body["fhirAuthorization"]["access_token"] = bad
    assert list(problems(post(api, json.dumps(body)))) == ["fhirAuthorization.access_token"]


def test_a_usual_bearer_token_still_passes(client: TestClient) -> None:
    body = hook_body(prefetch=False, server=True)
    body["fhirAuthorization"]["access_token"] = "eyJhbGciOi.J9-_~+/x=="
    r = post(client, json.dumps(body))
    assert r.status_code == 200 and client.app.state.fhir_stub.state.auth == ["Bearer eyJhbGciOi.J9-_~+/x=="]


def deep(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_a_body_nested_as_deep_as_the_parser_goes_is_answered_not_a_500(api: TestClient) -> None:
    """The JSON parser accepts lists nested nearly ``sys.getrecursionlimit()`` deep; the NUL and
    surrogate check recursed into them two frames a level and overflowed the stack (feedback: a
    500). It now walks with its own stack, and finds what is at the bottom."""
    depth = sys.getrecursionlimit() - 100
    item = json.dumps({"card": "a", "outcome": "accepted", "outcomeTimestamp": "2026-12-05T10:00:00Z"})
    raw = '{"feedback": [' + item[:-1] + ', "x": ' + deep(depth) + "}]}"
    r = post(api, raw, URL + "/feedback")
    assert r.status_code == 200 and r.json() == {"stored": 1}

    raw = json.dumps(hook_body()).replace('"hook"', f'"deep": {deep(depth)}, "hook"', 1)
    assert post(api, raw).status_code == 200
    raw = json.dumps(hook_body()).replace('"hook"', '"deep": ' + "[" * depth + '"\\u0000"' + "]" * depth + ', "hook"', 1)
    (field,) = problems(post(api, raw))
    assert field == "deep" + ".0" * depth


def test_many_bad_strings_are_named_up_to_a_cap_and_the_rest_counted(api: TestClient) -> None:
    """Every bad field is named, up to ``MAX_TEXT_PROBLEMS``; the rest are counted in one line (a
    body of a million NUL strings answered a list of a million before)."""
    from myoscope.cdshooks.models import MAX_TEXT_PROBLEMS

    body = hook_body()
    body["context"]["extra"] = ["\u0000"] * (MAX_TEXT_PROBLEMS + 250)
    got = problems(post(api, json.dumps(body)))
    assert len(got) == MAX_TEXT_PROBLEMS + 1
    assert got["context.extra.0"] == NUL and f"context.extra.{MAX_TEXT_PROBLEMS - 1}" in got
    assert got["(body)"].startswith("250 more names or values hold a NUL character")
