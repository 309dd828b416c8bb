"""Client JWTs: asymmetric only (RS384/ES384), issuer, audience, expiry, replay."""

from __future__ import annotations

import time
import uuid

import jwt
import pytest

from .conftest import BASE, hook_body, token

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
    unsigned = jwt.encode({"iss": "https://ehr.test", "aud": BASE + URL, "exp": int(time.time()) + 60,
                           "iat": int(time.time()), "jti": uuid.uuid4().hex}, None, algorithm="none")
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
