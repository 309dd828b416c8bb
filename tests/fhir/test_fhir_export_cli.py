"""``myoscope fhir export --patient``: a registry patient's latest assessed visit as a Bundle."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

pytest.importorskip("fhir.resources")
pytest.importorskip("sqlalchemy")

from myoscope.cli import app
from myoscope.fhir import r4b


def test_export_a_registry_patient(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'r.sqlite'}"
    visit = tmp_path / "v.yaml"
    visit.write_text("date: 2025-01-10\nheight: 160 cm\nweight: 50 kg\ngrip_strength: 12 kg\n"
                     "gait_speed: 0.6\nasm: 12\nasm_method: dxa\n", "utf-8")
    run = CliRunner()
    assert run.invoke(app, ["db", "init", "-D", db]).exit_code == 0
    assert run.invoke(app, ["patient", "add", "P1", "--sex", "F", "--birth-date", "1944-05-01", "-D", db]).exit_code == 0
    res = run.invoke(app, ["visit", "add", "P1", str(visit), "-D", db])
    assert res.exit_code == 0, res.output
    out = tmp_path / "p1.json"
    res = run.invoke(app, ["fhir", "export", "--patient", "P1", "-D", db, "-o", str(out)])
    assert res.exit_code == 0, res.output
    bundle = json.loads(out.read_text("utf-8"))
    assert r4b.to_json(r4b.parse_resource(bundle)) == bundle
    conds = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Condition"]
    assert [c["code"]["coding"][0]["code"] for c in conds] == ["M62.84"]
    assert all(c["subject"]["reference"] == "Patient/P1" for c in conds)
    res = run.invoke(app, ["fhir", "export", "--patient", "P1", "-D", db, "--project"])
    assert res.exit_code == 0, res.output
    kinds = [e["resource"]["resourceType"] for e in json.loads(res.output)["entry"]]
    assert kinds.count("RiskAssessment") == 1


def test_export_an_unknown_patient_is_an_error(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'r.sqlite'}"
    run = CliRunner()
    run.invoke(app, ["db", "init", "-D", db])
    res = run.invoke(app, ["fhir", "export", "--patient", "nobody", "-D", db])
    assert res.exit_code == 2 and res.output.startswith("Error:")
