"""Key paging as the registry pages: ``limit`` and ``after`` (the previous page's ``next_after``);
every row once, in order, the last page says so (null); a token this API did not make is a 400."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi.testclient import TestClient

from myoscope.registry import repo

from .conftest import ApiWorld


def pages(client: TestClient, api: ApiWorld, url: str, key: str, limit: int) -> list[list[Any]]:
    out, after = [], None
    while True:
        sep = "&" if "?" in url else "?"
        r = client.get(f"{url}{sep}limit={limit}" + (f"&after={after}" if after else ""),
                       headers=api.headers("alice"))
        assert r.status_code == 200, r.text
        out.append(r.json()[key])
        after = r.json()["next_after"]
        if after is None:
            return out
        assert len(out) < 50


def test_patients_page_by_pseudonym(client: TestClient, api: ApiWorld) -> None:
    with api.world.app.state.sessions.begin() as s:
        for i in (7, 3, 11, 1, 9, 5, 2, 8, 10, 4, 6, 12):
            repo.add_patient(s, pseudonym=f"p {i:02d}", sex="female", organisation_name="Clinic A", actor="t")
    got = pages(client, api, "/api/v1/patients", "patients", 5)
    assert [len(p) for p in got] == [5, 5, 3]
    names = [row["pseudonym"] for page in got for row in page]
    assert names == sorted(names) and len(set(names)) == 13 and "pb-001" not in names
    filtered = pages(client, api, "/api/v1/patients?q=p%200", "patients", 4)
    assert [row["pseudonym"] for page in filtered for row in page] == [f"p 0{i}" for i in range(1, 10)]


def test_visits_page_by_date(client: TestClient, api: ApiWorld) -> None:
    with api.world.app.state.sessions.begin() as s:
        for day in (date(2026, 1, 5), date(2026, 3, 5), date(2025, 12, 1)):
            repo.add_visit(s, pseudonym="pa-001", organisation_name="Clinic A", visit_date=day,
                           data={"weight": f"{50 + day.month} kg"}, actor="t")
    got = pages(client, api, f"/api/v1/patients/{api.world.patient_a}/visits", "visits", 3)
    assert [len(p) for p in got] == [3, 1]
    assert [v["date"] for p in got for v in p] == ["2025-12-01", "2026-01-05", "2026-03-05", "2026-06-01"]


def test_alerts_page_by_patient(client: TestClient, api: ApiWorld) -> None:
    with api.world.app.state.sessions.begin() as s:
        for name in ("loss-1", "loss-2", "loss-3"):
            repo.add_patient(s, pseudonym=name, sex="male", organisation_name="Clinic A", actor="t")
            for on, kg in ((date(2026, 1, 1), 80), (date(2026, 4, 1), 70)):
                repo.add_visit(s, pseudonym=name, organisation_name="Clinic A", visit_date=on,
                               data={"weight": kg}, actor="t")
    got = pages(client, api, "/api/v1/alerts", "alerts", 1)
    patients = [a["pseudonym"] for page in got for a in page]
    assert sorted(set(patients)) == ["loss-1", "loss-2", "loss-3"]
    assert all(page for page in got[:-1])


def test_a_page_token_this_api_did_not_make_is_a_400(client: TestClient, api: ApiWorld) -> None:
    for url in ("/api/v1/patients?after=%%%", f"/api/v1/patients/{api.world.patient_a}/visits?after=WyJ4Il0",
                "/api/v1/alerts?after=bm9wZQ", "/api/v1/alerts?after=WyJ4Il0",
                "/api/v1/alerts?after=WyIxIiwiMiJd"):
        r = client.get(url, headers=api.headers("alice"))
        assert r.status_code == 400, (url, r.text)
        assert r.json()["error"]["code"] == "bad_request"
        assert "page token" in r.json()["error"]["message"]


def test_a_patient_row_counts_its_possible_red_flags(client: TestClient, api: ApiWorld) -> None:
    # weakness over days, course not recorded: flags raised as possible, counted apart
    data = {"height": 170, "weight": 70, "grip_strength": 30,
            "history": {"symptoms": {"weakness": True}, "tempo": "days"}}
    with api.world.app.state.sessions.begin() as s:
        repo.add_patient(s, pseudonym="pa-maybe", sex="female", birth_date=date(1960, 1, 1),
                         organisation_name="Clinic A", actor="t")
        repo.add_visit(s, pseudonym="pa-maybe", data=data, organisation_name="Clinic A",
                       visit_date=date(2026, 6, 1), actor="t")
    rows = {r["pseudonym"]: r for page in pages(client, api, "/api/v1/patients", "patients", 50) for r in page}
    maybe = rows["pa-maybe"]
    assert 1 <= maybe["possible_red_flags"] <= maybe["red_flags"] and maybe["urgency"] == "emergency"
    assert rows["pa-001"]["possible_red_flags"] == 0


def test_a_patient_row_and_document_carry_the_plans_urgent_referral(client: TestClient, api: ApiWorld) -> None:
    from ..records import WEEKS_PROGRESSIVE

    with api.world.app.state.sessions.begin() as s:
        pid = repo.add_patient(s, pseudonym="pa-weeks", sex="male", birth_date=date(1970, 1, 1),
                               organisation_name="Clinic A", actor="t").id
        repo.add_visit(s, pseudonym="pa-weeks", data=WEEKS_PROGRESSIVE, organisation_name="Clinic A",
                       visit_date=date(2026, 6, 1), actor="t")
    rows = {r["pseudonym"]: r for page in pages(client, api, "/api/v1/patients", "patients", 50) for r in page}
    assert rows["pa-weeks"]["urgency"] == "urgent" and rows["pa-weeks"]["referral_urgency"] == "emergency"
    assert rows["pa-001"]["referral_urgency"] is None
    doc = client.get(f"/api/v1/patients/{pid}", headers=api.headers("alice")).json()
    assert [(r["id"], r["urgency"]) for r in doc["referrals"]] == [("cause_acute_inflammatory_neuropathy", "emergency")]


def test_a_patient_row_says_whether_the_latest_visit_was_screened_for_red_flags(client: TestClient,
                                                                                api: ApiWorld) -> None:
    """0 red flags for a visit without a history is "not screened", not "none", as the web list
    says (review 2026-12-07)."""
    with api.world.app.state.sessions.begin() as s:
        for name, data in (("pa-nohx", {"grip_strength": 14}),
                           ("pa-asked", {"grip_strength": 14, "history": {"symptoms": {"weakness": False}}})):
            repo.add_patient(s, pseudonym=name, sex="female", birth_date=date(1950, 1, 1),
                             organisation_name="Clinic A", actor="test")
            repo.add_visit(s, pseudonym=name, data=data, organisation_name="Clinic A",
                           visit_date=date(2026, 6, 1), actor="test")
    rows = {r["pseudonym"]: r for r in client.get("/api/v1/patients?q=pa-", headers=api.headers("alice"))
            .json()["patients"]}
    assert (rows["pa-nohx"]["red_flags"], rows["pa-nohx"]["screened"]) == (0, False)
    assert (rows["pa-asked"]["red_flags"], rows["pa-asked"]["screened"]) == (0, True)
