"""Strong ETags on a patient and a visit: If-None-Match answers 304 while nothing changed, and a
correction with a stale If-Match is refused (412) without writing anything."""

from __future__ import annotations

import hashlib

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from myoscope.registry.models import Measurement

from .conftest import ApiWorld


def test_patient_etag_is_strong_and_revalidates(client: TestClient, api: ApiWorld) -> None:
    h = api.headers("alice")
    url = f"/api/v1/patients/{api.world.patient_a}"
    first = client.get(url, headers=h)
    tag = first.headers["etag"]
    assert tag.startswith('"') and not tag.startswith("W/")
    assert tag == '"' + hashlib.sha256(first.content).hexdigest()[:40] + '"'  # the bytes sent
    assert client.get(url, headers=h).headers["etag"] == tag  # same document, same tag
    not_modified = client.get(url, headers={**h, "If-None-Match": tag})
    assert not_modified.status_code == 304 and not_modified.content == b""
    assert not_modified.headers["etag"] == tag
    assert client.get(url, headers={**h, "If-None-Match": f'"other", W/{tag}'}).status_code == 304  # weak match
    assert client.get(url, headers={**h, "If-None-Match": '"other"'}).status_code == 200
    # a new visit changes the document, so the old tag no longer matches
    r = client.post(f"{url}/visits", json={"date": "2026-07-01", "weight": "48 kg"}, headers=h)
    assert r.status_code == 201
    changed = client.get(url, headers={**h, "If-None-Match": tag})
    assert changed.status_code == 200 and changed.headers["etag"] != tag


def test_visit_correction_needs_the_current_etag(client: TestClient, api: ApiWorld) -> None:
    h = api.headers("alice")
    url = f"/api/v1/patients/{api.world.patient_a}/visits/{api.world.visit_a}"
    tag = client.get(url, headers=h).headers["etag"]
    assert client.get(url, headers={**h, "If-None-Match": tag}).status_code == 304
    body = {"changes": {"grip_strength": "14 kg"}, "reason": "transcription error"}

    def versions() -> int:
        with api.world.app.state.sessions() as s:
            return int(s.scalar(select(func.count()).select_from(Measurement)) or 0)

    before = versions()
    stale = client.post(f"{url}/corrections", json=body, headers={**h, "If-Match": '"not-the-tag"'})
    assert stale.status_code == 412 and stale.json()["error"]["code"] == "precondition_failed"
    weak = client.post(f"{url}/corrections", json=body, headers={**h, "If-Match": f"W/{tag}"})
    assert weak.status_code == 412  # If-Match compares strongly
    assert versions() == before  # nothing written

    done = client.post(f"{url}/corrections", json=body, headers={**h, "If-Match": tag})
    assert done.status_code == 200, done.text
    assert done.json()["corrected"] == ["grip_strength"]
    assert done.json()["visit"]["measurements"]["grip_strength"]["value"] == 14.0
    assert done.json()["visit"]["measurements"]["grip_strength"]["version"] == 2
    new_tag = done.headers["etag"]
    assert new_tag != tag and client.get(url, headers=h).headers["etag"] == new_tag
    # a second client still holding the first tag loses nothing: it is told to read again
    again = client.post(f"{url}/corrections", json={**body, "changes": {"grip_strength": "15 kg"}},
                        headers={**h, "If-Match": tag})
    assert again.status_code == 412
    assert client.post(f"{url}/corrections", json={**body, "changes": {"grip_strength": "15 kg"}},
                       headers={**h, "If-Match": "*"}).status_code == 200
    assert versions() == before + 2


def test_correction_problems_are_named_at_once(client: TestClient, api: ApiWorld) -> None:
    url = f"/api/v1/patients/{api.world.patient_a}/visits/{api.world.visit_a}/corrections"
    r = client.post(url, json={"changes": {"grip_strength": "900 kg", "shoe_size": 44}, "reason": ""},
                    headers=api.headers("alice"))
    assert r.status_code == 422
    fields = [p["field"] for p in r.json()["error"]["problems"]]
    assert fields == ["changes.shoe_size", "reason", "grip_strength"]  # the known measure's value too
    r = client.post(url, json={"changes": {"grip_strength": "900 kg", "gait_speed": -1}, "reason": "x"},
                    headers=api.headers("alice"))
    assert r.status_code == 422
    assert sorted(p["field"] for p in r.json()["error"]["problems"]) == ["gait_speed", "grip_strength"]
    r = client.post(url, json={"changes": {"grip_strength": "12 kg"}, "reason": "x"}, headers=api.headers("alice"))
    assert r.status_code == 422 and r.json()["error"]["problems"][0]["problem"] == "nothing was changed"
