"""Cohort upload with a REDCap data dictionary as the column mapping: read by the one dictionary
reader (as ``cohort --map redcap:DICT.csv``), checked against the export's header before anything
runs, every problem named at once; the run equals the engine's own."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from fastapi.testclient import TestClient
from httpx import Response

from myoscope.cohort.mapping import load_mapping
from myoscope.cohort.run import classify

from ...redcap_helpers import CHECKBOX_FIELDS, FIELDS, write_dictionary, write_export
from ..conftest import build_world, csrf_of, login
from .test_cohort import _wait
from .test_cohort_mapping import _jobs, _text

DEFS = ("ewgsop2", "awgs2019", "fnih2014", "evans2008")


def _post(c: TestClient, token: str, export: bytes | None, dictionary: bytes | None, name: str = "dict.csv",
          **extra: str) -> Response:
    files: dict[str, tuple[str, bytes, str]] = {}
    if export is not None:
        files["table"] = ("export.csv", export, "text/csv")
    if dictionary is not None:
        files["redcap_dictionary"] = (name, dictionary, "text/csv")
    return c.post("/cohort", data={"csrf_token": token, "mapping_mode": "redcap", **extra}, files=files,
                  follow_redirects=False)


def _refused(c: TestClient, token: str, export: bytes | None, dictionary: bytes | None,
             name: str = "dict.csv") -> tuple[Response, str]:
    """Post the form, expect 422 (nothing run), and return the answer with its visible text."""
    r = _post(c, token, export, dictionary, name)
    assert r.status_code == 422
    return r, _text(r.text)


def test_a_redcap_export_runs_as_the_engine_with_its_dictionary(tmp_path: Path) -> None:
    world = build_world(tmp_path / "w.sqlite", work_dir=str(tmp_path / "work"))
    d = write_dictionary(tmp_path / "dict.csv", CHECKBOX_FIELDS)
    export = write_export(tmp_path / "export.csv", checkboxes=True)
    expected = classify(export, list(DEFS), mapping=f"redcap:{d}")
    with TestClient(world.app) as c:
        login(c, "rita")
        page = c.get("/cohort").text
        assert 'value="redcap"' in page and 'name="redcap_dictionary"' in page
        r = _post(c, csrf_of(page), export.read_bytes(), d.read_bytes())
        assert r.status_code == 303, _text(r.text)
        job = r.headers["location"]
        done = _wait(c, job)
        assert "State: <strong>done" in done and "REDCap data dictionary dict.csv" in done
        assert "rows in 3 = classified 3 + rejected 0" in done, _text(done)
        got = pl.read_csv(c.get(f"{job}/files/classified.csv").content, infer_schema_length=0)
        assert got["record_id"].to_list() == ["101", "102", "103"]
        for name in DEFS:
            assert got[name].to_list() == expected.table[name].cast(pl.String).to_list(), name
        # the kept mapping repeats the run from the command line: the dictionary's own mapping
        (tmp_path / "kept.yaml").write_text(c.get(f"{job}/files/mapping.yaml").text, "utf-8")
        kept, direct = load_mapping(tmp_path / "kept.yaml"), load_mapping(f"redcap:{d}")
        assert kept.columns == direct.columns and kept.id == "record_id"
        assert kept.columns["fatigue"].from_ == "signs___1"


def test_every_problem_of_the_dictionary_is_named_and_nothing_runs(tmp_path: Path) -> None:
    work = tmp_path / "work"
    world = build_world(tmp_path / "w.sqlite", work_dir=str(work))
    fields = [("height_cm", "b", "text", "Height", "", "", "number", "1.2", "2.2") if f[0] == "height_cm" else
              ("weight", "b", "text", "Weight", "", "", "number", "", "") if f[0] == "weight" else f
              for f in FIELDS]
    bad = write_dictionary(tmp_path / "bad.csv", fields).read_bytes()
    export = write_export(tmp_path / "export.csv").read_bytes()
    with TestClient(world.app) as c:
        login(c, "rita")
        token = csrf_of(c.get("/cohort").text)
        r, text = _refused(c, token, export, bad)
        assert "2 problem(s): nothing was run" in text, text
        assert "height_cm: the validation range 1.2 to 2.2 cm lies outside the plausible" in text
        assert "weight: weight has no unit: write it in the Field Note" in text
        assert 'data-testid="problem-redcap_dictionary"' in r.text
        assert 'value="redcap" checked' in r.text
        # the export given as the dictionary: REDCap's columns named, with the ones found
        _, text = _refused(c, token, export, export, name="export.csv")
        assert "not a REDCap data dictionary: no column(s) 'Variable / Field Name'" in text
        assert "found: record_id, redcap_event_name" in text
        # no dictionary chosen, and no table either: both named at once
        _, text = _refused(c, token, None, None)
        assert "2 problem(s)" in text and "choose a CSV" in text and "choose the project's data dictionary" in text
    assert _jobs(work) == []


def test_the_export_is_checked_against_the_dictionary_before_anything_runs(tmp_path: Path) -> None:
    work = tmp_path / "work"
    world = build_world(tmp_path / "w.sqlite", work_dir=str(work))
    d = write_dictionary(tmp_path / "dict.csv").read_bytes()
    # another project's table: no record id, columns the dictionary does not hold
    other = b"PID,SEX,HT\np1,female,160\n"
    # an export with labels for its header ("Record ID", "Sex", ...), and one with only some fields
    labels = b"Record ID,Sex,Age\n101,Female,78\n"
    some = b"record_id,sex,age,baseline_complete\n101,2,78,2\n"
    with TestClient(world.app) as c:
        login(c, "rita")
        token = csrf_of(c.get("/cohort").text)
        _, text = _refused(c, token, other, d)
        assert "3 problem(s)" in text, text
        assert "no column 'record_id' (the record id, the dictionary's first field) in the table" in text
        assert "no field the dictionary maps (date, sex, age, height_cm" in text
        assert "3 column(s) of the table are not fields of this data dictionary: PID, SEX, HT" in text
        assert "its columns: PID, SEX, HT" in text
        _, text = _refused(c, token, labels, d)
        assert "not fields of this data dictionary: Record ID, Sex, Age" in text
        assert _jobs(work) == []  # nothing was run or kept
        r = _post(c, token, some, d)  # an export of some fields only is read: the rest is unknown
        assert r.status_code == 303, _text(r.text)
        done = _wait(c, r.headers["location"])
        assert "rows in 1 = classified 1 + rejected 0" in done, _text(done)
