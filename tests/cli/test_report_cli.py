"""``myoscope report``: a record or a stored patient to a clinician or patient PDF/HTML."""

from __future__ import annotations

import io
import re
import sqlite3
from pathlib import Path

from typer.testing import CliRunner

from myoscope.cli import app

runner = CliRunner()
EXAMPLES = Path(__file__).parents[2] / "examples"


def _text(pdf: Path) -> str:
    from pypdf import PdfReader

    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.read_bytes())).pages)
    return re.sub(r"\s+", " ", text)


def test_record_to_clinician_pdf_and_patient_html(tmp_path: Path) -> None:
    out = tmp_path / "c.pdf"
    r = runner.invoke(app, ["report", str(EXAMPLES / "maria_severe.yaml"), "--out", str(out),
                            "--assessor", "Dr Q", "--no-projection"])
    assert r.exit_code == 0, r.output
    assert r.stdout == f"Wrote {out}\n"
    text = _text(out)
    assert "example-maria" in text and "Dr Q" in text and "severe sarcopenia" in text
    html = tmp_path / "p.html"
    r = runner.invoke(app, ["report", str(EXAMPLES / "maria_severe.yaml"), "-o", str(html), "-a", "patient"])
    assert r.exit_code == 0, r.output
    assert html.read_text().startswith("<!doctype html>") and "What we found" in html.read_text()
    assert not list(tmp_path.glob(".*tmp*"))  # no temporary file left behind


def test_clinician_report_embeds_the_projection_chart(tmp_path: Path) -> None:
    out = tmp_path / "c.html"
    r = runner.invoke(app, ["report", str(EXAMPLES / "maria_severe.yaml"), "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert 'src="data:image/svg+xml;base64,' in out.read_text() and "Projection of example-maria" in out.read_text()


def test_usage_errors_name_the_problem_and_write_nothing(tmp_path: Path) -> None:
    rec = str(EXAMPLES / "maria_severe.yaml")
    cases = [
        (["report", rec], "Error: --output is required (a .pdf or .html file)\n"),
        (["report", rec, "-o", str(tmp_path / "r.docx")], f"Error: --output {tmp_path / 'r.docx'} does not end in .pdf or .html\n"),
        (["report", "-o", str(tmp_path / "r.pdf")], "Error: give a RECORD file or --patient PSEUDONYM (one of them)\n"),
        (["report", rec, "-p", "X", "-o", str(tmp_path / "r.pdf")], "Error: give a RECORD file or --patient PSEUDONYM (one of them)\n"),
        (["report", rec, "-o", str(tmp_path / "r.pdf"), "-a", "nurse"], "Error: unknown audience 'nurse' (expected clinician or patient)\n"),
        (["report", rec, "-o", str(tmp_path / "r.pdf"), "--page-size", "A5", "--no-projection"], "Error: unknown page size 'A5' (expected A4 or Letter)\n"),
    ]
    for args, err in cases:
        r = runner.invoke(app, args)
        assert r.exit_code == 2 and r.stderr == err, (args, r.stderr)
    assert not list(tmp_path.iterdir())


def test_stored_patient_report_is_an_audited_read(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'reg.sqlite'}"
    env = {"MYOSCOPE_DATABASE_URL": url, "MYOSCOPE_USER": "report-test"}
    visit = tmp_path / "v.yaml"
    visit.write_text("date: 2025-05-10\nweight: 55.8\nheight: 160\ngrip_strength: 16\ngait_speed: 0.8\n")
    for args in (["db", "init"], ["patient", "add", "ANNA", "--sex", "F", "--birth-date", "1944-05-01"],
                 ["visit", "add", "ANNA", str(visit)]):
        assert runner.invoke(app, args, env=env).exit_code == 0
    out = tmp_path / "anna.pdf"
    r = runner.invoke(app, ["report", "--patient", "ANNA", "-o", str(out), "--no-projection"], env=env)
    assert r.exit_code == 0, r.output
    text = _text(out)
    assert "ANNA" in text and "2025-05-10" in text and "Measurements over visits" in text
    with sqlite3.connect(tmp_path / "reg.sqlite") as con:
        rows = con.execute("SELECT actor, action FROM audit_log WHERE entity = 'patient'").fetchall()
    assert ("report-test", "read") in rows
    r = runner.invoke(app, ["report", "--patient", "NOBODY", "-o", str(tmp_path / "x.pdf")], env=env)
    assert r.exit_code == 2 and r.stderr.startswith("Error: ") and not (tmp_path / "x.pdf").exists()
