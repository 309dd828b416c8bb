"""Cohort upload: researchers run the cohort engine on a table and download what it wrote."""

from __future__ import annotations

import time
from pathlib import Path

import polars as pl
from fastapi.testclient import TestClient

from ..conftest import build_world, csrf_of, login

TABLE = ("id,sex,age,height,weight,grip_strength,gait_speed,asm,asm_method\n"
         "r1,female,81,160,50,12,0.6,12,dxa\nr2,male,70,175,80,35,1.2,22,dxa\nr3,female,75,158,,abc,0.9,,\n")


def _wait(client: TestClient, url: str) -> str:
    for _ in range(300):
        text = client.get(url).text
        if "State: <strong>done" in text or "State: <strong>failed" in text:
            return text
        time.sleep(0.1)
    raise AssertionError("the cohort job did not finish")


def test_upload_classify_download(tmp_path: Path) -> None:
    world = build_world(tmp_path / "w.sqlite", work_dir=str(tmp_path / "work"))
    with TestClient(world.app) as c:
        login(c, "rita")
        token = csrf_of(c.get("/cohort").text)
        r = c.post("/cohort", data={"csrf_token": token}, files={"table": ("cohort.csv", TABLE, "text/csv")},
                   follow_redirects=False)
        assert r.status_code == 303
        job = r.headers["location"]
        page = _wait(c, job)
        assert "rows in 3 = classified 2 + rejected 1" in page
        out = c.get(f"{job}/files/classified.csv")
        assert out.status_code == 200
        from myoscope.cohort.run import classify

        expected = classify(pl.read_csv(TABLE.encode(), infer_schema_length=0).filter(pl.col("id") != "r3"))
        got = pl.read_csv(out.content)
        assert got.get_column("ewgsop2").to_list() == expected.table.get_column("ewgsop2").to_list()
        rejects = c.get(f"{job}/files/classified.rejects.csv").text
        assert "grip_strength" in rejects and "abc" in rejects
        svg = c.get(f"{job}/files/prevalence.svg")
        assert svg.headers["content-type"].startswith("image/svg+xml") and "<title" in svg.text
        assert c.get(f"{job}/files/status.json").status_code == 404  # only the listed outputs
        # another researcher (even of the same organisation) gets "not found"; a clinician is refused
        from myoscope.web.accounts import create_user

        with world.app.state.sessions.begin() as s:
            create_user(s, world.app.state.passwords, username="rolf", password="another-long-password",
                        role="researcher", organisation="Clinic B", actor="test")
        c.cookies.clear()
        login(c, "rolf", "another-long-password")
        assert c.get(job).status_code == 404 and c.get(f"{job}/files/classified.csv").status_code == 404
        c.cookies.clear()
        login(c, "bob")
        assert c.get(job).status_code == 403
        c.cookies.clear()
        login(c, "adam")  # the admin of the owner's organisation may
        assert c.get(job).status_code == 200


def test_two_databases_sharing_a_work_folder_do_not_see_each_others_jobs(tmp_path: Path) -> None:
    """User ids are per database: rita is user 3 in both worlds, and must not find the other's job."""
    work = str(tmp_path / "work")
    one = build_world(tmp_path / "one.sqlite", work_dir=work)
    two = build_world(tmp_path / "two.sqlite", work_dir=work)
    assert one.app.state.work_dir != two.app.state.work_dir
    with TestClient(one.app) as c:
        login(c, "rita")
        token = csrf_of(c.get("/cohort").text)
        job = c.post("/cohort", data={"csrf_token": token}, files={"table": ("cohort.csv", TABLE, "text/csv")},
                     follow_redirects=False).headers["location"]
        assert "State: <strong>done" in _wait(c, job)
        assert "cohort.csv" in c.get("/cohort").text
    with TestClient(two.app) as c:
        login(c, "rita")
        assert c.get(job).status_code == 404
        assert c.get(f"{job}/files/classified.csv").status_code == 404
        assert "cohort.csv" not in c.get("/cohort").text


def test_bad_uploads_are_named(tmp_path: Path) -> None:
    world = build_world(tmp_path / "w.sqlite", work_dir=str(tmp_path / "work"), cohort_max_megabytes=1)
    with TestClient(world.app) as c:
        login(c, "rita")
        token = csrf_of(c.get("/cohort").text)
        r = c.post("/cohort", data={"csrf_token": token}, files={"table": ("notes.docx", b"x", "application/x")})
        assert r.status_code == 422 and "expected a table ending in" in r.text
        r = c.post("/cohort", data={"csrf_token": token})
        assert r.status_code == 422 and "choose a CSV" in r.text
        r = c.post("/cohort", data={"csrf_token": token}, files={"table": ("big.csv", b"x" * (2 << 20), "text/csv")})
        assert r.status_code == 413
        r = c.post("/cohort", data={"csrf_token": token}, files={"table": ("bad.parquet", b"not parquet", "x")},
                   follow_redirects=False)
        page = _wait(c, r.headers["location"])
        assert "cannot read the uploaded table" in page and "Traceback" not in page and "/tmp" not in page
        assert c.get("/cohort/nonexistent-job").status_code == 404
