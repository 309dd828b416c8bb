"""Results render as HTML in notebooks (``_repr_html_``), through the report package."""

from __future__ import annotations

from pathlib import Path

from lxml import html as lxml_html

import myoscope
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
