"""docs/fhir.md's worked examples are executed: ``myoscope fhir import`` prints exactly what it shows,
and the ``$assess`` requests get the responses shown."""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path

import pytest
from typer.testing import CliRunner

pytest.importorskip("fhir.resources")
warnings.filterwarnings("ignore", message=".*httpx2.*")

from myoscope.cli import app  # noqa: E402

ROOT = Path(__file__).parents[2]


def test_fhir_import_example(monkeypatch: pytest.MonkeyPatch) -> None:
    text = (ROOT / "docs" / "fhir.md").read_text("utf-8")
    block = re.search(r"<!-- example:fhir-import -->\n```\n\$ myoscope (.*?)\n(.*?)```", text, re.S)
    assert block
    monkeypatch.chdir(ROOT)
    res = CliRunner().invoke(app, block.group(1).split())
    assert res.exit_code == 0
    assert res.output == block.group(2)


def test_assess_http_examples(tmp_path: Path) -> None:
    """docs/fhir.md's worked ``$assess`` requests are sent in order; each documented response
    (status, headers, the body's shown part) must match."""
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from ..api.conftest import make_api_world
    from ..api.test_docs_api import matches, split

    api = make_api_world(tmp_path / "docs.sqlite")
    env = {"ALICE": api.tokens["alice"], "ADAM": api.tokens["adam"]}
    text = (ROOT / "docs" / "fhir.md").read_text("utf-8")
    blocks = re.findall(r"```http\n(.*?)```", text, re.S)
    assert len(blocks) == 6, "three requests, each with its response"
    with TestClient(api.world.app, base_url="http://testserver") as client:
        for request, response in zip(blocks[::2], blocks[1::2], strict=True):
            line, headers, body = split(re.sub(r"\$([A-Z]+)\b", lambda m: env[m.group(1)], request))
            method, path = line.split(" ", 1)
            r = client.request(method, path, headers=headers, content=body.encode() if body else None)
            status_line, want_headers, want_body = split(response)
            assert status_line.startswith(f"HTTP/1.1 {r.status_code} "), (line, r.status_code, r.text[:300])
            for name, value in want_headers.items():
                assert r.headers.get(name) == value, (line, name, r.headers.get(name))
            assert matches(json.loads(want_body), r.json()), (line, r.text[:800])
