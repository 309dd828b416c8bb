"""One way to make a report: any record the parser accepts gives a document in every format."""

from __future__ import annotations

import pytest

from myoscope.record import parse_record
from myoscope.report.service import record_report

pytest.importorskip("vl_convert")


@pytest.mark.parametrize("audience", ["clinician", "patient"])
@pytest.mark.parametrize("fmt", ["html", "pdf"])
def test_a_lone_surrogate_in_the_record_id_gives_a_report(audience: str, fmt: str) -> None:
    """The body of POST /api/v1/report is parsed as the CLI's records are, and JSON allows
    "\\ud800": the id reaches the projection chart (vl-convert) and the document (WeasyPrint,
    UTF-8), which all refused it (a 500). It is shown as the replacement character instead."""
    if fmt == "pdf":
        pytest.importorskip("weasyprint")
    record = parse_record({"sex": "female", "age": 81, "id": "pa-\ud800"}, source="request body")
    body = record_report(record, audience, fmt, assessor="Dr Test")
    if fmt == "html":
        assert body.startswith(b"<!") and "pa-\ufffd".encode() in body
    else:
        assert body.startswith(b"%PDF")
