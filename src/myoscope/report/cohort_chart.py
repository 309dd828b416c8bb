"""Cohort charts: prevalence bars with 95% CIs and the agreement (kappa) heatmap.

One Vega-Lite spec (altair) per chart serves both outputs: a self-contained HTML page (vega inlined,
no network) and a PNG rendered by vl-convert without a browser (dependencies.md §6).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl

from ..cohort.stats import Summary

#: outcomes that are not a verdict; drawn in grey, never dropped
UNDECIDED = ("indeterminate", "not_applicable")


def prevalence_chart(summary: Summary, group: str = "overall") -> Any:
    """Horizontal bars: the share of every outcome per definition, with 95% CIs, in the
    definition's own order. ``indeterminate`` (not decided) and ``not_applicable`` (outside the
    definition's population) have their own grey bars: a prevalence chart that hides the undecided
    misleads."""
    import altair as alt

    rows = summary.prevalence.filter(pl.col("group") == group).with_row_index("order")
    data = rows.select(
        "definition",
        pl.col("outcome").str.replace_all("_", " ").alias("outcome"),
        "order",
        "count",
        "n",
        pl.when(pl.col("outcome").is_in(list(UNDECIDED))).then(pl.col("outcome").str.replace_all("_", " "))
        .otherwise(pl.lit("verdict")).alias("kind"),
        (pl.col("prevalence") * 100).alias("percent"),
        (pl.col("ci_low") * 100).alias("low"),
        (pl.col("ci_high") * 100).alias("high"),
    ).to_dicts()
    source = alt.Data(values=data)  # type: ignore[no-untyped-call]
    base = alt.Chart(source).encode(
        y=alt.Y("outcome:N", title=None, sort=alt.EncodingSortField("order", op="min", order="ascending")),
        tooltip=[
            "definition:N",
            "outcome:N",
            "count:Q",
            "n:Q",
            alt.Tooltip("percent:Q", format=".1f"),
            alt.Tooltip("low:Q", format=".1f"),
            alt.Tooltip("high:Q", format=".1f"),
        ],
    )
    bars = base.mark_bar().encode(
        x=alt.X("percent:Q", title="Share of records (%) with 95% CI"),
        color=alt.Color(
            "kind:N",
            scale=alt.Scale(domain=["verdict", "indeterminate", "not applicable"],
                            range=["#4c78a8", "#bdbdbd", "#7f7f7f"]),
            legend=alt.Legend(title=None, orient="bottom"),
        ),
    )
    labels = base.mark_text(align="left", dx=3, fontSize=9).encode(
        x="high:Q", text=alt.Text("percent:Q", format=".1f"))
    rules = base.mark_rule().encode(x="low:Q", x2="high:Q")
    return (
        (bars + rules + labels)
        .properties(width=320, height=alt.Step(14))
        .facet(
            row=alt.Row("definition:N", title=None, header=alt.Header(labelAngle=0, labelAlign="left")),
        )
        .resolve_scale(y="independent")
        .properties(title=alt.TitleParams(
            f"Prevalence ({summary.design})",
            subtitle="grey: not decided (indeterminate) or outside the definition's population "
                     "(not applicable)",
            anchor="start"))
    )


def agreement_chart(summary: Summary) -> Any:
    """Heatmap of Cohen's kappa between definitions (case vs not a case)."""
    import altair as alt

    rows = summary.agreement.to_dicts()
    both = rows + [{**r, "definition_a": r["definition_b"], "definition_b": r["definition_a"]} for r in rows]
    source = alt.Data(values=both)  # type: ignore[no-untyped-call]
    base = alt.Chart(source).encode(
        x=alt.X("definition_a:N", title=None), y=alt.Y("definition_b:N", title=None)
    )
    heat = base.mark_rect().encode(
        color=alt.Color("kappa:Q", scale=alt.Scale(domain=[-1, 1], scheme="redblue"), title="kappa"),
        tooltip=["definition_a:N", "definition_b:N", alt.Tooltip("kappa:Q", format=".2f"), "n:Q"],
    )
    text = base.mark_text(fontSize=9).encode(text=alt.Text("kappa:Q", format=".2f"))
    return (heat + text).properties(
        width=360, height=360, title="Agreement between definitions (Cohen's kappa)"
    )


def write_charts(summary: Summary, directory: str | Path) -> list[Path]:
    """Write ``prevalence.{png,html}`` and ``agreement.{png,html}``; return the paths written."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    charts = [("prevalence", prevalence_chart(summary))]
    if summary.agreement.height:
        charts.append(("agreement", agreement_chart(summary)))
    for name, chart in charts:
        png, html = out / f"{name}.png", out / f"{name}.html"
        chart.save(str(png), format="png", scale_factor=1.5)
        chart.save(str(html), format="html", inline=True)
        written += [png, html]
    return written


__all__ = ["agreement_chart", "prevalence_chart", "write_charts"]
