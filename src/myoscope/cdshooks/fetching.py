"""The patient's data for a hook: from ``prefetch`` when the EHR sent it, else read from
``fhirServer`` with the ``fhirAuthorization`` token (httpx, with a timeout), else nothing.

Prefetch templates ask for the Patient and the Observations whose codes myoscope reads
(``knowledge/interop/fhir.yaml``), newest first.

Whatever the client or the server sends is checked for shape before it is used: a Patient that is
not the context's patient, or a Bundle whose ``entry`` or ``link`` is not what FHIR says, is not
used (a prefetch is then ignored as if absent; a server answer is an error the card names). The
bearer token goes only to URLs under ``fhirServer``: a ``next`` link elsewhere is not followed, so
a server (or anyone who can put a link in its answer) cannot make the service hand the token on.

A server's answer is read from the wire with a cap (:data:`MAX_RESPONSE_BYTES`, counted after
decompression), so a server cannot make the service hold an answer of any size in memory; and when
the Observation search has more pages than the service follows (:data:`MAX_PAGES`), the result
says so (:attr:`ServerData.truncated`), so the cards can say that older Observations were not read.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

import httpx

from ..fhir.codes import load_codes

#: at most this many pages of an Observation search are followed (the search is sorted newest
#: first, so what is left unread is the oldest; the cards then say so: :attr:`ServerData.note`)
MAX_PAGES = 5
#: the most bytes one answer of the FHIR server (the Patient read, or one page of the Observation
#: search) may hold, counted after decompression: not a clinical limit but a memory bound, since
#: the server is outside the service's control. A page of 200 Observations of a few kB each is
#: about 1 MB or less; 5 MB is also the default request body limit (``MYOSCOPE_FHIR_MAX_BYTES``),
#: which bounds a prefetch of the same data. An answer beyond it is a server that could not be
#: read (the card names the cap).
MAX_RESPONSE_BYTES = 5_000_000
#: the content codings asked for and read: gzip is inflated here with a bound on its output (httpx
#: would inflate each network chunk whole, and brotli or zstd can expand a few kilobytes into
#: gigabytes before any cap sees them); any other coding is refused
ENCODINGS = ("identity", "gzip", "x-gzip")


def observation_query(patient: str) -> str:
    codes = load_codes()
    loinc = ",".join(f"{codes.systems.loinc}|{o.code}" for o in codes.observations)
    return f"Observation?patient={patient}&code={loinc}&_sort=-date&_count=200"


def prefetch_templates() -> dict[str, str]:
    return {
        "patient": "Patient/{{context.patientId}}",
        "observations": observation_query("{{context.patientId}}"),
    }


class BundleShapeError(ValueError):
    """A Bundle whose shape is not FHIR's (its message says what is wrong)."""


def bundle_page(bundle: Any) -> tuple[list[dict[str, Any]], str | None]:
    """The resources of one searchset page and its ``next`` link (None: the last page).

    Checked rather than trusted, since the Bundle comes from outside: a client's prefetch or a
    server's answer. An entry without a resource is skipped (FHIR allows one, it carries no data).

    :raises BundleShapeError: for anything but a Bundle whose ``entry`` and ``link`` are lists of
        objects, each entry's resource an object and each link's relation and url text."""
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        raise BundleShapeError("not a Bundle")
    entries, links = bundle.get("entry"), bundle.get("link")
    if not isinstance(entries, list | None) or not isinstance(links, list | None):
        raise BundleShapeError("a Bundle whose entry or link is not a list")
    resources: list[dict[str, Any]] = []
    for e in entries or []:
        if not isinstance(e, dict) or not isinstance(e.get("resource"), dict | None):
            raise BundleShapeError("a Bundle entry that is not an object with a resource object")
        if e.get("resource") is not None:
            resources.append(e["resource"])
    next_url = None
    for link in links or []:
        if not (
            isinstance(link, dict)
            and isinstance(link.get("relation"), str)
            and isinstance(link.get("url"), str)
        ):
            raise BundleShapeError("a Bundle link that is not an object with a relation and a url")
        if link["relation"] == "next" and next_url is None:
            next_url = link["url"]
    return resources, next_url


def is_patient(resource: Any, patient_id: str) -> bool:
    """Whether ``resource`` is the Patient of the hook's context: data of another patient must
    never be assessed (and carded) as this one's."""
    return (
        isinstance(resource, dict)
        and resource.get("resourceType") == "Patient"
        and resource.get("id") == patient_id
    )


def from_prefetch(prefetch: dict[str, Any] | None, patient_id: str) -> list[dict[str, Any]] | None:
    """The resources of the prefetch, or None when a key is missing or null (the client could not
    prefetch it: then the server is asked), when the Patient is not the context's patient, or when
    the Observations are not a well-formed Bundle (treated alike: the prefetch cannot be used)."""
    if not prefetch or prefetch.get("patient") is None or prefetch.get("observations") is None:
        return None
    patient, observations = prefetch["patient"], prefetch["observations"]
    if not is_patient(patient, patient_id):
        return None
    try:
        resources, _ = bundle_page(observations)  # a prefetch is one page: its links not followed
    except BundleShapeError:
        return None
    return [patient, *resources]


class FhirServerError(Exception):
    """The FHIR server could not be read (status, timeout, not JSON, not the expected resources,
    a ``next`` link off the server, an answer over :data:`MAX_RESPONSE_BYTES`)."""


@dataclass(frozen=True)
class ServerData:
    """What the FHIR server gave: the Patient first, then the Observation search's resources."""

    resources: list[dict[str, Any]]
    #: a ``next`` link remained after :data:`MAX_PAGES` pages: older Observations were not read
    truncated: bool = False

    @property
    def note(self) -> str | None:
        """What the cards must say when not every Observation was read (None: all were). Silence
        would let a missing verdict or red flag read as "no finding", when the Observations that
        could decide it (an earlier weight, say) were simply never read."""
        if not self.truncated:
            return None
        n = sum(1 for r in self.resources[1:] if r.get("resourceType") == "Observation")
        return (
            f"Only the newest {n:,} Observations were read: the FHIR server's search (newest first) "
            f"has more than {MAX_PAGES} pages, and older Observations were not read, so a verdict "
            "or red flag that needs them may be undecided or missing."
        )


def under_base(url: str, base: httpx.URL) -> httpx.URL | None:
    """``url`` parsed, when it lies under ``base``: same scheme, host and port, no user info, its
    path the base path or below it, with no dot segment (plain or percent-encoded) a server could
    resolve to outside the base. Else None: the token must not be sent there.

    The URL is parsed by httpx, the parser of the request that follows, so what is checked is what
    is requested (httpx resolves plain dot segments and default ports itself)."""
    try:
        u = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError):
        return None
    if (u.scheme, u.host, u.port) != (base.scheme, base.host, base.port) or u.userinfo:
        return None
    path = u.raw_path.split(b"?", 1)[0].decode("ascii", "replace")
    prefix = base.raw_path.split(b"?", 1)[0].decode("ascii", "replace").rstrip("/")
    if path != prefix and not path.startswith(prefix + "/"):
        return None
    segments = unquote(path).replace("\\", "/").split("/")
    if any(s in (".", "..") for s in segments):
        return None
    return u


def _too_large(what: str, limit: int) -> FhirServerError:
    return FhirServerError(f"the {what} answered more than {limit:,} bytes (the most read per answer)")


class _Capped:
    """A body gathered chunk by chunk from the wire, inflated (gzip) with a bound on its output,
    refused once it holds more than ``limit`` bytes: a server cannot make the service hold an
    answer of any size (nor a small gzip answer that inflates to gigabytes). One accumulator
    for the hook's FHIR reads (async) and the JWKS read (sync).

    :raises FhirServerError: for an answer over ``limit`` bytes, in a coding not asked for, or
        whose gzip does not inflate to its end."""

    def __init__(self, response: httpx.Response, what: str, limit: int) -> None:
        coding = response.headers.get("content-encoding", "").strip().lower() or "identity"
        if coding not in ENCODINGS:
            raise FhirServerError(f"the {what} answered in a content coding not asked for ({coding[:30]!r})")
        self.what, self.limit = what, limit
        self.inflate = None if coding == "identity" else zlib.decompressobj(zlib.MAX_WBITS | 16)
        self.body = bytearray()

    def add(self, chunk: bytes) -> None:
        if self.inflate is not None:
            try:  # at most one byte past the limit is inflated: enough to know it is over
                chunk = self.inflate.decompress(chunk, self.limit + 1 - len(self.body))
            except zlib.error:
                raise FhirServerError(f"the {self.what} answered gzip that does not inflate") from None
        self.body += chunk
        if len(self.body) > self.limit:
            raise _too_large(self.what, self.limit)

    def result(self) -> bytes:
        if self.inflate is not None and (not self.inflate.eof or self.inflate.unused_data):
            raise FhirServerError(
                f"the {self.what} answered gzip that is cut short or followed by other data"
            )
        return bytes(self.body)


def _given_whole(response: httpx.Response, what: str, limit: int) -> bytes | None:
    """The body of a response given whole, already decoded (httpx.MockTransport's ``content=``),
    or None for one still on the wire. :raises FhirServerError: over ``limit`` bytes."""
    if not response.is_stream_consumed:
        return None
    if len(response.content) > limit:
        raise _too_large(what, limit)
    return response.content


async def _capped(response: httpx.Response, what: str, limit: int) -> bytes:
    """The body of ``response``, read with :class:`_Capped`. :raises FhirServerError:"""
    whole = _given_whole(response, what, limit)
    if whole is not None:
        return whole
    body = _Capped(response, what, limit)
    async for chunk in response.aiter_raw():
        body.add(chunk)
    return body.result()


def read_json_capped(
    url: str, what: str, limit: int, timeout: float, transport: httpx.BaseTransport | None = None
) -> Any:
    """The JSON answer of a GET (no redirect) that must answer 200, read with :class:`_Capped`
    (the JWKS of a CDS client: a key set is a few kilobytes, and the URL is outside the
    service's control). :raises FhirServerError:"""
    headers = {"Accept": "application/json", "Accept-Encoding": "gzip"}
    with (
        httpx.Client(timeout=timeout, transport=transport, follow_redirects=False) as client,
        client.stream("GET", url, headers=headers) as r,
    ):
        if r.status_code != 200:
            raise FhirServerError(f"the {what} answered {r.status_code}")
        content = _given_whole(r, what, limit)
        if content is None:
            body = _Capped(r, what, limit)
            for chunk in r.iter_raw():
                body.add(chunk)
            content = body.result()
    try:
        return json.loads(content)
    except (ValueError, RecursionError):
        raise FhirServerError(f"the {what} is not JSON") from None


async def _get_json(client: httpx.AsyncClient, url: str | httpx.URL, what: str) -> Any:
    """The JSON answer of a GET that must answer 200, its body read with the cap (the body of any
    other status is not read at all).

    :raises FhirServerError: naming ``what`` failed."""
    async with client.stream("GET", url) as r:
        if r.status_code != 200:
            raise FhirServerError(f"{what} answered {r.status_code}")
        body = await _capped(r, what, MAX_RESPONSE_BYTES)
    try:
        return json.loads(body)
    except (ValueError, RecursionError):  # not JSON, not text, or nested deeper than the parser goes
        raise FhirServerError("the FHIR server did not answer JSON") from None


async def from_server(
    server: str,
    patient: str,
    token: str | None,
    timeout: float,
    transport: httpx.AsyncBaseTransport | None = None,
) -> ServerData:
    """The Patient and its Observations from the EHR's FHIR server, following at most
    :data:`MAX_PAGES` pages of the search (``truncated`` when more remain).

    :raises FhirServerError: naming what failed (the hook then answers with what it can)."""
    headers = {"Accept": "application/fhir+json", "Accept-Encoding": "gzip"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        base = httpx.URL(server)
        async with httpx.AsyncClient(timeout=timeout, transport=transport, headers=headers) as client:
            found = await _get_json(client, f"{server}/Patient/{patient}", "Patient read")
            if not is_patient(found, patient):
                raise FhirServerError(f"the Patient read did not answer Patient {patient}")
            out: list[dict[str, Any]] = [found]
            url: httpx.URL | None = httpx.URL(f"{server}/{observation_query(patient)}")
            for _ in range(MAX_PAGES):
                if url is None:
                    break
                answer = await _get_json(client, url, "Observation search")
                try:
                    resources, next_url = bundle_page(answer)
                except BundleShapeError as exc:
                    raise FhirServerError(f"the Observation search answered {exc}") from None
                out += resources
                url = None if next_url is None else under_base(next_url, base)
                if next_url is not None and url is None:
                    raise FhirServerError("the Observation search's next link is not under the FHIR server")
            return ServerData(out, truncated=url is not None)
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        raise FhirServerError(f"{type(exc).__name__} reading the FHIR server") from None
    except ValueError as exc:  # none known (the request fields are checked first): a card, not a 500
        raise FhirServerError(f"{type(exc).__name__} reading the FHIR server") from None
