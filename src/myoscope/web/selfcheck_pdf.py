"""The self-check's summary as a PDF a person can take to the appointment.

The PDF is the print-friendly summary page itself (``public/check_summary.html``, the same words,
the same print CSS) rendered by WeasyPrint, the report package's PDF engine
(as :func:`myoscope.report.document.html_to_pdf`). Its one stylesheet is read
from the app's own static folder; any other address is refused, so rendering never reaches the
network and nothing about the person leaves the server.
"""

from __future__ import annotations

from importlib.util import find_spec
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

STATIC = Path(__file__).parent / "static"
BASE_URL = "https://self-check.invalid/"  # relative links resolve here, then to STATIC


def patient_pdf_available() -> bool:
    """Whether PDF rendering is installed (the ``report`` extra); otherwise only the print page."""
    return find_spec("weasyprint") is not None


def static_target(url: str) -> Path:
    """The app's own static file ``url`` names; :raises ValueError: for any other address."""
    parts, base = urlsplit(url), urlsplit(BASE_URL)
    if (parts.scheme, parts.netloc) == (base.scheme, base.netloc) and parts.path.startswith("/static/"):
        target = (STATIC / parts.path.removeprefix("/static/")).resolve()
        if target.is_file() and STATIC.resolve() in target.parents:
            return target
    raise ValueError(f"the self-check PDF reads only the app's own stylesheet, not {url}")


def _fetcher() -> Any:
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnly(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> Any:
            target = static_target(url)
            kind = "text/css" if target.suffix == ".css" else "application/octet-stream"
            return URLFetcherResponse(url, target.read_bytes(), {"Content-Type": kind})

    return StaticOnly()


def summary_pdf(html: str) -> bytes:
    """The summary page's HTML as PDF bytes."""
    from weasyprint import HTML

    pdf: bytes = HTML(string=html, base_url=BASE_URL, url_fetcher=_fetcher()).write_pdf()
    return pdf
