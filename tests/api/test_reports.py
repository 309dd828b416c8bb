"""The report routes: a stored patient's report (audited, scoped) and a record's report, as the
web app's download buttons and ``myoscope report`` give them (one service for the three faces)."""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

import myoscope
from myoscope.registry import repo
from myoscope.registry.models import AuditEvent

from .conftest import ApiWorld

pytest.importorskip("weasyprint")
pypdf = pytest.importorskip("pypdf")

EXAMPLES = Path(__file__).parents[2] / "examples"


def pdf_text(data: bytes) -> str:
    return re.sub(r"\s+", " ", " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(data)).pages))


def report_rows(api: ApiWorld, request_id: str) -> list[AuditEvent]:
    with api.world.app.state.sessions() as s:
        return [e for e in s.scalars(select(AuditEvent).where(AuditEvent.entity == "report"))
                if e.details.get("request_id") == request_id]


def test_a_stored_patients_clinician_pdf_holds_its_verdicts_and_is_audited(client: TestClient,
                                                                            api: ApiWorld) -> None:
    pa = api.world.patient_a
    r = client.get(f"/api/v1/patients/{pa}/report", headers=api.headers("alice"))
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert r.headers["content-disposition"] == f'attachment; filename="myoscope-clinician-report-{pa}.pdf"'
    text = pdf_text(r.content)
    assert "pa-001" in text and "alice" in text and "References" in text
    assert "Measurements over visits" in text and "Projection under the scenario" in text
    # the verdicts of the latest visit, as the API's own assessment of that visit states them
    va = api.world.visit_a
    stored = client.get(f"/api/v1/patients/{pa}/visits/{va}/assessment", headers=api.headers("alice")).json()
    outcomes = {stored["results"][d]["outcome"] for d in ("ewgsop2", "sdoc2020", "fnih2014")}
    assert all(o.replace("_", " ") in text for o in outcomes), outcomes
    rows = report_rows(api, r.headers["x-request-id"])
    assert [(e.action, e.actor, e.patient_id) for e in rows] == [("read", "alice", pa)]
    assert rows[0].details["via"] == "api" and rows[0].details["audience"] == "clinician"
    assert rows[0].details["format"] == "pdf" and rows[0].details["organisation"] == "Clinic A"


def test_patient_audience_html_and_letter_paper(client: TestClient, api: ApiWorld) -> None:
    pa = api.world.patient_a
    r = client.get(f"/api/v1/patients/{pa}/report?format=html&audience=patient&paper=letter",
                   headers=api.headers("alice"))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "What we found" in r.text and "size: Letter" in r.text
    assert report_rows(api, r.headers["x-request-id"])[0].details["audience"] == "patient"


def test_foreign_unknown_and_unauthenticated_reads_are_refused_and_not_audited(client: TestClient,
                                                                               api: ApiWorld) -> None:
    for pid in (api.world.patient_b, 999_999):  # another organisation's patient: as one that does not exist
        r = client.get(f"/api/v1/patients/{pid}/report", headers=api.headers("alice"))
        assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
        assert report_rows(api, r.headers["x-request-id"]) == []
    r = client.get(f"/api/v1/patients/{api.world.patient_a}/report")
    assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Bearer")
    assert client.post("/api/v1/report", json={"sex": "female", "age": 80}).status_code == 401
    r = client.get(f"/api/v1/patients/{api.world.patient_a}/report", headers=api.headers("rita"))
    assert r.status_code == 403  # researchers see no identifiable patient data
    r = client.get(f"/api/v1/patients/{api.world.patient_a}/report?format=doc&paper=a5",
                   headers=api.headers("alice"))
    assert r.status_code == 422 and {p["field"] for p in r.json()["error"]["problems"]} == {"format", "paper"}


def test_a_patient_with_no_visit_is_409_in_the_envelope(client: TestClient, api: ApiWorld) -> None:
    with api.world.app.state.sessions.begin() as s:
        empty = repo.add_patient(s, pseudonym="pa-empty", sex="female", birth_date=date(1950, 1, 1),
                                 organisation_name="Clinic A", actor="test").id
    r = client.get(f"/api/v1/patients/{empty}/report", headers=api.headers("alice"))
    assert r.status_code == 409 and r.json()["error"]["code"] == "conflict"
    assert "no visit" in r.json()["error"]["message"]


def test_a_records_report_is_the_clis(client: TestClient, api: ApiWorld, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from myoscope.cli import app

    record = myoscope.load_records(str(EXAMPLES / "maria_severe.yaml"))[0]
    body = {"id": record.id, **{k: v for k, v in record.values.items() if v is not None}}
    r = client.post("/api/v1/report?format=html", json=body, headers=api.headers("alice"))
    out = tmp_path / "r.html"
    cli = CliRunner().invoke(app, ["report", str(EXAMPLES / "maria_severe.yaml"), "--out", str(out),
                                   "--assessor", "alice"])
    assert r.status_code == 200 and cli.exit_code == 0, (r.text[:300], cli.output)
    assert r.headers["content-disposition"] == 'attachment; filename="myoscope-clinician-report-example-maria.html"'
    # the same document but for the projection chart's SVG ids (random per rendering)
    strip = re.compile(r"<svg.*?</svg>", re.S)
    assert strip.sub("", r.text) == strip.sub("", out.read_text("utf-8"))
    r = client.post("/api/v1/report?audience=patient", json=body, headers=api.headers("alice"))
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    text = pdf_text(r.content)
    assert "What we found" in text and "sarcopenia" in text
    r = client.post("/api/v1/report", json={"sex": "cat", "grip_strength": "strong"}, headers=api.headers("alice"))
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_record"
    assert {p["field"] for p in r.json()["error"]["problems"]} >= {"sex", "grip_strength"}
