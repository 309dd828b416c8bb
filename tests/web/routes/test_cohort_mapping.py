"""Cohort upload with a column mapping: a mapping file (the --map format) or columns picked in the
form; every problem named at once before anything runs; the run equals the engine's own."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import polars as pl
from fastapi.testclient import TestClient

from myoscope.cohort.mapping import load_mapping
from myoscope.cohort.run import classify

from ..conftest import build_world, csrf_of, login
from .test_cohort import _wait

# a trial's own column names, weight in pounds
TABLE = ("PID,SEX,AGE_Y,HT_CM,WT_LB,GRIP,GAIT,ASM_KG,NOTE\n"
         "p1,female,81,160,110.2,12,0.6,12,x\np2,male,70,175,176.4,35,1.2,22,y\np3,female,75,158,,abc,0.9,,z\n")
MAPPING = """name: My trial
id: PID
columns:
  sex: {from: SEX}
  age: {from: AGE_Y, unit: years}
  height: {from: [HEIGHT, HT_CM], unit: cm}
  weight: {from: WT_LB, unit: lb}
  grip_strength: {from: GRIP, unit: kg}
  gait_speed: {from: GAIT}
  asm: {from: ASM_KG, unit: kg}
  asm_method: {value: dxa}
"""
FORM = {"map_id": "PID", "map.sex": "SEX", "map.age": "AGE_Y", "map.height": "HT_CM", "map.weight": "WT_LB",
        "unit.weight": "lb", "map.grip_strength": "GRIP", "map.gait_speed": "GAIT", "map.asm": "ASM_KG",
        "const.asm_method": "dxa"}


def _text(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", " ", html))


def _jobs(work: Path) -> list[Path]:
    """Job folders under the configured folder (one subfolder per database, then one per job)."""
    return [p for p in work.glob("*/*") if p.is_dir()]


def test_mapping_file_runs_as_the_engine_with_map(tmp_path: Path) -> None:
    world = build_world(tmp_path / "w.sqlite", work_dir=str(tmp_path / "work"))
    (tmp_path / "trial.yaml").write_text(MAPPING, "utf-8")
    expected = classify(pl.read_csv(TABLE.encode(), infer_schema_length=0), mapping=tmp_path / "trial.yaml")
    with TestClient(world.app) as c:
        login(c, "rita")
        token = csrf_of(c.get("/cohort").text)
        r = c.post("/cohort", data={"csrf_token": token, "mapping_mode": "file"},
                   files={"table": ("trial.csv", TABLE, "text/csv"),
                          "mapping_file": ("trial.yaml", MAPPING, "application/yaml")}, follow_redirects=False)
        assert r.status_code == 303, _text(r.text)
        page = _wait(c, r.headers["location"])
        assert "State: <strong>done" in page and "mapping file trial.yaml" in page
        assert "rows in 3 = classified 2 + rejected 1" in page
        got = pl.read_csv(c.get(f"{r.headers['location']}/files/classified.csv").content)
        assert got.get_column("PID").to_list() == ["p1", "p2"]
        for d in ("ewgsop2", "awgs2019", "fnih2014"):
            want = expected.table.filter(pl.col("PID") != "p3").get_column(d).cast(pl.String).to_list()
            assert got.get_column(d).to_list() == want, d
        kept = c.get(f"{r.headers['location']}/files/mapping.yaml")
        assert kept.status_code == 200
        (tmp_path / "kept.yaml").write_text(kept.text, "utf-8")
        assert load_mapping(tmp_path / "kept.yaml") == load_mapping(tmp_path / "trial.yaml")


def test_columns_picked_in_the_form_equal_the_same_mapping_file(tmp_path: Path) -> None:
    world = build_world(tmp_path / "w.sqlite", work_dir=str(tmp_path / "work"))
    with TestClient(world.app) as c:
        login(c, "rita")
        token = csrf_of(c.get("/cohort").text)
        r = c.post("/cohort", data={"csrf_token": token, "mapping_mode": "columns", **FORM},
                   files={"table": ("trial.csv", TABLE, "text/csv")}, follow_redirects=False)
        assert r.status_code == 303, _text(r.text)
        job = r.headers["location"]
        page = _wait(c, job)
        assert "columns picked in the form" in page and "rows in 3 = classified 2 + rejected 1" in page, _text(page)
        kept = c.get(f"{job}/files/mapping.yaml").text
        (tmp_path / "kept.yaml").write_text(kept, "utf-8")
        m = load_mapping(tmp_path / "kept.yaml")
        assert m.columns["weight"].from_ == "WT_LB" and m.columns["weight"].unit == "lb" and m.id == "PID"
        assert m.columns["asm_method"].value == "dxa"
        expected = classify(pl.read_csv(TABLE.encode(), infer_schema_length=0), mapping=m)
        got = pl.read_csv(c.get(f"{job}/files/classified.csv").content)
        want = expected.table.filter(pl.col("PID") != "p3").get_column("ewgsop2").cast(pl.String).to_list()
        assert got.get_column("ewgsop2").to_list() == want


def test_every_problem_of_a_mapping_file_is_named_and_nothing_runs(tmp_path: Path) -> None:
    work = tmp_path / "work"
    world = build_world(tmp_path / "w.sqlite", work_dir=str(work))
    bad = MAPPING.replace("{from: WT_LB, unit: lb}", "{from: WEIGHT_KG, unit: kg}") \
                 .replace("{from: GRIP, unit: kg}", "{from: GRIP, unit: furlong}") \
                 .replace("  sex: {from: SEX}\n", "  sex: {from: SEX}\n  shoe_size: {from: NOTE}\n") \
                 .replace("id: PID", "id: PARTICIPANT")
    with TestClient(world.app) as c:
        login(c, "rita")
        token = csrf_of(c.get("/cohort").text)
        r = c.post("/cohort", data={"csrf_token": token, "mapping_mode": "file"},
                   files={"table": ("trial.csv", TABLE, "text/csv"),
                          "mapping_file": ("trial.yaml", bad, "application/yaml")})
        assert r.status_code == 422
        text = _text(r.text)
        assert "4 problem(s)" in text, text
        for what in ("columns.weight: no column 'WEIGHT_KG' in the table", "columns.grip_strength: unit 'furlong'",
                     "columns.shoe_size: not a table column", "id: no column 'PARTICIPANT'"):
            assert what in text, what
        assert "PID, SEX, AGE_Y" in text  # the table's own columns are listed to choose from
        assert 'data-testid="problem-mapping_file"' in r.text
        assert 'value="file" checked' in r.text  # the choice is kept
        # schema problems (as --map names them), all at once
        r = c.post("/cohort", data={"csrf_token": token, "mapping_mode": "file"},
                   files={"table": ("trial.csv", TABLE, "text/csv"),
                          "mapping_file": ("m.yaml", "columns:\n  sex: {from: SEX, value: female}\n"
                                                     "  age: {max_of: AGE}\n", "application/yaml")})
        assert r.status_code == 422
        text = _text(r.text)
        assert "name: Field required" in text and "give exactly one of from, max_of, sum_of, value" in text
        assert "columns.age.max_of" in text
        r = c.post("/cohort", data={"csrf_token": token, "mapping_mode": "file"},
                   files={"table": ("trial.csv", TABLE, "text/csv"),
                          "mapping_file": ("m.yaml", "name: [unclosed\n", "application/yaml")})
        assert r.status_code == 422 and "line" in _text(r.text)
    assert _jobs(work) == []  # nothing was run or kept


def test_form_problems_with_the_table_problem_at_once(tmp_path: Path) -> None:
    work = tmp_path / "work"
    world = build_world(tmp_path / "w.sqlite", work_dir=str(work))
    with TestClient(world.app) as c:
        login(c, "rita")
        token = csrf_of(c.get("/cohort").text)
        r = c.post("/cohort", data={"csrf_token": token, "mapping_mode": "columns", "map.sex": "SEX",
                                    "map.weight": "WT_LB", "unit.weight": "parsec", "const.asm_method": "xray",
                                    "map.setting": "S", "const.setting": "hospital"})
        assert r.status_code == 422
        text = _text(r.text)
        assert "choose a CSV" in text and "'parsec' is not one of" in text and "'xray' is not one of" in text
        assert "not both" in text
        assert 'data-testid="problem-table"' in r.text and 'data-testid="problem-unit.weight"' in r.text
        assert 'name="map.weight" value="WT_LB"' in r.text  # what was typed comes back
        r = c.post("/cohort", data={"csrf_token": token, "mapping_mode": "columns"},
                   files={"table": ("trial.csv", TABLE, "text/csv")})
        assert r.status_code == 422 and "pick the table's column for at least one field" in _text(r.text)
        r = c.post("/cohort", data={"csrf_token": token, "mapping_mode": "columns", "map.sex": "GENDER",
                                    "map.height": "HT_CM", "map_id": "ID"},
                   files={"table": ("trial.csv", TABLE, "text/csv")})
        assert r.status_code == 422
        assert 'data-testid="problem-map.sex"' in r.text and 'data-testid="problem-map_id"' in r.text
        assert 'data-testid="problem-map.height"' not in r.text
        r = c.post("/cohort", data={"csrf_token": token, "mapping_mode": "file"},
                   files={"table": ("trial.csv", TABLE, "text/csv")})
        assert r.status_code == 422 and "choose a mapping file" in _text(r.text)
        r = c.post("/cohort", data={"csrf_token": token, "mapping_mode": "ukb"},
                   files={"table": ("trial.csv", TABLE, "text/csv")})
        assert r.status_code == 422 and "no column of the" in _text(r.text)
        r = c.post("/cohort", data={"csrf_token": token, "mapping_mode": "evil"},
                   files={"table": ("trial.csv", TABLE, "text/csv")})
        assert r.status_code == 422 and 'data-testid="problem-mapping_mode"' in r.text
    assert _jobs(work) == []
