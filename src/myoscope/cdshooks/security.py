"""The client's JWT, verified as CDS Hooks 2.0 asks (docs/cds-hooks.md §Security).

- asymmetric signatures only, RS384 or ES384: ``none`` and every HMAC algorithm are refused before
  any key is looked at (an HMAC token signed with a public key is the classic confusion attack);
- ``iss`` must be a configured client; its keys come from the configuration (a static JWKS) or
  from the JWKS URL configured for that client, never from a ``jku`` the token names;
- ``aud`` must equal this service's URL; ``exp``, ``iat`` and ``jti`` are required;
- ``exp``, ``iat`` and ``nbf`` must be whole or decimal seconds between the epoch and year 9999,
  and ``jti`` text of 1 to 255 characters without control characters or lone surrogates: a
  signed token is still client input, and a claim the database cannot store (an ``exp`` of 1e308,
  a ``jti`` not encodable as UTF-8) must be refused as a bad token, not crash the replay check;
- a ``jti`` is accepted once: ``once(iss, jti, exp)`` records it in the registry database
  (:class:`myoscope.cdshooks.replay.JtiLedger`), so a replay is refused by every worker and
  process sharing the registry, not only by the one that saw the token first.
"""

from __future__ import annotations

import functools
import json
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import jwt
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from ..errors import MyoscopeError
from .fetching import under_base

ALGORITHMS = ("RS384", "ES384")
#: the longest ``iss`` and ``jti`` kept by the replay check (its columns' size)
MAX_ID_LENGTH = 255
#: the latest time claim accepted (9999-12-31T23:59:59Z, the last second a datetime can hold):
#: far inside the replay table's 64-bit ``exp`` column, so every accepted ``exp`` can be stored
MAX_TIME = 253_402_300_799
#: the most bytes a client's JWKS URL may answer (after decompression): a key set holds a few
#: keys of under a kilobyte each, and the URL's server is outside the service's control, so a
#: bound on what it can make the service hold (a memory bound, not a security parameter)
MAX_JWKS_BYTES = 1_000_000


class CdsAuthError(MyoscopeError):
    """A hook call whose JWT is missing or does not verify (answered 401, reason named)."""


class CdsClient(BaseModel):
    model_config = ConfigDict(extra="forbid")

    iss: str = Field(max_length=MAX_ID_LENGTH)
    jwks: dict[str, Any] | None = None
    jwks_url: str | None = None
    #: the FHIR server base URLs this client may send as ``fhirServer`` (none given: any); the
    #: service reads patient data only from these, so a client cannot point it at another host
    fhir_servers: list[str] | None = None

    def allows_server(self, url: str) -> bool:
        """Whether ``url`` is one of the client's FHIR servers or below one. Compared as parsed
        URLs (:func:`~myoscope.cdshooks.fetching.under_base`), not as strings: a string prefix let
        ``<allowed>/../elsewhere`` through, which httpx then requests as ``/elsewhere``."""
        if self.fhir_servers is None:
            return True
        for allowed in self.fhir_servers:
            try:
                base = httpx.URL(allowed.rstrip("/"))
            except httpx.InvalidURL:
                continue
            if under_base(url, base) is not None:
                return True
        return False


def parse_clients(text: str) -> list[CdsClient]:
    """The ``cds_clients`` setting (a JSON list).

    :raises ValueError: for malformed JSON or a client with neither or both of jwks/jwks_url."""
    try:
        raw = json.loads(text or "[]")
    except json.JSONDecodeError as exc:
        raise ValueError(f"CDS clients: not JSON ({exc.msg})") from None
    clients = TypeAdapter(list[CdsClient]).validate_python(raw)
    for c in clients:
        if (c.jwks is None) == (c.jwks_url is None):
            raise ValueError(f"CDS client {c.iss!r}: give exactly one of jwks and jwks_url")
    return clients


def check_claims(claims: dict[str, Any]) -> None:
    """Refuse claims that verified but cannot be used: the signature says who sent them, not that
    they are sane, and the replay check stores ``jti`` and ``exp`` (an overflowing number or a
    string that is not valid text would crash the INSERT, a 500 instead of a 401).

    :raises CdsAuthError: naming the claim."""
    for name in ("exp", "iat", "nbf"):
        if name not in claims:
            continue
        v = claims[name]
        # a range test, not math.isfinite: that overflows on a huge int; NaN fails every comparison
        if isinstance(v, bool) or not isinstance(v, int | float) or not 0 <= v <= MAX_TIME:
            raise CdsAuthError(f"JWT {name} is not a time between 1970 and 9999 (seconds since the epoch)")
    jti = claims.get("jti")
    if not isinstance(jti, str) or not jti:
        raise CdsAuthError("JWT jti must be non-empty text")
    if len(jti) > MAX_ID_LENGTH:
        raise CdsAuthError(f"JWT jti longer than {MAX_ID_LENGTH} characters")
    if any(unicodedata.category(c) in ("Cc", "Cs") for c in jti):
        raise CdsAuthError("JWT jti holds a control character or a lone surrogate")


@functools.lru_cache(maxsize=64)
def _key_object(jwk: str, alg: str) -> Any:
    """The public key of a JWK (its JSON): built once, since loading and checking an EC or RSA
    key costs about as much as verifying a signature with it, on every call."""
    return jwt.PyJWK(json.loads(jwk), algorithm=alg).key


def _jwk_set(doc: Any) -> dict[str, Any]:
    """``doc`` when it is a JWK Set: an object whose ``keys`` is a list.

    :raises CdsAuthError: otherwise (the token cannot be verified)."""
    if not isinstance(doc, dict) or not isinstance(doc.get("keys"), list):
        raise CdsAuthError("the client's JWKS is not a JWK Set (an object with a list of keys)")
    return doc


@dataclass
class JwtVerifier:
    """Verifies hook JWTs for the configured clients. ``once(iss, jti, exp)`` accepts a token's
    ``jti`` the first time and raises :class:`CdsAuthError` for a replay (the app passes the
    registry's :class:`~myoscope.cdshooks.replay.JtiLedger`); ``fetch_jwks(url)`` reads a JWKS
    document (injected: the app passes an httpx call with a timeout)."""

    clients: list[CdsClient]
    once: Callable[[str, str, float], None]
    fetch_jwks: Callable[[str], dict[str, Any]] | None = None
    jwks_ttl: float = 300.0
    leeway: float = 30.0
    _jwks_cache: dict[str, tuple[float, dict[str, Any]]] = field(default_factory=dict)

    def verify(self, authorization: str | None, audience: str) -> dict[str, Any]:
        """The verified claims of ``Authorization: Bearer <jwt>``.

        :raises CdsAuthError: naming why the token is refused."""
        if not authorization or not authorization.startswith("Bearer "):
            raise CdsAuthError("a Bearer JWT is required (Authorization header)")
        token = authorization[len("Bearer ") :].strip()
        try:
            parts = jwt.api_jwt.decode_complete(token, options={"verify_signature": False})
            header, unverified = parts["header"], parts["payload"]
        except jwt.PyJWTError as exc:
            raise CdsAuthError(f"malformed JWT ({type(exc).__name__})") from None
        alg = header.get("alg")
        if alg not in ALGORITHMS:
            raise CdsAuthError(f"JWT algorithm {alg!r} refused (accepted: {', '.join(ALGORITHMS)})")
        iss = unverified.get("iss")
        client = next((c for c in self.clients if c.iss == iss), None)
        if client is None:
            raise CdsAuthError(f"unknown issuer {str(iss)[:100]!r}")
        key = self._key(client, header.get("kid"), alg)
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=[alg],
                audience=audience,
                issuer=client.iss,
                leeway=self.leeway,
                options={"require": ["iss", "aud", "exp", "iat", "jti"]},
            )
        except jwt.ExpiredSignatureError:
            raise CdsAuthError("JWT expired") from None
        except jwt.InvalidAudienceError:
            raise CdsAuthError(f"JWT audience is not this service ({audience})") from None
        except jwt.PyJWTError as exc:
            raise CdsAuthError(f"JWT refused: {exc}") from None
        check_claims(claims)
        self.once(client.iss, claims["jti"], float(claims["exp"]))
        return claims

    def client(self, iss: str) -> CdsClient | None:
        return next((c for c in self.clients if c.iss == iss), None)

    def _key(self, client: CdsClient, kid: str | None, alg: str) -> Any:
        keys = [k for k in self._jwks(client)["keys"] if isinstance(k, dict)]
        if kid is not None:
            keys = [k for k in keys if k.get("kid") == kid]
        family = "RSA" if alg.startswith("RS") else "EC"
        keys = [k for k in keys if k.get("kty") == family]
        if len(keys) != 1:
            raise CdsAuthError(f"no single {family} key for kid {kid!r} in the client's JWKS")
        try:
            return _key_object(json.dumps(keys[0], sort_keys=True), alg)
        except (jwt.PyJWTError, ValueError) as exc:
            raise CdsAuthError(f"the client's key is unusable ({exc})") from None

    def _jwks(self, client: CdsClient) -> dict[str, Any]:
        """The client's JWK Set, checked for shape: it comes from outside (the client's URL, or
        its configuration), and one that is not an object with a list of keys leaves the token
        unverifiable, a 401 (a 500 before: ``.get`` of a list). A fetched one is checked before it
        is cached, so a bad answer is not kept for ``jwks_ttl``."""
        if client.jwks is not None:
            return _jwk_set(client.jwks)
        assert client.jwks_url is not None
        cached = self._jwks_cache.get(client.jwks_url)
        if cached and cached[0] > time.monotonic():
            return cached[1]
        if self.fetch_jwks is None:
            raise CdsAuthError("the client's JWKS URL cannot be read here")
        try:
            doc = self.fetch_jwks(client.jwks_url)
        except Exception as exc:  # network, JSON: the token cannot be verified, so it is refused
            raise CdsAuthError(f"the client's JWKS could not be read ({type(exc).__name__})") from None
        doc = _jwk_set(doc)
        self._jwks_cache[client.jwks_url] = (time.monotonic() + self.jwks_ttl, doc)
        return doc
