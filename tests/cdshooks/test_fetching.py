"""Reading the patient's data: a prefetch or a FHIR server answer of the wrong shape is not used
(never a 500), the server's Patient must be the context's patient, the bearer token goes only
to URLs under ``fhirServer`` (a ``next`` link elsewhere is not followed), an answer is read no
further than ``MAX_RESPONSE_BYTES``, and a search with more pages than are followed is said so on
the cards."""

from __future__ import annotations

import asyncio
import gzip
import json
import re
import tracemalloc
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from myoscope.cdshooks import fetching
from myoscope.cdshooks.fetching import (
    MAX_PAGES,
    MAX_RESPONSE_BYTES,
    FhirServerError,
    ServerData,
    from_prefetch,
    from_server,
    under_base,
)

from .conftest import bundle, hook_body, token

URL = "/cds-services/myoscope-patient-view"
SERVER = "http://127.0.0.1:8798/nextabs"
PATIENT = {"resourceType": "Patient", "id": "p1", "gender": "female", "birthDate": "1941-06-02"}


def auth() -> dict[str, str]:
    return {"Authorization": f"Bearer {token()}"}


class FakeServer:
    """A FHIR server answering each Patient read with ``patient`` and the Observation searches
    with ``pages`` in turn; it records every request's URL and Authorization header."""

    def __init__(self, patient: Any = PATIENT, pages: list[Any] | None = None) -> None:
        self.patient = patient
        self.pages = list(pages if pages is not None else [{"resourceType": "Bundle", "entry": []}])
        self.seen: list[tuple[str, str | None]] = []
        self.encodings: list[str | None] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append((str(request.url), request.headers.get("authorization")))
        self.encodings.append(request.headers.get("accept-encoding"))
        answer = (
            self.patient
            if "/Patient/" in request.url.path
            else (self.pages.pop(0) if self.pages else {"resourceType": "Bundle"})
        )
        if isinstance(answer, httpx.Response):
            return answer
        # streamed, as a real server's answer is (content= would hand httpx the body whole)
        return httpx.Response(
            200,
            stream=httpx.ByteStream(json.dumps(answer).encode()),
            headers={"content-type": "application/fhir+json"},
        )

    def read(self) -> list[dict[str, Any]]:
        return self.fetch().resources

    def fetch(self) -> ServerData:
        return asyncio.run(from_server(SERVER, "p1", "SECRET", 5.0, httpx.MockTransport(self)))


def page(*resources: dict[str, Any], next_url: str | None = None) -> dict[str, Any]:
    b: dict[str, Any] = {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [{"resource": r} for r in resources],
    }
    if next_url is not None:
        b["link"] = [
            {"relation": "self", "url": f"{SERVER}/Observation"},
            {"relation": "next", "url": next_url},
        ]
    return b


def obs(i: int) -> dict[str, Any]:
    return {"resourceType": "Observation", "id": f"o{i}"}


def hook_with(client: TestClient, server: FakeServer, patient: str = "p1") -> httpx.Response:
    client.app.state.cds_http_transport = httpx.MockTransport(server)
    body = hook_body(prefetch=False, server=True, patient=patient)
    body["fhirServer"] = SERVER
    body["fhirAuthorization"]["access_token"] = "SECRET"
    return client.post(URL, json=body, headers=auth())


def server_card(r: httpx.Response) -> str:
    """The detail of the one card of an answer whose data could not be read (never a 500)."""
    assert r.status_code == 200, r.text
    (card,) = r.json()["cards"]
    assert card["indicator"] == "info"
    detail: str = card["detail"]
    return detail


# next links: followed under fhirServer only


def test_next_pages_under_the_fhir_server_are_followed_with_the_token() -> None:
    """The search's own paging (a path below the base, or the base with a query, as HAPI pages)
    is read, each page with the token."""
    server = FakeServer(
        pages=[
            page(obs(1), next_url=f"{SERVER}/Observation?page=2"),
            page(obs(2), next_url=f"{SERVER}?_getpages=abc&_getpagesoffset=400"),
            page(obs(3)),
        ]
    )
    got = server.read()
    assert [r["id"] for r in got] == ["p1", "o1", "o2", "o3"]
    assert len(server.seen) == 4 and all(auth == "Bearer SECRET" for _, auth in server.seen)


@pytest.mark.parametrize(
    "next_url",
    [
        "http://localhost:8798/leak/Observation",  # another host (the reviewer's case)
        "http://localhost:8798/nextabs/Observation",  # another host name, same path
        "http://127.0.0.1:8799/nextabs/Observation",  # another port
        "https://127.0.0.1:8798/nextabs/Observation",  # another scheme
        "http://127.0.0.1:8798/leak/Observation",  # outside the base path
        "http://127.0.0.1:8798/nextabsX/Observation",  # a longer path that only starts like the base
        "http://127.0.0.1:8798/nextabs/../leak/Observation",  # dot segments out of the base
        "http://127.0.0.1:8798/nextabs/%2e%2e/leak/Observation",  # the same, percent-encoded
        "http://127.0.0.1:8798/nextabs/x%2f..%2f..%2fleak",  # encoded slashes a server may decode
        "http://user:pw@127.0.0.1:8798/nextabs/Observation",  # user info
        "http://127.0.0.1:8798@evil.test/nextabs/Observation",  # evil.test's user info, really
        "/nextabs/Observation?page=2",  # relative
        "javascript:alert(1)",
        "http://127.0.0.1:abc/nextabs",  # not a URL httpx can request
    ],
)
def test_a_next_link_off_the_fhir_server_is_not_followed(next_url: str) -> None:
    server = FakeServer(pages=[page(obs(1), next_url=next_url), page(obs(2))])
    with pytest.raises(FhirServerError, match="next link is not under the FHIR server"):
        server.read()
    assert [u for u, _ in server.seen] == [f"{SERVER}/Patient/p1", server.seen[1][0]]  # no third request
    assert server.seen[1][0].startswith(f"{SERVER}/Observation?")


def test_the_hook_does_not_send_the_token_to_a_next_link_elsewhere(client: TestClient) -> None:
    server = FakeServer(pages=[page(obs(1), next_url="http://localhost:8798/leak/Observation"), page(obs(2))])
    r = hook_with(client, server)
    assert (
        "could not be read: the Observation search's next link is not under the FHIR server" in server_card(r)
    )
    assert all(u.startswith(f"{SERVER}/") for u, _ in server.seen) and len(server.seen) == 2


def test_under_base_compares_parsed_urls() -> None:
    base = httpx.URL(SERVER)
    assert under_base(SERVER, base) is not None
    assert under_base("HTTP://127.0.0.1:8798/nextabs/Observation", base) is not None  # case of scheme
    assert under_base("http://127.0.0.1:80/x", httpx.URL("http://127.0.0.1/")) is not None  # default port
    assert under_base("http://127.0.0.1:8798/nextabs%2fObservation", base) is None


# the server's Patient is the context's patient


@pytest.mark.parametrize(
    "answer",
    [
        {**PATIENT, "id": "zzz"},  # another patient (the reviewer's case)
        {**PATIENT, "id": None},
        {key: v for key, v in PATIENT.items() if key != "id"},
        {**PATIENT, "resourceType": "Practitioner"},
        {"resourceType": "OperationOutcome", "issue": []},
        [1, 2],
        "x",
        None,
        5,
        ["x"],
    ],
)
def test_the_server_must_answer_the_context_patient(answer: Any) -> None:
    """Prefetch already refuses a Patient that is not the context's; the server read refuses it
    the same way (not used), and does not search the Observations of whoever that is."""
    server = FakeServer(patient=answer, pages=[page(obs(1))])
    with pytest.raises(FhirServerError, match="the Patient read did not answer Patient p1"):
        server.read()
    assert len(server.seen) == 1


def test_the_hook_names_a_server_answering_another_patient(client: TestClient) -> None:
    server = FakeServer(patient={**PATIENT, "id": "zzz"}, pages=[page(obs(1))])
    detail = server_card(hook_with(client, server))
    assert "The FHIR server could not be read: the Patient read did not answer Patient p1" in detail


def test_the_context_patient_from_the_server_is_assessed(client: TestClient) -> None:
    """The check above passes the right patient: the cards are an assessment, not an error."""
    b = bundle("maria_us_units.json")
    patient = next(e["resource"] for e in b["entry"] if e["resource"]["resourceType"] == "Patient")
    observations = [e["resource"] for e in b["entry"] if e["resource"]["resourceType"] == "Observation"]
    r = hook_with(client, FakeServer(patient=patient, pages=[page(*observations)]), patient=patient["id"])
    assert r.status_code == 200 and any(c["summary"].startswith("EWGSOP2") for c in r.json()["cards"])


# odd JSON from the server: the "could not be read" card, never a 500

ODD_BUNDLES = [
    [1, 2],
    "x",
    None,
    5,
    {"entry": []},  # no resourceType: not a Bundle
    {"resourceType": "OperationOutcome", "issue": []},
    {"resourceType": "Bundle", "entry": 5},
    {"resourceType": "Bundle", "entry": {"resource": PATIENT}},
    {"resourceType": "Bundle", "entry": ["x"]},
    {"resourceType": "Bundle", "entry": [{"resource": "x"}]},
    {"resourceType": "Bundle", "entry": [{"resource": [1]}]},
    {"resourceType": "Bundle", "link": 5},
    {"resourceType": "Bundle", "link": ["x"]},
    {"resourceType": "Bundle", "link": [{"relation": "next", "url": 5}]},
    {"resourceType": "Bundle", "link": [{"relation": ["next"], "url": SERVER}]},
]


@pytest.mark.parametrize("answer", ODD_BUNDLES)
def test_an_odd_search_answer_is_a_server_that_cannot_be_read(answer: Any) -> None:
    with pytest.raises(FhirServerError, match="the Observation search answered"):
        FakeServer(pages=[answer]).read()


@pytest.mark.parametrize(
    "answer",
    [  # the reviewer's cases, through the whole hook
        [1, 2],
        {"resourceType": "Bundle", "entry": ["x"]},
        {"resourceType": "Bundle", "link": ["x"]},
        {"resourceType": "Bundle", "entry": 5},
    ],
)
def test_the_hook_answers_an_odd_search_with_the_could_not_be_read_card(
    client: TestClient, answer: Any
) -> None:
    detail = server_card(hook_with(client, FakeServer(pages=[answer])))
    assert "The FHIR server could not be read: the Observation search answered" in detail


@pytest.mark.parametrize("body", [b"[" * 100_000 + b"]" * 100_000, b"\xff\xfe", b"{"])
def test_an_answer_that_is_not_json_is_a_server_that_cannot_be_read(body: bytes) -> None:
    """Nested deeper than the JSON parser goes, or not text, or cut short."""

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body, headers={"content-type": "application/fhir+json"})

    with pytest.raises(FhirServerError, match="did not answer JSON"):
        asyncio.run(from_server(SERVER, "p1", "SECRET", 5.0, httpx.MockTransport(answer)))


# a prefetch of the wrong shape: not used, as a prefetch of another patient is not


def good_prefetch() -> dict[str, Any]:
    prefetch: dict[str, Any] = hook_body()["prefetch"]
    return prefetch


@pytest.mark.parametrize("observations", [b for b in ODD_BUNDLES if b is not None])  # None: not prefetched
def test_a_prefetch_bundle_of_the_wrong_shape_is_not_used(observations: Any) -> None:
    prefetch = good_prefetch()
    assert from_prefetch(prefetch, "maria") is not None
    prefetch["observations"] = observations
    assert from_prefetch(prefetch, "maria") is None


@pytest.mark.parametrize("patient", [[1, 2], "x", 5, ["x"], {"resourceType": "Patient"}])
def test_a_prefetch_patient_of_the_wrong_shape_is_not_used(patient: Any) -> None:
    prefetch = good_prefetch()
    prefetch["patient"] = patient
    assert from_prefetch(prefetch, "maria") is None


def test_the_hook_answers_a_bad_prefetch_as_no_data(client: TestClient) -> None:
    """The reviewer's case: ``"entry": 5`` is a card saying no data could be read, not a 500."""
    body = hook_body()
    body["prefetch"]["observations"] = {"entry": 5}
    r = client.post(URL, json=body, headers=auth())
    assert "Neither prefetch nor a FHIR server" in server_card(r)


def test_a_bad_prefetch_falls_back_to_the_server(client: TestClient) -> None:
    """As for a prefetch of another patient, the server (when named) is read instead."""
    body = hook_body(server=True)
    body["prefetch"]["observations"] = {"resourceType": "Bundle", "entry": 5}
    r = client.post(URL, json=body, headers=auth())
    assert r.status_code == 200 and client.app.state.fhir_stub.state.auth == ["Bearer abc"]
    assert any(c["summary"].startswith("EWGSOP2") for c in r.json()["cards"])


def test_entries_without_a_resource_are_skipped_not_refused() -> None:
    """FHIR allows an entry with no resource (it carries no data): the prefetch is still used."""
    prefetch = good_prefetch()
    n = len(prefetch["observations"]["entry"])
    prefetch["observations"]["entry"].append({"fullUrl": "urn:uuid:x"})
    got = from_prefetch(prefetch, "maria")
    assert got is not None and len(got) == 1 + n


# an answer is read no further than MAX_RESPONSE_BYTES (after decompression)

CHUNK = 65_536


class Long(httpx.AsyncByteStream):
    """A body far longer than the cap (a server streaming without limit); counts the bytes taken.
    It ends at four times the cap, so that reading it whole fails the test, not the machine."""

    def __init__(self) -> None:
        self.sent = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while self.sent < 4 * MAX_RESPONSE_BYTES:
            self.sent += CHUNK
            yield b" " * CHUNK


def streamed(body: bytes, **headers: str) -> httpx.Response:
    return httpx.Response(200, stream=httpx.ByteStream(body), headers=headers)


@pytest.mark.parametrize("what", ["Patient read", "Observation search"])
def test_a_long_answer_is_not_read_past_the_cap(what: str) -> None:
    """The reviewer's case: ``r.json()`` read whatever the server sent. The body is now read
    from the wire and no further than the cap, then the server is one that could not be read."""
    body = Long()
    answer = httpx.Response(200, stream=body)
    server = FakeServer(patient=answer) if what == "Patient read" else FakeServer(pages=[answer, page(obs(2))])
    with pytest.raises(FhirServerError, match=f"the {what} answered more than 5,000,000 bytes"):
        server.read()
    assert MAX_RESPONSE_BYTES < body.sent <= MAX_RESPONSE_BYTES + CHUNK
    assert len(server.seen) == (1 if what == "Patient read" else 2)  # nothing asked after it


def test_a_gzip_answer_is_read_and_one_inflating_past_the_cap_is_stopped() -> None:
    """gzip is asked for and read; a small gzip answer that inflates to 40 MB (40 kB on the wire)
    is inflated no further than the cap, so memory stays near the cap, not near 40 MB."""
    server = FakeServer(pages=[streamed(gzip.compress(json.dumps(page(obs(1))).encode()), **{"content-encoding": "gzip"})])
    assert [r["id"] for r in server.read()] == ["p1", "o1"]
    assert set(server.encodings) == {"gzip"}  # not br or zstd, which httpx would inflate unbounded

    bomb = gzip.compress(b" " * 40_000_000)
    assert len(bomb) < 100_000
    server = FakeServer(pages=[streamed(bomb, **{"content-encoding": "gzip"})])
    tracemalloc.start()
    try:
        with pytest.raises(FhirServerError, match="the Observation search answered more than 5,000,000 bytes"):
            server.read()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 3 * MAX_RESPONSE_BYTES


@pytest.mark.parametrize(
    ("body", "coding", "why"),
    [
        (b"x" * 100, "br", "in a content coding not asked for ('br')"),
        (b"x" * 100, "zstd", "in a content coding not asked for ('zstd')"),
        (b"x" * 100, "gzip, gzip", "in a content coding not asked for"),
        (gzip.compress(b"{}")[:-6], "gzip", "gzip that is cut short"),
        (gzip.compress(b"{}") + b"more", "gzip", "followed by other data"),
        (b"not gzip at all", "gzip", "gzip that does not inflate"),
    ],
    ids=["br", "zstd", "gzip-twice", "gzip-cut", "gzip-then-more", "not-gzip"],
)
def test_an_answer_in_a_coding_not_read_is_a_server_that_cannot_be_read(body: bytes, coding: str, why: str) -> None:
    with pytest.raises(FhirServerError, match=re.escape(why)) as caught:
        FakeServer(pages=[streamed(body, **{"content-encoding": coding})]).read()
    assert str(caught.value).startswith("the Observation search answered ")


def test_an_answer_given_whole_is_held_to_the_cap_too(monkeypatch: pytest.MonkeyPatch) -> None:
    """A transport that hands the body over already read (httpx.MockTransport's ``content=``)."""
    monkeypatch.setattr(fetching, "MAX_RESPONSE_BYTES", 1_000)
    whole = httpx.Response(200, content=json.dumps(page(*[obs(i) for i in range(100)])))
    with pytest.raises(FhirServerError, match="the Observation search answered more than 1,000 bytes"):
        FakeServer(pages=[whole]).read()


def test_the_hook_names_an_answer_over_the_cap(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """Through the hook: the "could not be read" card naming the cap, never a 500."""
    monkeypatch.setattr(fetching, "MAX_RESPONSE_BYTES", 10_000)
    r = hook_with(client, FakeServer(pages=[page(*[obs(i) for i in range(1_000)])]))
    assert (
        "The FHIR server could not be read: the Observation search answered more than 10,000 bytes"
        in server_card(r)
    )


# more pages than are followed: said, not dropped silently


def test_a_search_with_more_pages_than_followed_is_reported_as_cut() -> None:
    """The search is sorted newest first, so what is left unread is the oldest: the result says
    so, with how many Observations were read."""
    n = MAX_PAGES + 1
    pages = [page(obs(i), obs(100 + i), next_url=f"{SERVER}/Observation?page={i + 2}") for i in range(n)]
    server = FakeServer(pages=pages)
    got = server.fetch()
    assert len(server.seen) == 1 + MAX_PAGES  # the Patient, then MAX_PAGES pages: no more
    assert got.truncated and len(got.resources) == 1 + 2 * MAX_PAGES
    assert got.note is not None
    assert got.note.startswith(f"Only the newest {2 * MAX_PAGES} Observations were read")
    assert f"more than {MAX_PAGES} pages" in got.note


def test_a_search_ending_on_its_last_followed_page_is_not_cut() -> None:
    pages = [page(obs(i), next_url=f"{SERVER}/Observation?page={i + 2}") for i in range(MAX_PAGES - 1)]
    got = FakeServer(pages=[*pages, page(obs(99))]).fetch()
    assert not got.truncated and got.note is None and len(got.resources) == 1 + MAX_PAGES


def test_every_card_says_when_older_observations_were_not_read(client: TestClient) -> None:
    """The reviewer's case: paging stopped after MAX_PAGES pages and nothing said so. Every card
    (red flags, verdicts, what to measure) now carries it in its caveats; the same Observations
    on one page, nothing more to read, carry no such caveat."""
    b = bundle("maria_us_units.json")
    patient = next(e["resource"] for e in b["entry"] if e["resource"]["resourceType"] == "Patient")
    observations = [e["resource"] for e in b["entry"] if e["resource"]["resourceType"] == "Observation"]

    def more(i: int) -> str:
        return f"{SERVER}/Observation?page={i}"

    cut = [page(*observations, next_url=more(2))] + [page(next_url=more(i + 3)) for i in range(MAX_PAGES)]
    r = hook_with(client, FakeServer(patient=patient, pages=cut), patient=patient["id"])
    assert r.status_code == 200, r.text
    cards = r.json()["cards"]
    note = f"Only the newest {len(observations)} Observations were read"
    assert {c["indicator"] for c in cards} == {"warning", "info"} and len(cards) > 3
    assert all("\n\nCaveats:\n" in c["detail"] and f"- {note}" in c["detail"] for c in cards)

    whole = hook_with(client, FakeServer(patient=patient, pages=[page(*observations)]), patient=patient["id"])
    assert [c["summary"] for c in whole.json()["cards"]] == [c["summary"] for c in cards]
    assert not any("Only the newest" in c["detail"] for c in whole.json()["cards"])


def test_the_caveat_is_said_when_the_data_read_are_not_enough(client: TestClient) -> None:
    """The card that says the data are not enough (a Patient without a usable gender) says too
    that not every Observation was read."""
    cut = [page(obs(1), next_url=f"{SERVER}/Observation?page={i + 2}") for i in range(MAX_PAGES)]
    r = hook_with(client, FakeServer(patient={**PATIENT, "gender": "unknown"}, pages=cut))
    (card,) = r.json()["cards"]
    assert "The data read are not" in card["detail"] and "- Only the newest 5 Observations were read" in card["detail"]


def test_with_no_card_to_carry_it_the_caveat_gets_its_own(monkeypatch: pytest.MonkeyPatch) -> None:
    """No red flag, no verdict, nothing to measure: an answer of no cards would read as "nothing
    found", so the caveat comes on an info card of its own."""
    from myoscope.cdshooks import cards
    from myoscope.cdshooks.cards import CardContext, cards_for

    monkeypatch.setattr(cards, "alarm_cards", lambda *a: [])
    monkeypatch.setattr(cards, "verdict_cards", lambda *a: [])
    monkeypatch.setattr(cards, "missing_measures", lambda *a: [])
    ctx = CardContext(base_url="https://myoscope.test", patient_id="p1")
    assert cards_for(object(), ctx) == []  # type: ignore[arg-type]
    (card,) = cards_for(object(), ctx, caveats=["Only the newest 3 Observations were read"])  # type: ignore[arg-type]
    assert card.indicator == "info" and card.detail == "Caveats:\n- Only the newest 3 Observations were read"
