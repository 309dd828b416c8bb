"""Charts: one panel per quantity with band, median, central run, cut-offs and past measurements."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from myoscope.simulate import simulate

REHAB = Path(__file__).parents[2] / "examples" / "scenarios" / "hospital_bed_rest_then_rehab.yaml"


def test_chart_spec_has_the_layers_and_history(older_woman: dict[str, Any]) -> None:
    p = simulate(older_woman, str(REHAB), years=10, draws=100, seed=1)
    spec = p.chart(quantities=["grip_strength"]).to_dict()
    (panel,) = spec["vconcat"]
    marks = [layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"] for layer in panel["layer"]]
    # shaded periods (with labels), band, median, central run, cut-off (with label), past values
    assert marks == ["rect", "text", "area", "line", "line", "rule", "text", "point"]
    history = panel["layer"][-1]["data"]["values"]
    assert [h["value"] for h in history] == [16.5, 15.0]  # the scenario's past grip measurements
    cutoff = panel["layer"][5]["data"]["values"]
    assert cutoff == [{"cutoff": 16.0, "label": "EWGSOP2: under 16 kg (women)"}]
    # over one year, history from one and two years back would squash the projection: left out, counted
    short = simulate(older_woman, str(REHAB), years=1, draws=50, seed=1).chart(quantities=["grip_strength"])
    spec = short.to_dict()
    (panel,) = spec["vconcat"]
    assert "point" not in [layer["mark"] if isinstance(layer["mark"], str) else layer["mark"]["type"]
                           for layer in panel["layer"]]
    assert spec["title"]["subtitle"][-1].startswith("2 past measurement(s) older than")


def test_svg_and_self_contained_html(older_woman: dict[str, Any], tmp_path: Path) -> None:
    p = simulate(older_woman, None, years=1, draws=50, seed=1)
    svg = p.save_chart(tmp_path / "p.svg", quantities=["asm"])
    assert svg.read_text().lstrip().startswith("<svg")
    html = p.save_chart(tmp_path / "p.html", quantities=["asm"]).read_text()
    assert "vega" in html and "cdn.jsdelivr" not in html  # vega inlined: works offline
    with pytest.raises(ValueError, match=r"expected a \.png, \.svg, \.html file"):
        p.save_chart(tmp_path / "p.pdf")
    with pytest.raises(ValueError, match="not projected: gait_speed"):
        p.chart(quantities=["gait_speed"])
