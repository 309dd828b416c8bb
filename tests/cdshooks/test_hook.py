"""The patient-view hook: discovery, with and without prefetch, no data, hook mismatch, feedback."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from myoscope.registry.models import CdsFeedback

from .conftest import BASE, hook_body, token

URL = "/cds-services/myoscope-patient-view"


def auth() -> dict[str, str]:
    return {"Authorization": f"Bearer {token()}"}


def test_discovery_lists_the_service_with_prefetch(client) -> None:
    body = client.get("/cds-services").json()
    (svc,) = body["services"]
    assert svc["id"] == "myoscope-patient-view" and svc["hook"] == "patient-view"
    assert svc["prefetch"]["patient"] == "Patient/{{context.patientId}}"
    assert "http://loinc.org|83174-3" in svc["prefetch"]["observations"]


def _check_sarcopenia_cards(cards: list[dict]) -> None:
    indicators = [c["indicator"] for c in cards]
    assert indicators == sorted(indicators, key=["critical", "warning", "info"].index)
    ew = next(c for c in cards if c["summary"].startswith("EWGSOP2"))
    assert ew["indicator"] == "warning" and ew["source"]["url"] == "https://doi.org/10.1093/ageing/afy169"
    assert "grip_strength" in ew["detail"]
    assert ew["links"][0] == {
        "label": "Open in myoscope",
        "url": f"{BASE}/patients?q=maria",
        "type": "absolute",
    }
    assert ew["links"][1]["type"] == "smart"
    action = ew["suggestions"][0]["actions"][0]
    assert action["type"] == "create" and action["resource"]["code"]["coding"][0]["code"] == "M62.84"
    assert action["resource"]["verificationStatus"]["coding"][0]["code"] == "provisional"
    assert any(c["summary"].startswith("Red flag (urgent)") and c["indicator"] == "warning" for c in cards)
    assert cards[-1]["indicator"] == "info" and "measure" in cards[-1]["summary"]
    assert all(len(c["summary"]) < 140 for c in cards)


def test_hook_with_prefetch(client) -> None:
    r = client.post(URL, json=hook_body(), headers=auth())
    assert r.status_code == 200, r.text
    _check_sarcopenia_cards(r.json()["cards"])


def test_hook_without_prefetch_reads_the_fhir_server(client) -> None:
    r = client.post(URL, json=hook_body(prefetch=False, server=True), headers=auth())
    assert r.status_code == 200, r.text
    _check_sarcopenia_cards(r.json()["cards"])
    assert client.app.state.fhir_stub.state.auth == ["Bearer abc"]  # the fhirAuthorization token


def test_a_client_may_be_held_to_its_fhir_servers(client) -> None:
    from myoscope.cdshooks.routes import verifier

    check = verifier(_request(client))  # the app's verifier, built on first use
    check.clients[0] = check.clients[0].model_copy(update={"fhir_servers": ["https://ehr.test/fhir"]})
    r = client.post(URL, json=hook_body(prefetch=False, server=True), headers=auth())
    assert r.status_code == 403 and r.json()["error"]["problems"][0]["field"] == "fhirServer"


def _request(client):
    class _R:
        app = client.app

    return _R()


def test_no_data_gives_a_card_saying_what_to_measure(client) -> None:
    r = client.post(URL, json=hook_body(prefetch=False), headers=auth())
    assert r.status_code == 200
    (card,) = r.json()["cards"]
    assert card["indicator"] == "info" and "Neither prefetch nor a FHIR server" in card["detail"]


def test_a_patient_the_server_does_not_know_is_not_an_error(client) -> None:
    r = client.post(URL, json=hook_body(prefetch=False, server=True, patient="nobody"), headers=auth())
    assert r.status_code == 200 and "404" in r.json()["cards"][0]["detail"]


def test_hook_mismatch_is_400(client) -> None:
    body = hook_body()
    body["hook"] = "order-select"
    r = client.post(URL, json=body, headers=auth())
    assert r.status_code == 400 and r.json()["error"]["code"] == "hook_mismatch"


def test_unknown_service_is_404_and_bad_body_400(client) -> None:
    assert client.post("/cds-services/other", json=hook_body(), headers=auth()).status_code == 404
    r = client.post(URL, json={"hook": "patient-view"}, headers=auth())
    assert r.status_code == 400
    assert {p["field"] for p in r.json()["error"]["problems"]} >= {"hookInstance", "context"}


def test_feedback_is_stored(client) -> None:
    fb = {
        "feedback": [
            {
                "card": "abc",
                "outcome": "accepted",
                "acceptedSuggestions": [{"id": "s1"}],
                "outcomeTimestamp": "2026-12-05T10:00:00Z",
            },
            {
                "card": "def",
                "outcome": "overridden",
                "overrideReason": {"userComment": "known"},
                "outcomeTimestamp": "2026-12-05T10:01:00Z",
            },
        ]
    }
    r = client.post(
        f"{URL}/feedback", json=fb, headers={"Authorization": f"Bearer {token(aud=BASE + URL + '/feedback')}"}
    )
    assert r.status_code == 200 and r.json() == {"stored": 2}
    with client.app.state.sessions() as s:
        rows = s.scalars(select(CdsFeedback).order_by(CdsFeedback.id)).all()
    assert [(x.card_uuid, x.outcome) for x in rows] == [("abc", "accepted"), ("def", "overridden")]
    assert rows[0].accepted_suggestions == {"ids": ["s1"]} and rows[1].override_reason == {
        "userComment": "known"
    }


def test_a_crash_is_a_json_500_never_an_empty_200(client, monkeypatch) -> None:
    import myoscope.cdshooks.routes as routes

    def broken(*_a, **_k):
        raise RuntimeError("boom")

    monkeypatch.setattr(routes, "cards_for", broken)
    r = TestClient(client.app, raise_server_exceptions=False, base_url=BASE).post(
        URL, json=hook_body(), headers=auth()
    )
    assert r.status_code == 500 and r.json()["error"]["code"] == "internal_error"
    assert "boom" not in r.text


def test_null_prefetch_or_another_patient_falls_back_to_the_server(client) -> None:
    body = hook_body(server=True)
    body["prefetch"]["observations"] = None  # the client could not prefetch it
    r = client.post(URL, json=body, headers=auth())
    assert r.status_code == 200 and client.app.state.fhir_stub.state.auth == ["Bearer abc"]
    body = hook_body(patient="tom")  # the prefetched Patient is maria: not used
    r = client.post(URL, json=body, headers=auth())
    (card,) = r.json()["cards"]
    assert "Neither prefetch nor a FHIR server" in card["detail"]


def test_a_patient_without_a_usable_gender_gets_a_card_naming_it(client) -> None:
    body = hook_body()
    body["prefetch"]["patient"]["gender"] = "unknown"
    r = client.post(URL, json=body, headers=auth())
    assert r.status_code == 200
    (card,) = r.json()["cards"]
    assert card["indicator"] == "info" and "- sex: required" in card["detail"]


def test_a_large_patient_is_assessed_in_a_worker_thread_a_small_one_inline(client, monkeypatch) -> None:
    """Up to ``INLINE_RESOURCES`` resources the pathway runs on the event loop (cheaper than a
    thread); beyond, in a worker thread, so the loop keeps serving other calls. Same cards."""
    import copy

    from myoscope.cdshooks import routes

    hopped: list[str] = []

    async def recording(func, *args):
        hopped.append(func.__name__)
        return func(*args)

    monkeypatch.setattr(routes, "run_in_threadpool", recording)
    small = hook_body()
    r = client.post(URL, json=small, headers=auth())
    assert r.status_code == 200 and "_assessed" not in hopped
    large = copy.deepcopy(small)
    entries = large["prefetch"]["observations"]["entry"]
    while len(entries) <= routes.INLINE_RESOURCES:  # older copies of the same Observations
        entries += [
            {"resource": {**e["resource"], "id": f"{e['resource']['id']}-{len(entries)}"}}
            for e in small["prefetch"]["observations"]["entry"]
        ]
    r2 = client.post(URL, json=large, headers=auth())
    assert r2.status_code == 200 and hopped.count("_assessed") == 1
    assert [c["summary"] for c in r2.json()["cards"]] == [c["summary"] for c in r.json()["cards"]]


def test_a_fhir_server_url_httpx_cannot_request_is_400(client) -> None:
    body = hook_body(prefetch=False, server=True)
    body["fhirServer"] = "http://ehr.test:abc/fhir"  # passed the old check, then InvalidURL: a 500
    r = TestClient(client.app, raise_server_exceptions=False, base_url=BASE).post(
        URL, json=body, headers=auth()
    )
    assert r.status_code == 400 and [p["field"] for p in r.json()["error"]["problems"]] == ["fhirServer"]


def test_a_body_nested_deeper_than_the_parser_goes_is_400(client) -> None:
    body = b"[" * 200_000 + b"]" * 200_000  # under the size limit; json.loads raised RecursionError
    r = TestClient(client.app, raise_server_exceptions=False, base_url=BASE).post(
        URL, content=body, headers={**auth(), "content-type": "application/json"}
    )
    assert r.status_code == 400 and r.json()["error"]["problems"][0]["problem"] == "JSON nested too deeply"
