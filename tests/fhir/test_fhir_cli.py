"""``myoscope fhir import``: the record written, the report printed, errors as ``Error:`` exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

pytest.importorskip("fhir.resources")

from myoscope.cli import app

FIXTURES = Path(__file__).parents[1] / "fixtures" / "fhir"


def test_import_writes_the_record_and_reports(tmp_path: Path) -> None:
    out = tmp_path / "maria.yaml"
    res = CliRunner().invoke(app, ["fhir", "import", str(FIXTURES / "maria_us_units.json"), "-o", str(out)])
    assert res.exit_code == 0, res.output
    rec = yaml.safe_load(out.read_text("utf-8"))
    assert rec["sex"] == "female" and rec["height"] == pytest.approx(157.48)
    assert "Observation/bp-systolic: http://loinc.org|8480-6" in res.output


def test_a_record_without_sex_is_refused_and_nothing_written(tmp_path: Path) -> None:
    bundle = tmp_path / "b.json"
    bundle.write_text('{"resourceType": "Bundle", "type": "collection", "entry": [{"resource": '
                      '{"resourceType": "Patient", "id": "x", "gender": "unknown"}}]}', "utf-8")
    out = tmp_path / "r.yaml"
    res = CliRunner().invoke(app, ["fhir", "import", str(bundle), "-o", str(out)])
    assert res.exit_code == 2 and "Error: invalid record" in res.output and "sex" in res.output
    assert not out.exists()


def test_not_fhir_is_an_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"weight": 70}', "utf-8")
    res = CliRunner().invoke(app, ["fhir", "import", str(bad)])
    assert res.exit_code == 2 and "Error: invalid FHIR input" in res.output
