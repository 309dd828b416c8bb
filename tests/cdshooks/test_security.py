"""Client JWTs: asymmetric only (RS384/ES384), issuer, audience, expiry, replay."""

from __future__ import annotations

import json
import time
import uuid

import jwt
import pytest

from .conftest import BASE, RSA_KEY, hook_body, token

URL = "/cds-services/myoscope-patient-view"


def call(client, tok: str | None):
    headers = {"Authorization": f"Bearer {tok}"} if tok is not None else {}
    return client.post(URL, json=hook_body(), headers=headers)


def refused(client, tok: str | None, why: str) -> None:
    r = call(client, tok)
    assert r.status_code == 401, r.text
    assert why in r.json()["error"]["message"]


def test_good_rs384_and_es384_tokens_pass(client) -> None:
    assert call(client, token()).status_code == 200
    assert call(client, token(alg="ES384")).status_code == 200


def test_missing_token(client) -> None:
    refused(client, None, "Bearer JWT is required")


def test_expired(client) -> None:
    refused(client, token(exp=time.time() - 3600), "expired")


def test_wrong_audience(client) -> None:
    refused(client, token(aud=f"{BASE}/cds-services/other"), "audience")


def test_alg_none(client) -> None:
    unsigned = jwt.encode(
        {
            "iss": "https://ehr.test",
            "aud": BASE + URL,
            "exp": int(time.time()) + 60,
            "iat": int(time.time()),
            "jti": uuid.uuid4().hex,
        },
        None,
        algorithm="none",
    )
    refused(client, unsigned, "algorithm 'none' refused")


def test_hs256(client) -> None:
    refused(client, token(alg="HS256", key="a-shared-secret-of-enough-length-0123456789"), "'HS256' refused")


def test_replayed_jti(client) -> None:
    tok = token(jti="once")
    assert call(client, tok).status_code == 200
    refused(client, tok, "replayed")


def test_unknown_issuer_and_wrong_key(client) -> None:
    refused(client, token(iss="https://evil.test"), "unknown issuer")
    from cryptography.hazmat.primitives.asymmetric import rsa

    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    refused(client, token(key=other), "JWT refused")


@pytest.mark.parametrize("path", ["/cds-services/myoscope-patient-view/feedback"])
def test_feedback_needs_a_token_too(client, path: str) -> None:
    r = client.post(path, json={"feedback": []})
    assert r.status_code == 401


def test_a_malformed_client_list_fails_at_start_up() -> None:
    from pydantic import ValidationError

    from myoscope.web.settings import WebSettings

    for bad in ("[{", '[{"iss": "x"}]', '[{"iss": "x", "jwks": {}, "jwks_url": "https://x/jwks"}]'):
        with pytest.raises(ValidationError):
            WebSettings.model_validate({"cds_clients": bad})


def signed(**claims: object) -> str:
    """A correctly signed RS384 token with the usual claims, ``claims`` overriding or adding."""
    now = int(time.time())
    base: dict[str, object] = {
        "iss": "https://ehr.test",
        "aud": BASE + URL,
        "iat": now,
        "exp": now + 300,
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode({**base, **claims}, RSA_KEY, algorithm="RS384", headers={"kid": "rsa-1"})


@pytest.mark.parametrize(
    "claims",
    [
        {"exp": 10**30},  # the reviewer's cases: the replay table's INTEGER overflowed (a 500)
        {"exp": 1e308},
        {"exp": 10**400},  # too large for a float too
        {"exp": "1900000000"},
        {"exp": 2**63},
        {"exp": 253_402_300_800},  # one second past 9999
        {"iat": -(10**30)},
        {"iat": -1},
        {"nbf": -1e308},
        {"iat": True},
    ],
)
def test_a_signed_time_claim_out_of_range_is_401(client, claims: dict[str, object]) -> None:
    refused(client, signed(**claims), "is not a time between 1970 and 9999")


@pytest.mark.parametrize(
    ("jti", "why"),
    [
        ("\ud800x", "lone surrogate"),  # the reviewer's case: not UTF-8, the INSERT crashed (a 500)
        ("a\x00b", "control character"),  # PostgreSQL text cannot hold NUL
        ("", "non-empty text"),
        ("j" * 256, "longer than 255"),
    ],
)
def test_a_signed_jti_that_cannot_be_stored_is_401(client, jti: str, why: str) -> None:
    refused(client, signed(jti=jti), why)


def test_sane_claims_still_pass(client) -> None:
    """The range checks above refuse only what cannot be stored: decimal times, a long non-ASCII
    jti and a far (but storable) exp pass."""
    assert call(client, signed(exp=time.time() + 300.5, iat=time.time() - 0.5, nbf=0)).status_code == 200
    assert call(client, signed(jti="é" * 255, exp=253_402_300_799)).status_code == 200


def test_the_ledger_refuses_an_exp_it_cannot_store(client) -> None:
    """Defence in depth: the replay check itself refuses what its column cannot hold."""
    from myoscope.cdshooks.replay import JtiLedger

    ledger = JtiLedger(client.app.state.engine)
    for exp in (1e308, float("inf"), float("nan"), -1.0, 10**400):
        with pytest.raises(ValueError, match="exp must be a time"):
            ledger.once("https://ehr.test", uuid.uuid4().hex, exp)


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://ehr.test/fhir", True),
        ("https://ehr.test/fhir/tenant-a", True),
        ("HTTPS://EHR.TEST/fhir", True),  # scheme and host are case-insensitive
        ("https://ehr.test/fhir/../admin", False),  # httpx would request https://ehr.test/admin/...
        ("https://ehr.test/fhir/%2e%2e/admin", False),
        ("https://ehr.test/fhirX", False),
        ("https://ehr.test:444/fhir", False),
        ("http://ehr.test/fhir", False),
        ("https://ehr.test/fhir@evil.test/fhir", False),
        ("https://ehr.test.evil.test/fhir", False),
    ],
)
def test_a_client_held_to_its_fhir_servers_cannot_leave_them_by_path(url: str, allowed: bool) -> None:
    from myoscope.cdshooks.security import CdsClient

    c = CdsClient(iss="https://ehr.test", jwks={"keys": []}, fhir_servers=["https://ehr.test/fhir/"])
    assert c.allows_server(url) is allowed


@pytest.mark.parametrize("doc", [[{"kty": "RSA"}], "x", None, {"keys": 5}, {"keys": {"kty": "RSA"}}, {}])
def test_a_jwks_that_is_not_a_jwk_set_is_401_and_not_cached(doc: object) -> None:
    """The document at a client's JWKS URL comes from outside: a list (``.get`` of a list) or a
    ``keys`` that is not a list (iterating an int) was a 500. Now the token cannot be verified, a
    401 naming why, and the answer is not kept: the next call asks the URL again."""
    from myoscope.cdshooks.security import CdsAuthError, CdsClient, JwtVerifier

    from .conftest import HOOK_URL, ISS, jwks

    asked: list[str] = []

    def fetch(url: str) -> object:
        asked.append(url)
        return doc

    check = JwtVerifier([CdsClient(iss=ISS, jwks_url="https://ehr.test/jwks")], lambda *a: None, fetch)  # type: ignore[arg-type]
    for _ in range(2):
        with pytest.raises(CdsAuthError, match="not a JWK Set"):
            check.verify(f"Bearer {token()}", HOOK_URL)
    assert asked == ["https://ehr.test/jwks"] * 2
    doc = jwks()  # the same URL answering a JWK Set: verified
    assert check.verify(f"Bearer {token()}", HOOK_URL)["iss"] == ISS


def test_a_configured_jwks_that_is_not_a_jwk_set_is_401() -> None:
    from myoscope.cdshooks.security import CdsAuthError, JwtVerifier, parse_clients

    from .conftest import HOOK_URL, ISS

    clients = parse_clients(json.dumps([{"iss": ISS, "jwks": {"keys": 5}}]))
    with pytest.raises(CdsAuthError, match="not a JWK Set"):
        JwtVerifier(clients, lambda *a: None).verify(f"Bearer {token()}", HOOK_URL)


def test_a_jwks_url_is_read_with_a_cap_through_the_app_verifier() -> None:
    """The app's verifier reads a client's JWKS URL over the network with a bound on what it holds:
    a key set is read and verifies; an answer over ``MAX_JWKS_BYTES`` (or a gzip answer inflating
    past it) is a 401 naming the read, never the whole answer in memory."""
    import gzip
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from types import SimpleNamespace

    from myoscope.cdshooks.routes import verifier
    from myoscope.cdshooks.security import MAX_JWKS_BYTES, CdsAuthError

    from .conftest import HOOK_URL, ISS, jwks

    answers: list[tuple[bytes, dict[str, str]]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # http.server's name
            body, headers = answers[0]
            self.send_response(200)
            for k, v in {"Content-Length": str(len(body)), **headers}.items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/jwks"
        clients = json.dumps([{"iss": ISS, "jwks_url": url}])
        state = SimpleNamespace(settings=SimpleNamespace(cds_fhir_timeout=5.0, cds_clients=clients),
                                engine=None, cds_verifier=None)
        check = verifier(SimpleNamespace(app=SimpleNamespace(state=state)))  # type: ignore[arg-type]
        check.once = lambda *a: None  # type: ignore[method-assign]
        padded = {**jwks(), "pad": "x" * (MAX_JWKS_BYTES + 1)}
        for body, headers in [
            (json.dumps(padded).encode(), {}),
            (gzip.compress(json.dumps(padded).encode()), {"Content-Encoding": "gzip"}),
        ]:
            answers[:] = [(body, headers)]
            with pytest.raises(CdsAuthError, match="could not be read"):
                check.verify(f"Bearer {token()}", HOOK_URL)
        answers[:] = [(gzip.compress(json.dumps(jwks()).encode()), {"Content-Encoding": "gzip"})]
        assert check.verify(f"Bearer {token()}", HOOK_URL)["iss"] == ISS
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(
    ("status", "body", "why"),
    [(404, b"{}", "answered 404"), (200, b"<html>", "is not JSON"), (200, b"{" * 100_000, "is not JSON")],
)
def test_read_json_capped_names_what_failed(status: int, body: bytes, why: str) -> None:
    import httpx

    from myoscope.cdshooks.fetching import FhirServerError, read_json_capped

    transport = httpx.MockTransport(lambda r: httpx.Response(status, stream=httpx.ByteStream(body)))
    with pytest.raises(FhirServerError, match=f"the JWKS URL {why}"):
        read_json_capped("https://ehr.test/jwks", "JWKS URL", 1_000_000, 5.0, transport)
