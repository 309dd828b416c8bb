"""The one-screen summary of a record (the default text of ``assess``, ``workup`` and ``plan``).

Who and when; red flags first, with their urgency (safety outranks convenience); a table of the
verdicts that apply to this person (definition, outcome, decided or what would decide it); the
definitions that do not apply or that nothing measured bears on, one line each; the top causes;
the plan's headlines. ``--detail`` prints the full trace instead (:mod:`myoscope.report.assessment`).

Lines are wrapped to the terminal width by rich; numbers carry their unit at the catalog's precision.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from ..alarms import of_result
from ..measures import fmt_value, load_catalog
from ..rules.evaluate import INDETERMINATE, NOT_APPLICABLE, DefinitionResult
from .trace import fmt_measure
from .workup import certainty

if TYPE_CHECKING:
    from rich.console import Console

    from ..assess import Assessment
    from ..pathway import PathwayResult
    from ..plan.result import Plan
    from ..workup.result import Workup

#: how many causes the summary names (all are in the work-up); a display choice, not clinical
TOP_CAUSES = 3
URGENCY_ORDER = ("emergency", "urgent", "soon", "routine")
#: the sex in words: (adult, under the plan's adult threshold, age unknown)
_SEX = {"female": ("woman", "girl", "female"), "male": ("man", "boy", "male")}


def words(s: str) -> str:
    """An outcome or id as words: ``severe_sarcopenia`` -> ``severe sarcopenia``."""
    return s.replace("_", " ")


@dataclass(frozen=True)
class VerdictRow:
    """One line of the verdict table."""

    id: str
    title: str
    outcome: str
    decided: bool
    decide: str  # "decided" or what would decide it

    def to_dict(self) -> dict[str, Any]:
        return {
            "definition": self.id,
            "title": self.title,
            "outcome": self.outcome,
            "decided": self.decided,
            "what_would_decide": self.decide,
        }


@dataclass(frozen=True)
class Sorted:
    """An assessment's definitions in the three groups the summary shows."""

    applies: list[VerdictRow]
    outside: list[tuple[str, str]]  # (title, why) — population not established or not applicable
    unmeasured: list[tuple[str, str]]  # (title, what to measure) — undecided with nothing measured


def _measured_any(r: DefinitionResult) -> bool:
    return any(e.get("value") is not None for e in r.trace if e.get("type") in ("compare", "score"))


def _labels(measures: Sequence[str], limit: int = 2) -> str:
    cat = load_catalog()
    names = list(dict.fromkeys(cat.label_of(m.split(".")[0]) for m in measures))
    more = f" (+{len(names) - limit} more)" if len(names) > limit else ""
    return ", ".join(names[:limit]) + more


def sort_definitions(a: Assessment) -> Sorted:
    applies, outside, unmeasured = [], [], []
    for r in a.results.values():
        short = short_title(r.title)
        if r.outcome == NOT_APPLICABLE:
            outside.append(
                (short, "not applicable: " + (r.caveats[0] if r.caveats else "outside its population"))
            )
        elif r.in_population is not True:
            why = "population not established" + (
                f" ({words(r.outcome)} shown for reference)" if r.outcome != INDETERMINATE else ""
            )
            outside.append((short, why))
        elif not r.decided and not _measured_any(r):
            unmeasured.append(
                (
                    short,
                    "measure " + _labels(r.decisive_measures) if r.decisive_measures else "nothing measured",
                )
            )
        else:
            decide = (
                "decided"
                if r.decided
                else ("measure " + _labels(r.decisive_measures) if r.decisive_measures else "not decided")
            )
            applies.append(VerdictRow(r.id, short, r.outcome, r.decided, decide))
    return Sorted(applies, outside, unmeasured)


def short_title(title: str) -> str:
    """``EWGSOP2 — revised European consensus …`` -> ``EWGSOP2``."""
    return re.split(r" — | \(", title)[0].strip()


def is_child(a: Assessment | PathwayResult) -> bool | None:
    """Whether the person is under the plan's adult threshold (its ``child`` flag); None when the
    age is not recorded. The plan's own ``child`` constraint when there is a plan, else the same
    threshold read from the plan knowledge (``thresholds.adult`` in ``interventions.yaml``)."""
    plan: Plan | None = getattr(a, "plan", None)
    if plan is not None:
        for c in plan.constraints:
            if c.id == "child":
                return c.value
    from ..plan.constraints import compare
    from ..plan.loader import load_plan_knowledge

    age = a.record.values.get("age")
    if not isinstance(age, int | float) or isinstance(age, bool):
        return None
    adult = compare(float(age), load_plan_knowledge().spec.thresholds["adult"])
    return None if adult is None else not adult


def sex_word(a: Assessment | PathwayResult) -> str:
    """'woman'/'man' for an adult, 'girl'/'boy' under the adult threshold, 'female'/'male' when the
    age is not recorded (an unknown age does not make an adult)."""
    words_ = _SEX.get(str(a.record.values.get("sex")))
    if words_ is None:
        return "sex not recorded"
    child = is_child(a)
    return words_[2] if child is None else words_[1] if child else words_[0]


def who(a: Assessment | PathwayResult) -> str:
    """'example-maria: woman, 78 years, community; assessed 2026-03-02'."""
    v = a.record.values
    parts = [sex_word(a)]
    parts.append(fmt_measure("age", v["age"]) if v.get("age") is not None else "age not recorded")
    if v.get("setting"):
        parts.append(words(str(v["setting"])).replace("icu", "ICU"))
    head = a.record.id or a.record.source or "record"
    when = v.get("date")
    when_s = f"; assessed {when.isoformat() if isinstance(when, date) else when}" if when else ""
    return f"{head}: {', '.join(parts)}{when_s}"


def entered_line(a: Assessment) -> str:
    """'Entered in other units: grip strength 36.3 kg (entered 80 lb)' (empty when none was)."""
    cat = load_catalog()
    parts = []
    for k in a.record.values:
        got = a.record.entered(k, cat)
        if got is not None:
            shown = fmt_measure(k, a.record.values[k], cat)
            parts.append(f"{cat.label_of(k).lower()} {shown} (entered {fmt_value(got[0])} {got[1]})")
    return "Entered in other units: " + "; ".join(parts) if parts else ""


def sorted_red_flags(w: Workup | None) -> list[Any]:
    if w is None:
        return []
    rank = {u: i for i, u in enumerate(URGENCY_ORDER)}
    return sorted(w.red_flags, key=lambda f: rank.get(f.urgency, len(rank)))


def alarms_of(result: Any) -> list[dict[str, Any]]:
    """A result's red flags and its plan's same-day referrals, most urgent first (:mod:`myoscope.alarms`)."""
    return of_result(getattr(result, "workup", None), getattr(result, "plan", None))


def alarm_line(entry: dict[str, Any]) -> str:
    """One red flag or referral as the first lines of a text summary show it."""
    text = entry["text"].rstrip(".")
    if entry["kind"] == "referral":
        where = f" Refer to: {entry['refer_to']}." if entry.get("refer_to") else ""
        return f"REFERRAL [{entry['urgency'].upper()}]: {text}.{where}"
    return f"RED FLAG [{entry['urgency'].upper()}]: {text}. Action: {entry['action']}"


def first_sentence(text: str) -> str:
    m = re.match(r"(.+?[.;:])(\s|$)", text)
    return (m.group(1) if m else text).rstrip(".;:")


def plan_headlines(plan: Plan) -> list[str]:
    """One line per plan section: its first item, and how many more there are."""
    from ..plan.result import SECTION_TITLES
    from ..plan.schema import SECTIONS

    out = []
    for s in SECTIONS:
        items = plan.sections.get(s, [])
        if not items or s == "not_recommended":
            continue
        if s == "nutrition":
            heads = [re.split(r" \(|\. ", i.text)[0] for i in items if i.target is not None] or [
                first_sentence(items[0].text)
            ]
            more = len(items) - len(heads)
            text = "; ".join(heads)
        else:
            lead = items[0]
            text = (f"refer to {lead.refer_to}: " if lead.refer_to else "") + first_sentence(lead.text)
            if lead.urgency and lead.urgency != "routine":
                text = f"[{lead.urgency}] {text}"
            more = len(items) - 1
        out.append(f"{SECTION_TITLES[s]}: {text}" + (f" (+{more} more)" if more else ""))
    return out


def _strip(text: str) -> str:
    """Rich pads lines to the width; trailing spaces are noise in a terminal and in files."""
    return "\n".join(line.rstrip() for line in text.rstrip("\n").splitlines())


def _indented(text: str) -> Any:
    """Text indented by two spaces, wrapped lines too (a hanging indent)."""
    from rich.padding import Padding
    from rich.text import Text

    return Padding(Text(text), (0, 0, 0, 2))


def _console(width: int | None) -> tuple[Console, io.StringIO]:
    from rich.console import Console

    buf = io.StringIO()
    kwargs: dict[str, Any] = {
        "file": buf,
        "no_color": True,
        "highlight": False,
        "soft_wrap": False,
        "emoji": False,
        "markup": False,
    }
    if width is not None:
        kwargs["width"] = width
    else:
        kwargs["width"] = Console().width  # the terminal's (COLUMNS, or 80 when not a terminal)
    return Console(**kwargs), buf


def summary_text(
    result: PathwayResult | Assessment, width: int | None = None, command: str = "myoscope assess"
) -> str:
    """The one-screen summary, wrapped to ``width`` (default: the terminal's)."""
    from rich.table import Table
    from rich.text import Text

    console, buf = _console(width)
    workup: Workup | None = getattr(result, "workup", None)
    plan: Plan | None = getattr(result, "plan", None)
    console.print(Text("myoscope — " + who(result), style="bold"))
    console.print(
        Text(
            f"myoscope {result.myoscope_version}, knowledge {result.knowledge_version}"
            + (f"; from {result.record.source}" if result.record.source else "")
        )
    )
    for entry in alarms_of(result):
        console.print(Text(alarm_line(entry), style="bold"))
    for w in result.record.warnings:
        console.print(Text(f"Warning: {w}"))
    converted = entered_line(result)
    if converted:
        console.print(Text(converted))
    groups = sort_definitions(result)
    table = Table(title=None, show_lines=False, expand=False, box=None, pad_edge=False, header_style="bold")
    table.add_column("Definition", no_wrap=True)
    table.add_column("Outcome")
    table.add_column("Decided, or what would decide it")
    for row in groups.applies:
        table.add_row(row.title, words(row.outcome), row.decide)
    console.print()
    console.print(Text("Verdicts that apply", style="bold"))
    if groups.applies:
        console.print(table)
    else:
        console.print(
            _indented("none: no definition whose population the record establishes has a measurement")
        )
    for title, why in groups.outside:
        console.print(_indented(f"{title}: {why}"))
    for title, what in groups.unmeasured:
        console.print(_indented(f"{title}: nothing measured yet; {what}"))
    if workup is not None and workup.candidates:
        console.print()
        console.print(Text("Likely causes", style="bold"))
        for i, c in enumerate(workup.candidates[:TOP_CAUSES], 1):
            console.print(_indented(f"{i}. {c.label} ({certainty(c)}, score {c.score})"))
        if len(workup.candidates) > TOP_CAUSES:
            console.print(_indented(f"… {len(workup.candidates) - TOP_CAUSES} more in the work-up"))
    if plan is not None:
        console.print()
        console.print(Text(f"Plan: {words(plan.status)}", style="bold"))
        if plan.status != "indicated":  # no items to show: the reason is what to do next
            console.print(_indented(plan.reason))
        for line in plan_headlines(plan):
            console.print(_indented(f"{line}"))
    console.print()
    src = result.record.source or "FILE"
    console.print(Text(f"Full trace of every definition, the work-up and the plan: {command} {src} --detail"))
    return _strip(buf.getvalue())


def batch_table(rows: Sequence[PathwayResult | Assessment], width: int | None = None) -> str:
    """The closing table of a batch: one row per definition that applies to any record, one column
    per record (few records, many definitions: this way the table fits a terminal)."""
    from rich.table import Table

    console, buf = _console(width)
    keys: list[str] = []
    titles: dict[str, str] = {}
    applies = []
    for r in rows:
        got = {row.id: row for row in sort_definitions(r).applies}
        applies.append(got)
        for k, row in got.items():
            if k not in keys:
                keys.append(k)
                titles[k] = row.title
    table = Table(
        title=f"{len(rows)} records: the verdicts that apply",
        box=None,
        header_style="bold",
        title_justify="left",
        pad_edge=False,
    )
    table.add_column("", no_wrap=True)
    for r in rows:
        table.add_column(r.record.id or r.record.source or "record")
    flags = [alarms_of(r) for r in rows]
    table.add_row("Red flag or referral", *[f[0]["urgency"].upper() if f else "none" for f in flags])
    for k in keys:
        cells = []
        for got in applies:
            cell = got.get(k)
            cells.append("—" if cell is None else words(cell.outcome) + ("" if cell.decided else " (?)"))
        table.add_row(titles[k], *cells)
    console.print(table)
    console.print("— not applicable, population not established or nothing measured; (?) not decided")
    return _strip(buf.getvalue())
