"""The new-visit page's upload: a tool's file fills the form with its sources; a value saved as
imported keeps its provenance, a changed one does not; bad files name every problem; the read
is audited; a foreign patient is 404; CSRF is required."""

from __future__ import annotations

import html
import re
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from myoscope.registry.models import AuditEvent, Measurement, Visit

from ...imports.helpers import disc_slice, write_dicom, write_tag
from ..conftest import World, csrf_of

C2C = ("Level,Index,Muscle HU,Muscle CSA (cm^2),SAT HU,SAT CSA (cm^2),VAT HU,VAT CSA (cm^2),IMAT HU,IMAT CSA (cm^2)\n"
       "L3,/s/L3,41.5,142.25,-60,11,-92,130,-97,210\nL4,/s/L4,40,130,-60,11,-92,130,-97,210\n")


def _hidden(page: str) -> str:
    m = re.search(r'name="imported" value="([^"]*)"', page)
    assert m, "no imported field"
    return html.unescape(m.group(1))


def test_upload_fills_the_form_and_provenance_is_stored(alice: TestClient, world: World) -> None:
    url = f"/patients/{world.patient_a}/visits"
    token = csrf_of(alice.get(url + "/new").text)
    r = alice.post(url + "/import", data={"csrf_token": token, "format": "auto"},
                   files={"file": ("muscle_adipose_tissue_metrics.csv", C2C.encode(), "text/csv")})
    assert r.status_code == 200, r.text
    assert 'data-testid="import-sources"' in r.text
    assert "l3_muscle_area from comp2comp (muscle_adipose_tissue_metrics.csv, row 2, level L3" in html.unescape(r.text)
    assert 'id="f-l3_muscle_area"' in r.text and 'value="142.25"' in r.text and 'value="41.5"' in r.text
    imported = _hidden(r.text)
    # save: the area as imported, the attenuation changed by the user
    r2 = alice.post(url, data={"csrf_token": token, "date": "2026-10-01", "l3_muscle_area": "142.25",
                               "l3_muscle_attenuation": "39", "imported": imported}, follow_redirects=False)
    assert r2.status_code == 303, r2.text
    with world.app.state.sessions() as s:
        v = s.scalars(select(Visit).where(Visit.patient_id == world.patient_a,
                                          Visit.visit_date == date(2026, 10, 1))).one()
        prov = s.scalars(select(Measurement).where(Measurement.visit_id == v.id,
                                                   Measurement.measure_id == "provenance")).one()
        assert set(prov.value_json) == {"l3_muscle_area"}  # the changed value is the user's
        assert prov.value_json["l3_muscle_area"]["row"] == 2
        audits = s.scalars(select(AuditEvent).where(AuditEvent.entity == "patient",
                                                    AuditEvent.patient_id == world.patient_a)).all()
        assert any("measures file read" in str(a.details) for a in audits)


def test_slice_and_mask_upload(alice: TestClient, world: World, tmp_path: Path) -> None:
    pytest.importorskip("pydicom")
    stored, labels = disc_slice()
    img = write_dicom(tmp_path / "L3.dcm", stored)
    tag = write_tag(tmp_path / "L3.dcm.tag", labels)
    url = f"/patients/{world.patient_a}/visits"
    token = csrf_of(alice.get(url + "/new").text)
    r = alice.post(url + "/import", data={"csrf_token": token, "format": "slice"},
                   files={"file": ("L3.dcm", img.read_bytes()), "mask": ("L3.dcm.tag", tag.read_bytes())})
    assert r.status_code == 200, r.text
    assert 'value="153.943"' in r.text or 'value="153.9433"' in r.text
    assert "31417 pixels" in html.unescape(r.text)


def test_bad_file_names_every_problem_and_fills_nothing(alice: TestClient, world: World) -> None:
    url = f"/patients/{world.patient_a}/visits"
    token = csrf_of(alice.get(url + "/new").text)
    bad = "file;muscle_area;muscle_ra\npa-001;5000;35\npa-001;120;500\n"
    r = alice.post(url + "/import", data={"csrf_token": token, "format": "mosamatic2"},
                   files={"file": ("bc_scores.csv", bad.encode())})
    assert r.status_code == 422
    text = html.unescape(r.text)
    assert "row 2, muscle_area: 5000 cm2 is implausible" in text and "row 3, muscle_ra: 500 HU is implausible" in text
    assert 'name="imported"' not in r.text
    r = alice.post(url + "/import", data={"csrf_token": token, "format": "auto"},
                   files={"file": ("statistics.json", b'{"spleen": {"volume": 0.0, "intensity": 0.0}}')})
    assert r.status_code == 422 and "incomplete" in r.text
    assert "/tmp" not in r.text  # no server path leaks into the message


def test_upload_needs_csrf_and_is_scoped_to_the_organisation(client: TestClient, alice: TestClient,
                                                             world: World) -> None:
    url = f"/patients/{world.patient_a}/visits/import"
    r = alice.post(url, data={"csrf_token": "nope"}, files={"file": ("a.csv", C2C.encode())})
    assert r.status_code in (400, 403)
    token = csrf_of(alice.get(f"/patients/{world.patient_a}/visits/new").text)
    r = alice.post(f"/patients/{world.patient_b}/visits/import", data={"csrf_token": token},
                   files={"file": ("a.csv", C2C.encode())})
    assert r.status_code == 404


def test_hidden_field_changed_by_hand_stores_no_provenance(alice: TestClient, world: World) -> None:
    url = f"/patients/{world.patient_a}/visits"
    token = csrf_of(alice.get(url + "/new").text)
    r = alice.post(url, data={"csrf_token": token, "date": "2026-10-02", "l3_muscle_area": "142.25",
                              "imported": "{not json"}, follow_redirects=False)
    assert r.status_code == 303
    with world.app.state.sessions() as s:
        v = s.scalars(select(Visit).where(Visit.visit_date == date(2026, 10, 2))).one()
        assert not s.scalars(select(Measurement).where(Measurement.visit_id == v.id,
                                                       Measurement.measure_id == "provenance")).all()


def test_slice_at_another_level_fills_nothing(alice: TestClient, world: World, tmp_path: Path) -> None:
    pytest.importorskip("pydicom")
    stored, labels = disc_slice()
    img = write_dicom(tmp_path / "L4.dcm", stored, description="AX L4")
    tag = write_tag(tmp_path / "L4.dcm.tag", labels)
    url = f"/patients/{world.patient_a}/visits"
    token = csrf_of(alice.get(url + "/new").text)
    r = alice.post(url + "/import", data={"csrf_token": token, "format": "slice"},
                   files={"file": ("L4.dcm", img.read_bytes()), "mask": ("L4.dcm.tag", tag.read_bytes())})
    assert r.status_code == 422
    assert "DICOM SeriesDescription 'AX L4' names L4, not L3" in html.unescape(r.text)
    assert 'name="imported"' not in r.text
