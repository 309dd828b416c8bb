"""Charts embedded in the reports, as SVG (altair spec → vl-convert; the ``charts`` extra)."""

from __future__ import annotations

from ..record import Record

#: panel height of charts in a printed report (a page holds the timeline of seven measures)
REPORT_PANEL_HEIGHT = 60
#: the projection a report shows: ageing only, over the scenario's horizon (a display choice)
REPORT_DRAWS = 200
REPORT_YEARS = 2.0


def projection_figure(record: Record) -> tuple[str, str | None]:
    """(caption, SVG) of the record's ageing-only projection; (caption, None) when it cannot be made."""
    from ..errors import MyoscopeError
    from ..simulate import simulate
    from .svg import svg_of

    who = record.id or record.source or "record"
    try:
        p = simulate(record, None, years=REPORT_YEARS, draws=REPORT_DRAWS, seed=0)
        measured = [q for q in p.series if p.series[q].start is not None] or None
        chart = p.chart(quantities=measured, max_points=150, width=460, height=110, patient=who)
    except (MyoscopeError, ValueError) as exc:
        return f"No projection: {exc}", None
    caption = (
        f"Projection of {who} with ageing only over {REPORT_YEARS:g} years: median and 5–95% band of "
        f"{REPORT_DRAWS} draws, with the definitions' cut-offs (dashed red)."
    )
    caption = " ".join([caption, *p.left_out])
    return caption, svg_of(chart, f"Projection for {who}", caption)
