"""docs/api.md is executed: every worked request is sent, in order, and its documented response
(status, headers, the body's shown part) must match; every route is documented."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from .conftest import ApiWorld

DOC = Path(__file__).parents[2] / "docs" / "api.md"
BLOCK = re.compile(r"```http\n(.*?)```", re.S)
VAR = re.compile(r"\$([A-Z_]+)")


def split(block: str) -> tuple[str, dict[str, str], str]:
    head, _, body = block.partition("\n\n")
    first, *lines = head.strip().splitlines()
    headers = dict(line.split(": ", 1) for line in lines)
    return first, headers, body.strip()


def matches(shown: Any, actual: Any) -> bool:
    """``shown`` is a part of ``actual``: "..." is any value; objects show some keys; a list shows
    all its items, or its first ones when it ends in "..."."""
    if shown == "...":
        return True
    if isinstance(shown, dict):
        return isinstance(actual, dict) and all(k in actual and matches(v, actual[k]) for k, v in shown.items())
    if isinstance(shown, list):
        if not isinstance(actual, list):
            return False
        more = bool(shown) and shown[-1] == "..."
        items = shown[:-1] if more else shown
        return (len(actual) >= len(items) if more else len(actual) == len(items)) and all(
            matches(s, a) for s, a in zip(items, actual, strict=False))
    return bool(shown == actual)


def examples() -> list[tuple[str, str]]:
    blocks = BLOCK.findall(DOC.read_text("utf-8"))
    assert len(blocks) % 2 == 0, "every request in docs/api.md needs its response"
    return list(zip(blocks[::2], blocks[1::2], strict=True))


def test_worked_examples_run(client: TestClient, api: ApiWorld) -> None:
    env = {"ALICE": api.tokens["alice"], "ADAM": api.tokens["adam"]}
    pairs = examples()
    assert len(pairs) >= 12
    for request, response in pairs:
        line, headers, body = split(VAR.sub(lambda m: env[m.group(1)], request))
        method, path = line.split(" ", 1)
        r = client.request(method, path, headers=headers, content=body.encode() if body else None)
        status_line, want_headers, want_body = split(response)
        assert status_line.startswith(f"HTTP/1.1 {r.status_code} "), (line, r.status_code, r.text[:300])
        for name, value in want_headers.items():
            got = r.headers.get(name)
            if value.startswith("$"):
                assert got, (line, name)
                env[value[1:]] = got
            else:
                assert got == value, (line, name, got)
        if want_body:
            assert matches(json.loads(want_body), r.json()), (line, r.text[:800])
        else:
            assert r.content == b"", line


def test_every_route_is_documented(api: ApiWorld) -> None:
    text = DOC.read_text("utf-8")
    schema = json.loads((DOC.parent / "openapi.json").read_text("utf-8"))
    for path, ops in schema["paths"].items():
        shown = re.sub(r"\{patient_id\}", "{id}", re.sub(r"\{visit_id\}", "{visit}", path))
        for method in ops:
            assert f"`{method.upper()} /api/v1{shown}`" in text, f"{method.upper()} {path} is not in docs/api.md"


def test_matches_is_strict_where_it_should_be() -> None:
    assert matches({"a": [1, "..."]}, {"a": [1, 2], "b": 3})
    assert not matches({"a": [1]}, {"a": [1, 2]})
    assert not matches({"a": 1}, {"b": 1})
    assert not matches([{"x": 1}], [{"x": 2}])
