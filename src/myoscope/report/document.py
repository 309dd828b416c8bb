"""Clinician and patient reports as HTML and PDF, from one set of Jinja templates.

The clinician report is what a clinician signs: the header (patient, age, sex, date, assessor,
knowledge version), red flags first with their urgency, the summary table, charts (SVG embedded),
the work-up, the plan with doses, numbered references with DOIs and a signature block. The patient
report says in plain words what was found, what it means, what to do and when to get help now;
its every word about a finding, and every number, comes from the knowledge files (the work-up's
patient texts, the plan items' ``patient_text``, ``knowledge/patient_texts.yaml``) and the plan's
computed targets, never from the template.

PDF needs the ``report`` extra (WeasyPrint). Public entry points: :func:`clinician_html`,
:func:`patient_html`, :func:`clinician_pdf`, :func:`patient_pdf`, :func:`write_report`.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from ..errors import KnowledgeError, ReportError
from ..knowledge import load_knowledge
from ..yamlio import load_yaml
from . import care
from .plan import dose_text
from .summary import alarms_of, plan_headlines, short_title, sort_definitions, who, words
from .text import valid_text

if TYPE_CHECKING:
    from ..pathway import PathwayResult

AUDIENCES = ("clinician", "patient")
#: how many possible reasons and tests the patient report names (display choices, not clinical)
PATIENT_CAUSES = 3
PATIENT_TESTS = 5
PAGE_SIZES = ("A4", "Letter")
_DOI = re.compile(r"doi:(10\.[^\s,;]+?)(?=\)?(?:[,;\s]|$))")
_SHORT_REF = re.compile(r"^(.+?\d{4}[a-z]? \((?:doi:\S+?|PMID \d+|https?://\S+?)\))(?:,|$)")


class Chart(NamedTuple):
    caption: str
    svg: str
    kind: str  # "projection" (where the muscle is heading) or "other"


@dataclass
class Charts:
    """SVG charts to embed (each a standalone ``<svg>`` document), with a caption and a kind.

    The kind lets the document leave a projection out where the plan makes it inappropriate
    (refractory cachexia, :mod:`.care`): a face adding a projection says so."""

    items: list[Chart] = field(default_factory=list)

    def add(self, caption: str, svg: str | None, kind: str = "other") -> None:
        if svg:
            self.items.append(Chart(caption, re.sub(r"^<\?xml[^>]*>\s*", "", svg), kind))


@cache
def patient_texts() -> dict[str, Any]:
    """``knowledge/patient_texts.yaml``, with every cited reference checked to exist."""
    raw = resources.files("myoscope.knowledge").joinpath("patient_texts.yaml").read_text("utf-8")
    data: dict[str, Any] = load_yaml(raw)
    refs = load_knowledge().references
    for group in ("meanings", "nutrition"):
        for key, entry in data[group].items():
            if entry.get("ref") not in refs:
                raise KnowledgeError(
                    f"patient_texts.yaml: {group}.{key} cites unknown reference {entry.get('ref')!r}"
                )
    for key in ("refractory", "move_check"):
        if data[key].get("ref") not in refs:
            raise KnowledgeError(
                f"patient_texts.yaml: {key} cites unknown reference {data[key].get('ref')!r}"
            )
    for food in data["nutrition"]["protein_foods"]["foods"]:  # each names its FoodData Central entry
        if not food.get("text") or not isinstance(food.get("fdc_id"), int) or (
                food.get("serving_g") is None and not food.get("unverified")):
            raise KnowledgeError(f"patient_texts.yaml: protein food {food.get('text')!r} needs its text, "
                                 "fdc_id and serving_g (or what is unverified)")
    return data


def _env() -> Environment:
    env = Environment(
        loader=PackageLoader("myoscope.report", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["words"] = words
    env.filters["dose_text"] = dose_text
    env.filters["range"] = _range
    env.filters["doi_links"] = _doi_links
    env.filters["b64"] = lambda s: base64.b64encode(s.encode("utf-8")).decode("ascii")
    return env


def _range(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, list | tuple):
        lo, hi = v[0], (v[1] if len(v) > 1 else None)
        return f"{lo:g}" if hi is None or hi == lo else f"{lo:g}–{hi:g}"
    return f"{v:g}" if isinstance(v, float) else str(v)


def _doi_links(text: str) -> Markup:
    from markupsafe import escape

    out = str(escape(text))
    return Markup(_DOI.sub(lambda m: f'<a href="https://doi.org/{m.group(1)}">doi:{m.group(1)}</a>', out))


_ENV = _env()


class References:
    """Numbered references in order of first citation: ``cite(text)`` returns the number."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def cite(self, text: str | None) -> int | None:
        if not text:
            return None
        m = _SHORT_REF.match(text)
        key = m.group(1) if m else text
        if key not in self.items:
            self.items.append(key)
        return self.items.index(key) + 1


def _age_sex(result: PathwayResult) -> tuple[str, str]:
    v = result.record.values
    age = f"{v['age']:g}" if isinstance(v.get("age"), int | float) else "not recorded"
    return age, str(v.get("sex") or "not recorded")


def _cited(result: PathwayResult, entry: dict[str, Any]) -> str | None:
    """What the references list numbers for a red flag or referral: a referral as its plan item
    is cited below, so that both carry one number."""
    item = result.plan.item(entry["id"]) if result.plan is not None and entry["kind"] == "referral" else None
    if item is None:
        return entry.get("citation")
    return item.citation.full if item.citation else item.cited_as


def clinician_context(
    result: PathwayResult,
    *,
    assessor: str | None = None,
    charts: Charts | None = None,
    page_size: str = "A4",
    on: date | None = None,
) -> dict[str, Any]:
    refs = References()
    groups = sort_definitions(result)
    # numbered in the order the report shows them: red flags and the plan's same-day referrals first
    flags = [{"e": e, "ref": refs.cite(_cited(result, e))} for e in alarms_of(result)]
    verdicts = []
    for row in groups.applies:
        r = result.results[row.id]
        verdicts.append({"row": row, "ref": refs.cite(r.citation)})
    causes = []
    if result.workup is not None:
        for c in result.workup.candidates[:5]:
            causes.append({"c": c, "refs": [refs.cite(x) for x in c.citations[:3]]})
    # refractory cachexia (the plan's flag): comfort is the aim, not regaining muscle or a full
    # work-up, so no projection of the loss and no work-up tests beyond what the plan still lists
    refractory = care.refractory(result.plan)
    shown = [c for c in (charts or Charts()).items if not (refractory and c.kind == "projection")]
    sections = []
    if result.plan is not None:
        from ..plan.result import SECTION_TITLES
        from ..plan.schema import SECTIONS

        for s in SECTIONS:
            items = result.plan.sections.get(s, [])
            if items:
                sections.append(
                    {
                        "title": SECTION_TITLES[s],
                        "entries": [
                            {"i": i, "ref": refs.cite(i.citation.full if i.citation else i.cited_as)}
                            for i in items
                        ],
                    }
                )
    age, sex = _age_sex(result)
    when = result.record.values.get("date")
    return {
        "title": "Muscle assessment — clinician report",
        "page_size": page_size,
        "patient": result.record.id or result.record.source or "record",
        "age": age,
        "sex": sex,
        "date": when.isoformat() if isinstance(when, date) else (on or date.today()).isoformat(),
        "assessor": assessor or "",
        "knowledge_version": result.knowledge_version,
        "myoscope_version": result.myoscope_version,
        "who": who(result),
        "flags": flags,
        "verdicts": verdicts,
        # each ends with the template's full stop, not its own as well
        "outside": [(t, why.rstrip(".")) for t, why in groups.outside],
        "unmeasured": [(t, what.rstrip(".")) for t, what in groups.unmeasured],
        "causes": causes,
        "plan": result.plan,
        "plan_headlines": plan_headlines(result.plan) if result.plan else [],
        "sections": sections,
        "charts": shown,
        # the basis of the plan's refractory flag, said where the projection and the tests would be
        "refractory": care.flag_basis(result.plan, "refractory_cachexia") if refractory else "",
        "plan_follow_up": bool(result.plan and result.plan.sections.get("follow_up")),
        "references": refs.items,
        "workup": result.workup,
        "short_title": short_title,
    }


def patient_context(
    result: PathwayResult, *, page_size: str = "A4", on: date | None = None
) -> dict[str, Any]:
    """Everything the patient template shows, in plain words from the knowledge files."""
    texts = patient_texts()
    groups, not_findings = texts["definition_groups"], set(texts["not_findings"])
    plan = result.plan
    # the plan's constraints, not a verdict read again here: what the report promises follows the plan
    refractory = care.refractory(plan)
    w = result.workup
    voice = care.patient_help(w, plan, texts["also_tell"], texts["in_hospital"])
    # told to get emergency help: no "exercise and protein can help" beside it
    acute = voice.level == "emergency"
    found: dict[str, dict[str, Any]] = {}
    for r in result.results.values():
        # a finding: within its population, and every outcome still possible is a finding too
        # (EWGSOP2 probable sarcopenia that may turn out severe is a finding; one that may be
        # "no sarcopenia" is not yet)
        if not r.usable or r.outcome in not_findings or any(o in not_findings for o in r.possible_outcomes):
            continue
        g = groups.get(f"{r.id}.{r.outcome}") or groups.get(r.id)
        if g and g not in found:
            m = texts["meanings"][g]
            # in refractory cachexia the loss can no longer be reversed: no "exercise and protein can help"
            helps = "" if refractory or acute or not m.get("helps") else " " + m["helps"]
            # bed-bound: no "harder to walk" or "risk of falls" (care.meaning)
            found[g] = {"found": m["found"], "means": care.meaning(m, plan) + helps}
    if "sarcopenia" in found:  # a verdict of sarcopenia says more than weak muscles alone
        found.pop("weak_muscles", None)
    todo: list[str] = []
    move_check = ""
    eat: list[str] = []
    protein_foods: dict[str, Any] | None = None
    if plan is not None:
        moves = [i for i in plan.sections.get("exercise", []) if i.patient_text]
        todo = [i.patient_text or "" for i in moves]
        # a programme the person does (not only a caution, not staff moving the limbs of a person in
        # bed): its doses assume no contraindication that the record does not hold
        in_bed = care.bed_bound(plan) or care.plan_flag(plan, "icu") is True
        if any(i.kind != "caution" for i in moves) and not in_bed:
            move_check = texts["move_check"]["text"]
        # the plan's own words first (a swallowing check before grams of protein)
        eat = [i.patient_text for i in plan.sections.get("nutrition", []) if i.patient_text]
        # at high refeeding risk the food starts low and builds up (the plan's own words above):
        # the full protein and energy targets would tell the person to eat it all at once
        start = plan.nutrition.get("refeeding_start")
        building_up = start is not None and start.status == "computed"
        p = None if building_up else plan.nutrition.get("protein")
        n = texts["nutrition"]["protein"]
        if p is not None and p.rule in n["care_team_rules"]:  # in intensive care the team feeds
            eat.append(n["care_team"].format(per_day=_range(list(p.per_day)))
                       if p.status == "computed" and p.per_day else n["care_team_plain"])
        elif p is not None and p.status == "computed" and p.per_day:
            eat.append(n["text"].format(per_day=_range(list(p.per_day))))
            if p.rule in n["kidney_rules"]:
                eat.append(n["kidney"])
            if p.per_meal and p.meals:
                eat.append(n["per_meal"].format(per_meal=_range(list(p.per_meal)), meals=p.meals))
            # with a swallowing difficulty recorded, which foods are safe is the swallowing
            # assessment's to say (the plan's item above): no list of nuts and meat beside it
            if plan.item("nut_swallowing_assessment") is None:
                eat.append(n["foods"])
                foods = texts["nutrition"]["protein_foods"]
                protein_foods = {"intro": foods["intro"], "foods": [f["text"] for f in foods["foods"]]}
        e = None if building_up else plan.nutrition.get("energy")
        if e is not None and e.status == "computed" and e.per_day:
            eat.append(texts["nutrition"]["energy"]["text"].format(per_day=_range(list(e.per_day))))
    # no eating reason in refractory cachexia; tests only of the hypotheses the work-up supports
    causes = care.patient_causes(w, plan, PATIENT_CAUSES)
    tests = care.patient_tests(causes, w, plan)
    age, _sex = _age_sex(result)
    when = result.record.values.get("date")
    # "did not find it" only where a check gave a verdict; nothing measured is not a normal result,
    # and a child, outside every adult definition, is told that the checks are not for children
    checked = any(r.usable and r.outcome != "indeterminate" for r in result.results.values())
    for_adults = bool(result.results) and all(r.outcome == "not_applicable" for r in result.results.values())
    return {
        "title": "Your muscle check — what we found and what to do",
        "page_size": page_size,
        "patient": result.record.id or "",
        "age": age,
        "date": when.isoformat() if isinstance(when, date) else (on or date.today()).isoformat(),
        "found": list(found.values()),
        "help_now": voice.now,
        "help_level": voice.level,
        # in hospital the heading says to tell the ward, as the flags' own words do (care.patient_help)
        "in_hospital": care.plan_flag(plan, "hospital") is True,
        "causes": causes,
        "tests": tests[:PATIENT_TESTS],
        "see": voice.later,
        "refractory": texts["refractory"] if refractory else None,
        "no_finding": texts["no_finding"] if checked else
        texts["not_for_age"] if for_adults else texts["not_checked"],
        "causes_intro": texts["causes_intro"],
        "todo": todo,
        "move_check": move_check,
        "protein_foods": protein_foods,
        "eat": eat,
        "disclaimer": w.patient_disclaimer if w is not None else "",
        "knowledge_version": result.knowledge_version,
    }


def _check(page_size: str) -> None:
    if page_size not in PAGE_SIZES:
        raise ReportError(f"unknown page size {page_size!r} (expected {' or '.join(PAGE_SIZES)})")


def clinician_html(
    result: PathwayResult,
    *,
    assessor: str | None = None,
    charts: Charts | None = None,
    page_size: str = "A4",
    on: date | None = None,
) -> str:
    """The clinician report as one self-contained HTML document (charts inline as SVG)."""
    _check(page_size)
    ctx = clinician_context(result, assessor=assessor, charts=charts, page_size=page_size, on=on)
    return _ENV.get_template("clinician.html.j2").render(**ctx)


def patient_html(result: PathwayResult, *, page_size: str = "A4", on: date | None = None) -> str:
    """The patient report as HTML: plain words, no clinical number from the template.

    Reusable by other faces (a public self-check): pass any :class:`~myoscope.pathway.PathwayResult`
    (``myoscope.assess(record)``); sections without content are left out.
    """
    _check(page_size)
    return _ENV.get_template("patient.html.j2").render(**patient_context(result, page_size=page_size, on=on))


def html_to_pdf(html: str) -> bytes:
    """Render HTML to PDF with WeasyPrint (the ``report`` extra); text WeasyPrint cannot encode
    (a lone surrogate from a JSON body) is replaced first, see :func:`.text.valid_text`."""
    try:
        from weasyprint import HTML
    except ImportError as exc:  # pragma: no cover - depends on the installed extras
        raise ReportError("PDF needs the report extra: pip install 'myoscope[report]'") from exc
    pdf: bytes = HTML(string=valid_text(html)).write_pdf()
    return pdf


def clinician_pdf(result: PathwayResult, **kwargs: Any) -> bytes:
    return html_to_pdf(clinician_html(result, **kwargs))


def patient_pdf(result: PathwayResult, **kwargs: Any) -> bytes:
    return html_to_pdf(patient_html(result, **kwargs))


def render_report(result: PathwayResult, audience: str, fmt: str, **kwargs: Any) -> bytes:
    """The report for ``audience`` (clinician or patient) as ``fmt`` (pdf or html) bytes (UTF-8:
    a lone surrogate in the record's text is replaced, see :func:`.text.valid_text`)."""
    if audience not in AUDIENCES:
        raise ReportError(f"unknown audience {audience!r} (expected clinician or patient)")
    if fmt not in ("pdf", "html"):
        raise ReportError(f"unknown report format {fmt!r} (expected .pdf or .html)")
    if audience == "patient":
        kwargs.pop("assessor", None)
        kwargs.pop("charts", None)
        html = patient_html(result, **kwargs)
    else:
        html = clinician_html(result, **kwargs)
    return html_to_pdf(html) if fmt == "pdf" else valid_text(html).encode("utf-8")


def write_report(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` whole or not at all (temporary file, then rename)."""
    from ..outputs import replacing

    out = Path(path)
    with replacing(out) as tmp:
        Path(tmp).write_bytes(data)
    return out
