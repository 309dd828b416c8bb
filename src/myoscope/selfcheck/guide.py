"""The guide's pages (/learn), built from the knowledge base: every statement with its citation.

What a cause is, how it shows and how it is found come from causes.yaml (the work-up's patient
wording); what treatment does and how fast muscle changes from guide.yaml; the figures are the
simulator's calibrated parameters (trajectory.yaml), read here and never typed twice; the
verdicts on commonly quoted numbers are trajectory.yaml's claims.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

from ..knowledge import load_knowledge
from ..simulate.parameters import load_trajectory
from ..workup.loader import workup_knowledge
from ..workup.schema import Cite as CauseCite
from .knowledge import Cite, Figure, public_knowledge


@dataclass(frozen=True)
class Citation:
    """``short`` is what a page prints (author, year); ``text`` adds where in the source."""

    text: str
    href: str | None
    short: str = ""


@dataclass(frozen=True)
class Statement:
    text: str
    cites: tuple[Citation, ...]


@dataclass
class GuidePage:
    id: str
    label: str
    summary: Statement
    shows: list[Statement] = field(default_factory=list)
    diagnosed: list[Statement] = field(default_factory=list)
    treatment: Statement | None = None
    speed: Statement | None = None
    figures: list[Statement] = field(default_factory=list)
    claims: list[dict[str, Any]] = field(default_factory=list)


def cite(ref: str, locator: str | None = None) -> Citation:
    r = load_knowledge().references[ref]
    href = (f"https://doi.org/{r.doi}" if r.doi else
            f"https://pubmed.ncbi.nlm.nih.gov/{r.pmid}/" if r.pmid else r.url)
    label = f"{r.author_label()} {r.year}"
    return Citation(f"{label}, {locator}" if locator else label, href, label)


def _c(c: Cite | CauseCite) -> Citation:
    return cite(c.ref, c.locator)


def figure_text(f: Figure) -> Statement:
    """A figure's plain text with the parameter's value for the age given (trajectory.yaml)."""
    spec = load_trajectory().parameters[f.parameter]
    value = next(v for v in spec.values if f.age is None or v.when.age is None or v.when.age.contains(f.age))

    def num(x: float) -> str:
        return f"{x:g}"

    text = f.text.format(central=num(value.central), low=num(value.range[0]), high=num(value.range[1]))
    return Statement(text, tuple(cite(s.ref, s.locator) for s in value.sources))


@cache
def guide_index() -> dict[str, Any]:
    g = public_knowledge().guide
    wk = workup_knowledge().spec
    return {
        "title": g.intro.title,
        "paragraphs": [Statement(p.text, (_c(p.source),)) for p in g.intro.paragraphs],
        "causes": [{"id": cid, "label": c.patient_label, "summary": c.patient_summary, "cite": _c(c.source)}
                   for cid, c in wk.causes.items()],
    }


def guide_page(cause_id: str) -> GuidePage | None:
    wk = workup_knowledge().spec
    if cause_id not in wk.causes:
        return None
    c = wk.causes[cause_id]
    g = public_knowledge().guide.causes[cause_id]
    traj = {cl.id: cl for cl in load_trajectory().spec.claims}
    words = public_knowledge().guide
    page = GuidePage(cause_id, c.patient_label, Statement(c.patient_summary, (_c(c.source),)))
    for link in sorted(c.supports, key=lambda x: -x.weight):
        page.shows.append(Statement(wk.findings[link.finding].patient, (cite(link.ref, link.at),)))
    for t in c.tests:
        page.diagnosed.append(Statement(wk.tests[t.test].patient, (cite(t.ref, t.at),)))
    page.treatment = Statement(g.treatment.text, (_c(g.treatment.source),))
    page.speed = Statement(g.speed.text, (_c(g.speed.source),))
    page.figures = [figure_text(f) for f in g.figures]
    for cid in g.claims:
        cl = traj[cid]
        page.claims.append({
            "claim": cl.claim,
            "verdict": words.verdict_words[cl.verdict],
            "text": words.claims[cid],
            "cites": tuple(cite(s.ref, s.locator) for s in cl.sources),
        })
    return page
