"""Server-side SVG charts: any text a record carries renders, never an encoding error."""

from __future__ import annotations

import pytest

pytest.importorskip("vl_convert")
alt = pytest.importorskip("altair")

from myoscope.report.svg import svg_of  # noqa: E402


def test_a_lone_surrogate_in_the_chart_title_and_data_renders() -> None:
    """A JSON body may carry "\\ud800" (a record's id, shown in a projection title); vl-convert
    refused the spec outright (UnicodeEncodeError, a 500 from POST /api/v1/report)."""
    chart = (
        alt.Chart(alt.Data(values=[{"who": "pa-\ud800", "v": 1}]), title="Projection for pa-\ud800")
        .mark_bar()
        .encode(x="who:N", y="v:Q")
    )
    svg = svg_of(chart, "Projection for pa-\ud800", "desc \ud800")
    assert svg.startswith("<svg") and svg.encode("utf-8")
    assert '<title id="t">Projection for pa-\ufffd</title><desc id="d">desc \ufffd</desc>' in svg
