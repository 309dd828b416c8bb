"""Results render as HTML in notebooks (``_repr_html_``), through the report package."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import polars as pl
from lxml import html as lxml_html

import myoscope
from myoscope.cohort.run import run_cohort
from myoscope.cohort.stats import POPULATION_SCHEMA, Summary
from myoscope.simulate import simulate

EXAMPLES = Path(__file__).parents[2] / "examples"


def test_assessment_plan_workup_projection_render_as_html() -> None:
    rec = myoscope.load_records(str(EXAMPLES / "maria_severe.yaml"))[0]
    result = myoscope.assess(rec)
    assert result.plan is not None and result.workup is not None
    page = lxml_html.fromstring(result._repr_html_())
    assert page.xpath("//table//td[text()='severe sarcopenia']")
    assert "RED FLAG [URGENT]" in page.text_content()  # red flags before the table
    assert page.text_content().index("RED FLAG") < page.text_content().index("EWGSOP2")
    plan = lxml_html.fromstring(result.plan._repr_html_())
    assert "Exercise" in plan.text_content()
    workup = lxml_html.fromstring(result.workup._repr_html_())
    assert [td.text for td in workup.xpath("//tbody/tr/td[2]")] == [c.label for c in result.workup.candidates]
    p = simulate(rec, None, years=1, draws=20)
    proj = lxml_html.fromstring(p._repr_html_())
    assert "Grip strength" in proj.text_content()
    from myoscope.assess import assess as assess_definitions  # definitions only renders too

    assert "<table>" in assess_definitions(rec)._repr_html_()


COHORT_CSV = (
    "id,sex,age,asian,grip_strength\n"
    "a,male,70,true,40\n"
    "b,male,12,true,40\n"  # a child: outside every definition's population
    "c,male,,,40\n"  # no age: the population is not established
    "d,female,75,false,14\n"  # AWGS 2019 without Asian ancestry: outside its population
)


def _cohort_summary(tmp_path: Path) -> Summary:
    src = tmp_path / "in.csv"
    src.write_text(COHORT_CSV, "utf-8")
    run = run_cohort(src, tmp_path / "out.parquet", ["awgs2019", "ewgsop2"])
    assert run.summary is not None
    return run.summary


def _population_rows(page: Any) -> list[list[str]]:
    (head,) = page.xpath("//p[b='Population of each definition']")
    (table,) = head.xpath("following-sibling::table[1]")
    assert [th.text for th in table.xpath("thead/tr/th")] == ["Definition", "n", "Not established", "Ruled out"]
    return [[td.text for td in tr.xpath("td")] for tr in table.xpath("tbody/tr")]


def test_cohort_summary_html_shows_the_population_counts(tmp_path: Path) -> None:
    summary = _cohort_summary(tmp_path)
    page = lxml_html.fromstring(summary._repr_html_())
    expected = [[str(v) for v in r] for r in summary.population.select(list(POPULATION_SCHEMA)).rows()]
    assert _population_rows(page) == expected
    by_definition = {r[0]: r[1:] for r in expected}
    # every row is counted; the child is outside both, the row without Asian ancestry outside AWGS
    assert by_definition == {"awgs2019": ["4", "1", "2"], "ewgsop2": ["4", "1", "1"]}
    # after the prevalence, which keeps its table
    assert len(page.xpath("//table")) == 2
    text = page.text_content()
    assert text.index("Prevalence") < text.index("Population of each definition")


def test_cohort_summary_html_escapes_and_leaves_out_an_empty_population(tmp_path: Path) -> None:
    summary = _cohort_summary(tmp_path)
    odd = replace(summary, population=summary.population.with_columns(pl.lit("<i>x</i>").alias("definition")))
    html = odd._repr_html_()
    assert "<i>" not in html and "&lt;i&gt;x&lt;/i&gt;" in html
    empty = replace(summary, population=pl.DataFrame(schema=POPULATION_SCHEMA))
    page = lxml_html.fromstring(empty._repr_html_())
    assert "Population of each definition" not in page.text_content()
    assert len(page.xpath("//table")) == 1
