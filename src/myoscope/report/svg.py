"""Charts as SVG rendered on the server (altair spec → vl-convert), so pages need no JavaScript.

The SVG carries a ``<title>`` and ``<desc>`` for screen readers; each page also shows the
chart's numbers as a table.
"""

from __future__ import annotations

import re
from typing import Any
from xml.sax.saxutils import escape

from .text import valid_text


def svg_of(chart: Any, title: str, desc: str) -> str:
    """The chart as a standalone SVG document with an accessible title and description (its text
    made valid Unicode first: see :func:`valid_text`)."""
    import vl_convert as vlc

    svg: str = vlc.vegalite_to_svg(valid_text(chart.to_dict()))
    label = f'<title id="t">{escape(valid_text(title))}</title><desc id="d">{escape(valid_text(desc))}</desc>'
    return re.sub(
        r"(<svg\b[^>]*>)",
        lambda m: m.group(1)[:-1] + ' role="img" aria-labelledby="t d">' + label,
        svg,
        count=1,
    )
