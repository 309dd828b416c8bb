"""``POST /assess|workup|plan|simulate`` return exactly the JSON of ``myoscope <command> --format json``.

Each example record goes through the real CLI (a file) and the API (the same record as the
body); the documents must be equal except where each names its input: the CLI names the file
(``source``, a simulation's ``record`` and ``scenario.source``/``name``), the API "request body".
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from myoscope.cli import app as cli

from .conftest import ApiWorld

EXAMPLES = sorted((Path(__file__).parents[2] / "examples").glob("*.yaml"))
runner = CliRunner()


def cli_json(*args: str) -> Any:
    result = runner.invoke(cli, [*args, "--format", "json"])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def relabel(doc: Any, file: str) -> Any:
    """The API's document with the CLI's names for its input (the only permitted difference)."""
    text = json.dumps(doc, ensure_ascii=False)
    return json.loads(text.replace('"request body"', json.dumps(file)))


def test_there_are_examples() -> None:
    assert len(EXAMPLES) >= 4


@pytest.mark.parametrize("command", ["assess", "workup", "plan"])
@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_record_commands_equal_the_cli(client: TestClient, api: ApiWorld, command: str, example: Path) -> None:
    record = yaml.safe_load(example.read_text())
    r = client.post(f"/api/v1/{command}", json=record, headers=api.headers("alice"))
    assert r.status_code == 200, r.text[:300]
    assert r.headers["content-type"] == "application/json"
    expected = cli_json(command, str(example))
    assert relabel(r.json(), str(example)) == expected
    if command == "workup":  # the label is the only difference, and it is there
        assert r.json()["source"] == "request body" and expected["source"] == str(example)


def test_assess_with_definitions_equals_the_cli(client: TestClient, api: ApiWorld) -> None:
    example = EXAMPLES[0]
    r = client.post("/api/v1/assess?definitions=ewgsop2,glim2019", json=yaml.safe_load(example.read_text()),
                    headers=api.headers("alice"))
    expected = cli_json("assess", str(example), "--definitions", "ewgsop2,glim2019")
    assert sorted(expected["results"]) == ["ewgsop2", "glim2019"]
    assert relabel(r.json(), str(example)) == expected


def test_simulate_equals_the_cli(client: TestClient, api: ApiWorld) -> None:
    example = next(p for p in EXAMPLES if p.stem == "maria_severe")
    body = {"record": yaml.safe_load(example.read_text()), "events": ["bed_rest@0-10"], "draws": 50,
            "seed": 7, "years": 1, "step": "month", "evidence": False}
    r = client.post("/api/v1/simulate", json=body, headers=api.headers("alice"))
    assert r.status_code == 200, r.text[:300]
    expected = cli_json("simulate", "--record", str(example), "--event", "bed_rest@0-10", "--draws", "50",
                        "--seed", "7", "--years", "1", "--step", "month", "--no-evidence")
    got = r.json()
    assert got["scenario"]["name"] == "request scenario" and got["record"] == "request body"
    got["scenario"].update(name=expected["scenario"]["name"], source=expected["scenario"]["source"])
    got["record"] = expected["record"]
    assert got == expected
    assert got["scenario"]["timeline"] and got["settings"]["draws"] == 50


def test_the_api_encodes_as_the_cli_does(client: TestClient, api: ApiWorld) -> None:
    """The CLI's encoding (non-ASCII kept, the standard separators), one line: the body is exactly
    ``json.dumps(document, ensure_ascii=False)``."""
    r = client.post("/api/v1/assess", json={"sex": "female", "age": 80, "grip_strength": "12 kg"},
                    headers=api.headers("alice"))
    assert not r.text.isascii() and "\\u" not in r.text
    assert r.text == json.dumps(r.json(), ensure_ascii=False)


def test_visit_assessment_equals_the_cli(client: TestClient, api: ApiWorld) -> None:
    w = api.world
    r = client.get(f"/api/v1/patients/{w.patient_a}/visits/{w.visit_a}/assessment", headers=api.headers("alice"))
    assert r.status_code == 200
    result = runner.invoke(cli, ["visit", "assessment", str(w.visit_a), "--format", "json"],
                           env={"MYOSCOPE_DATABASE_URL": str(w.app.state.engine.url), "MYOSCOPE_USER": "t"})
    assert result.exit_code == 0, result.stderr
    assert r.json() == json.loads(result.stdout)
    assert r.json()["results"]["ewgsop2"]["trace"]  # the full result, traces and all
