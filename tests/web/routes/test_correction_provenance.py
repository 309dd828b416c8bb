"""Correcting an imported value on the correct-visit page: the value's provenance says it was
corrected by hand (who, when), not the file and row it no longer comes from; the replaced
provenance stays in the visit's history and the audit; retracting an imported value drops its
provenance. On SQLite and on the real PostgreSQL server (MYOSCOPE_TEST_DATABASE_URL)."""

from __future__ import annotations

import html
import os
import re
from collections.abc import Iterator
from datetime import date, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from myoscope.registry.assessing import rebuild
from myoscope.registry.models import AuditEvent, Measurement, Visit

from ..conftest import World, csrf_of, login, world_in_pg_schema

PG = os.environ.get("MYOSCOPE_TEST_DATABASE_URL")
C2C = ("Level,Index,Muscle HU,Muscle CSA (cm^2),SAT HU,SAT CSA (cm^2),VAT HU,VAT CSA (cm^2),IMAT HU,IMAT CSA (cm^2)\n"
       "L3,/s/L3,41.5,142.25,-60,11,-92,130,-97,210\n")
DAY = date(2026, 10, 1)


def _imported_visit(c: TestClient, world: World) -> int:
    """A visit saved with the L3 area and attenuation as read from a Comp2Comp file."""
    url = f"/patients/{world.patient_a}/visits"
    token = csrf_of(c.get(url + "/new").text)
    r = c.post(url + "/import", data={"csrf_token": token, "format": "auto"},
               files={"file": ("muscle_adipose_tissue_metrics.csv", C2C.encode(), "text/csv")})
    assert r.status_code == 200, r.text
    m = re.search(r'name="imported" value="([^"]*)"', r.text)
    assert m
    r = c.post(url, data={"csrf_token": token, "date": DAY.isoformat(), "height": "160", "weight": "55",
                          "l3_muscle_area": "142.25", "l3_muscle_attenuation": "41.5",
                          "imported": html.unescape(m.group(1))}, follow_redirects=False)
    assert r.status_code == 303, r.text
    with world.app.state.sessions() as s:
        return s.scalars(select(Visit.id).where(Visit.patient_id == world.patient_a,
                                                Visit.visit_date == DAY)).one()


def _correct(c: TestClient, world: World, visit_id: int, **changed: str) -> None:
    url = f"/patients/{world.patient_a}/visits/{visit_id}/correct"
    token = csrf_of(c.get(url).text)
    form = {"date": DAY.isoformat(), "height": "160", "weight": "55", "l3_muscle_area": "142.25",
            "l3_muscle_attenuation": "41.5", **changed}
    r = c.post(url, data={"csrf_token": token, "reason": "re-segmented by hand", **form}, follow_redirects=False)
    assert r.status_code == 303, r.text


def _provenance_rows(world: World, visit_id: int) -> list[Measurement]:
    with world.app.state.sessions() as s:
        return list(s.scalars(select(Measurement).where(Measurement.visit_id == visit_id,
                                                        Measurement.measure_id == "provenance")
                              .order_by(Measurement.version)))


def check_correction_replaces_the_provenance(c: TestClient, world: World) -> None:
    visit_id = _imported_visit(c, world)
    [first] = _provenance_rows(world, visit_id)
    assert first.value_json["l3_muscle_area"]["tool"] == "comp2comp"

    _correct(c, world, visit_id, l3_muscle_area="150")
    old, new = _provenance_rows(world, visit_id)
    assert (old.version, new.version, new.supersedes_id) == (1, 2, old.id)
    # the replaced entry is kept in the earlier version, untouched
    assert old.value_json["l3_muscle_area"] == first.value_json["l3_muscle_area"]
    entry = new.value_json["l3_muscle_area"]
    assert entry["tool"] == "corrected by hand" and entry["by"] == "alice"
    assert "row" not in entry and "file" not in entry
    assert datetime.fromisoformat(entry["at"]).tzinfo is not None
    # the value not corrected keeps its tool provenance
    assert new.value_json["l3_muscle_attenuation"]["tool"] == "comp2comp"
    assert new.entered_by == "alice" and new.reason == "re-segmented by hand"

    with world.app.state.sessions() as s:
        [event] = [e for e in s.scalars(select(AuditEvent).where(AuditEvent.entity_id == new.id,
                                                                 AuditEvent.entity == "measurement"))]
        assert event.details["measure"] == "provenance" and event.details["of"] == "l3_muscle_area"
        assert event.details["old"]["row"] == 2 and event.details["old"]["tool"] == "comp2comp"
        assert event.details["new"]["tool"] == "corrected by hand"
        # the assessment trace names the correction, not the file
        full = rebuild(s, visit_id=visit_id, actor="test")
        notes = [n for r in full.results.values() for e in r.trace
                 if e.get("measure") == "l3_smi" for n in e.get("notes", [])]
        assert notes and all("comp2comp" not in n for n in notes if "l3_muscle_area" in n)
        assert any("l3_muscle_area corrected by hand by alice at" in n for n in notes)

    page = html.unescape(c.get(f"/patients/{world.patient_a}").text)
    assert "l3_muscle_area corrected by hand by alice at" in page
    assert "l3_muscle_attenuation from comp2comp (muscle_adipose_tissue_metrics.csv, row 2" in page

    # retracting an imported value (empty field: unknown) drops its provenance entry
    _correct(c, world, visit_id, l3_muscle_area="150", l3_muscle_attenuation="")
    *_, last = _provenance_rows(world, visit_id)
    assert last.version == 3 and set(last.value_json) == {"l3_muscle_area"}


def check_typed_value_correction_adds_no_provenance(c: TestClient, world: World) -> None:
    """A typed value has no provenance, and correcting it gives it none."""
    url = f"/patients/{world.patient_a}/visits/{world.visit_a}/correct"
    token = csrf_of(c.get(url).text)
    form = {"grip_strength": "25", "height": "160", "weight": "50", "gait_speed": "0.6", "asm": "12",
            "asm_method": "dxa", "chair_stand_time": "17"}
    r = c.post(url, data={"csrf_token": token, "reason": "typo", **form}, follow_redirects=False)
    assert r.status_code == 303, r.text
    assert _provenance_rows(world, world.visit_a) == []


def test_correction_of_an_imported_value_on_sqlite(alice: TestClient, world: World) -> None:
    check_correction_replaces_the_provenance(alice, world)
    check_typed_value_correction_adds_no_provenance(alice, world)


@pytest.fixture
def pg_world() -> Iterator[World]:
    if not PG:
        pytest.skip("MYOSCOPE_TEST_DATABASE_URL is not set")
    with world_in_pg_schema(PG, "myo_corr") as world:
        yield world


def test_correction_of_an_imported_value_on_postgresql(pg_world: World) -> None:
    with TestClient(pg_world.app) as c:
        login(c, "alice")
        check_correction_replaces_the_provenance(c, pg_world)
        check_typed_value_correction_adds_no_provenance(c, pg_world)
