"""HTML for notebooks (``_repr_html_``): results show as a small table, the way lifelines and
polars objects do. The result classes call these lazily, so they never import this package."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any

from .summary import alarms_of, sort_definitions, sorted_red_flags, who, words

if TYPE_CHECKING:
    from ..assess import Assessment
    from ..cohort.run import CohortResult
    from ..cohort.stats import Summary
    from ..simulate.projection import Projection
    from ..workup.result import Workup


def _table(head: list[str], rows: list[list[Any]]) -> str:
    th = "".join(f"<th>{escape(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"


def assessment_html(a: Assessment) -> str:
    """Red flags and the plan's same-day referrals first, then the verdicts that apply, then one line
    for the rest."""
    parts = [f"<p><b>{escape(who(a))}</b> · knowledge {escape(a.knowledge_version)}</p>"]
    for e in alarms_of(a):
        head = "REFERRAL" if e["kind"] == "referral" else "RED FLAG"
        parts.append(
            f'<p style="color:#b00020"><b>{head} [{escape(e["urgency"].upper())}]</b> {escape(e["text"])}</p>'
        )
    groups = sort_definitions(a)
    parts.append(
        _table(
            ["Definition", "Outcome", "Decided, or what would decide it"],
            [[r.title, words(r.outcome), r.decide] for r in groups.applies],
        )
    )
    rest = [t for t, _ in groups.outside + groups.unmeasured]
    if rest:
        parts.append(
            f"<p>Not shown (population not established or nothing measured): {escape(', '.join(rest))}</p>"
        )
    return "<div>" + "".join(parts) + "</div>"


def workup_html(w: Workup) -> str:
    rows = [[i, c.label, c.confidence, c.score] for i, c in enumerate(w.candidates, 1)]
    flags = "".join(
        f'<p style="color:#b00020"><b>RED FLAG [{escape(f.urgency.upper())}]</b> {escape(f.text)}</p>'
        for f in sorted_red_flags(w)
    )
    return f"<div>{flags}{_table(['#', 'Cause', 'Confidence', 'Score'], rows)}</div>"


def projection_html(p: Projection) -> str:
    rows = [
        [q, s.label, s.unit, f"{s.median[0]:.4g}", f"{s.median[-1]:.4g}", f"{s.p5[-1]:.4g}–{s.p95[-1]:.4g}"]
        for q, s in p.series.items()
    ]
    head = f"<p><b>{escape(p.record_source or 'record')}</b>: {escape(p.scenario.name)}</p>"
    return (
        "<div>"
        + head
        + _table(["Quantity", "Label", "Unit", "Start (median)", "End (median)", "End 5–95%"], rows)
        + "</div>"
    )


def frame_html(rows: list[dict[str, Any]]) -> str:
    """Any list of summary rows (cohort results) as a table."""
    if not rows:
        return "<p>(empty)</p>"
    head = list(rows[0])
    return _table(head, [[r.get(h, "") for h in head] for r in rows])


def cohort_summary_html(s: Summary) -> str:
    """Prevalence (overall) with every outcome, indeterminate and not applicable included, then
    the population counts of each definition when there are any."""
    rows = [
        [
            r["definition"],
            words(r["outcome"]),
            r["count"],
            r["n"],
            f"{100 * r['prevalence']:.1f}%",
            f"{100 * r['ci_low']:.1f}–{100 * r['ci_high']:.1f}",
        ]
        for r in s.summary.iter_rows(named=True)
    ]
    head = f"<p><b>Prevalence</b> ({escape(s.design)})</p>"
    return (
        "<div>"
        + head
        + _table(["Definition", "Outcome", "Count", "n", "Share", "95% CI"], rows)
        + _population_html(s)
        + "</div>"
    )


def _population_html(s: Summary) -> str:
    """Per definition, the rows counted in the prevalence whose population is not established or
    ruled out; nothing when the summary has no population counts."""
    if not s.population.height:
        return ""
    rows = [
        [r["definition"], r["n"], r["not_established"], r["ruled_out"]]
        for r in s.population.iter_rows(named=True)
    ]
    head = "<p><b>Population of each definition</b> (rows counted in the prevalence above)</p>"
    return head + _table(["Definition", "n", "Not established", "Ruled out"], rows)


def cohort_run_html(run: CohortResult) -> str:
    rows = [[r["definition"], words(str(r["outcome"])), r["n"]] for r in run.summary.iter_rows(named=True)]
    return f"<div><p>{escape(run.accounting)}</p>{_table(['Definition', 'Outcome', 'Rows'], rows)}</div>"
