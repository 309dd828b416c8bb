"""Reading level of every public page: Flesch-Kincaid grade 8 or lower, figure printed per page.

The text measured is what a person reads on the page: headings, questions, answers, results and
guide statements. Citations (author, year, locator) are references, not prose, and are left out,
as are form controls' values.
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
import textstat
from fastapi.testclient import TestClient

from myoscope.selfcheck.guide import guide_index

from .conftest import csrf_of
from .routes.test_public import POSITIVE

MAX_GRADE = 8.0
SKIP_TAGS = {"script", "style", "title", "option", "header", "footer"}
SKIP_CLASSES = {"cites", "cite", "tell"}


class _Text(HTMLParser):
    """The readable text of <main>, one sentence-like chunk per block element."""

    def __init__(self) -> None:
        super().__init__()
        self.chunks: list[str] = []
        self.stack: list[tuple[str, bool]] = []
        self.in_main = False

    def skipping(self) -> bool:
        return any(skip for _, skip in self.stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "main":
            self.in_main = True
        if tag in ("input", "br", "meta", "link", "img"):
            return
        classes = set((dict(attrs).get("class") or "").split())
        self.stack.append((tag, tag in SKIP_TAGS or bool(classes & SKIP_CLASSES)))

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            t, _ = self.stack.pop()
            if t == tag:
                break
        if tag in ("p", "li", "h1", "h2", "h3", "legend", "label", "td", "th", "summary"):
            self.chunks.append("\n")
        if tag == "main":
            self.in_main = False

    def handle_data(self, data: str) -> None:
        if self.in_main and not self.skipping():
            self.chunks.append(data)


def readable(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    lines = [" ".join(line.split()) for line in "".join(parser.chunks).split("\n")]
    # a heading, label or list item is a sentence of its own
    return " ".join(line if line.endswith((".", "?", "!", ":")) else f"{line}." for line in lines if line)


def public_pages(client: TestClient) -> dict[str, str]:
    start = client.get("/check").text
    token = csrf_of(start)
    story = {"csrf_token": token, "history.symptoms.weakness": "yes", "history.tempo": "days",
             "history.course": "progressive"}
    full = {"csrf_token": token, **POSITIVE, "age": "78", "weight": "61", "weight_before": "66",
            "weight_before_months": "9", "calf_circumference": "30", "chair_stand_time": "17"}
    pages = {
        "/check": start,
        "/check signs": client.post("/check/story", data=story).text,
        "/check get help": client.post("/check/signs", data=story).text,
        "/check get help, fast weight loss": client.post("/check/signs", data={
            "csrf_token": token, "history.weight_change": "intentional_loss", "history.intake": "restricted",
            "history.weight_loss_per_week": "1.5", "unit.history.weight_loss_per_week": "kg"}).text,
        "/check signs, bad rate": client.post("/check/signs", data={
            "csrf_token": token, "history.weight_change": "intentional_loss",
            "history.weight_loss_per_week": "abc"}).text,
        "/check questions": client.post("/check/questions", data={"csrf_token": token}).text,
        "/check bad input": client.post("/check/result", data={"csrf_token": token, "age": "300"}).text,
        "/check result": client.post("/check/result", data=full).text,
        "/check result, skipped": client.post("/check/result", data={"csrf_token": token, "sarc_f.strength": "some"}).text,
        "/check summary": client.post("/check/summary", data=full).text,
        "/learn": client.get("/learn").text,
    }
    for c in guide_index()["causes"]:
        pages[f"/learn/{c['id']}"] = client.get(f"/learn/{c['id']}").text
    return pages


def test_every_public_page_reads_at_grade_8_or_lower(client: TestClient, capsys: pytest.CaptureFixture[str]) -> None:
    grades = {name: textstat.flesch_kincaid_grade(readable(html)) for name, html in public_pages(client).items()}
    with capsys.disabled():
        print(f"\nFlesch-Kincaid grade per public page (max {MAX_GRADE:.0f}):")
        for name, grade in grades.items():
            print(f"  {grade:5.1f}  {name}")
    too_hard = {n: g for n, g in grades.items() if g > MAX_GRADE}
    assert not too_hard, f"pages above grade {MAX_GRADE}: {too_hard}"


def test_the_measure_can_fail() -> None:
    hard = ("<main><p>Sarcopenia, a progressive and generalised skeletal muscle disorder, is associated with "
            "increased likelihood of adverse outcomes including falls, fractures, physical disability and "
            "mortality, necessitating comprehensive multidimensional evaluation.</p></main>")
    assert textstat.flesch_kincaid_grade(readable(hard)) > MAX_GRADE
    assert readable('<main><p>Easy words.<span class="cites">[Smith 2020, Table 3]</span></p></main>') == "Easy words."
