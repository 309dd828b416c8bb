"""`myoscope workup`: exact output (golden files, reviewed by hand), JSON, errors.

The golden files pin the whole clinician and patient views for one record; a knowledge change
that alters them must update them deliberately (regenerate and review the diff).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from myoscope.cli import app

runner = CliRunner()
HERE = Path(__file__).parent / "cli"
RECORD = HERE / "steroid.yaml"


@pytest.mark.parametrize(("fmt", "golden"), [("text", "steroid.text.txt"), ("patient", "steroid.patient.txt")])
def test_exact_output(fmt: str, golden: str) -> None:
    result = runner.invoke(app, ["workup", str(RECORD), "--format", fmt, "--detail"])
    assert result.exit_code == 0, result.output
    assert result.stdout == (HERE / golden).read_text("utf-8").replace("{FILE}", str(RECORD))


def test_json_output_has_the_workup_contract() -> None:
    result = runner.invoke(app, ["workup", str(RECORD), "-f", "json"])
    assert result.exit_code == 0
    d = json.loads(result.stdout)
    assert d["id"] == "steroid-1" and d["source"] == str(RECORD)
    assert [c["id"] for c in d["candidates"]] == ["glucocorticoid_myopathy"]
    assert d["candidates"][0]["score"] == 9 and d["red_flags"] == []
    assert "supports and does not replace clinical diagnosis" in d["disclaimer"]


def test_several_records_give_a_json_list(tmp_path: Path) -> None:
    p = tmp_path / "two.json"
    p.write_text(json.dumps([{"sex": "male", "age": 70}, {"sex": "female", "age": 20}]))
    result = runner.invoke(app, ["workup", str(p), "-f", "json"])
    assert result.exit_code == 0
    assert [d["source"] for d in json.loads(result.stdout)] == [f"{p}[0]", f"{p}[1]"]


def test_bad_history_is_an_error_naming_every_field(tmp_path: Path) -> None:
    p = tmp_path / "bad.yaml"
    p.write_text("sex: male\nhistory: {tempo: soon, signs: {reflexes: wobbly}}\n")
    result = runner.invoke(app, ["workup", str(p)])
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == (
        f"Error: invalid record {p} (2 problems):\n"
        "  - history.tempo: 'soon' is not one of hours, days, weeks, months, years\n"
        "  - history.signs.reflexes: 'wobbly' is not one of absent, reduced, normal, brisk\n"
    )


def test_unknown_format_is_an_error() -> None:
    result = runner.invoke(app, ["workup", str(RECORD), "-f", "pdf"])
    assert result.exit_code == 2
    assert result.stderr == "Error: unknown format 'pdf' (expected text, json, patient)\n"


def test_assess_text_and_json_include_the_workup() -> None:
    text = runner.invoke(app, ["assess", str(RECORD), "--detail"]).stdout
    assert "Cause work-up (supports, does not replace, clinical diagnosis" in text
    assert "  1. Glucocorticoid (steroid) myopathy: score 9, confidence high;" in text
    d = json.loads(runner.invoke(app, ["assess", str(RECORD), "-f", "json"]).stdout)
    assert d["workup"]["candidates"][0]["id"] == "glucocorticoid_myopathy"
