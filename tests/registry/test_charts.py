"""The patient timeline chart: data rows, and files rendered by vl-convert (PNG, SVG, HTML, JSON)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from myoscope.errors import RegistryError
from myoscope.registry.changes import PatientSeries, VisitValues, patient_changes
from myoscope.report.registry_chart import save_timeline, timeline_rows

SERIES = PatientSeries(1, "P-9", "female", date(1944, 1, 1), [
    VisitValues(1, date(2025, 1, 10), {"weight": 60.0, "grip_strength": 22.0}),
    VisitValues(2, date(2025, 5, 10), {"weight": 55.8, "grip_strength": 16.0, "gait_speed": 0.8}),
])


def test_rows_hold_every_value_and_alert_with_units() -> None:
    values, alerts = timeline_rows(patient_changes(SERIES))
    assert [(r["date"], r["measure"], r["value"]) for r in values] == [
        ("2025-01-10", "Weight (kg)", 60.0), ("2025-01-10", "Grip strength (kg)", 22.0),
        ("2025-05-10", "Weight (kg)", 55.8), ("2025-05-10", "Grip strength (kg)", 16.0),
        ("2025-05-10", "Usual gait speed (m/s)", 0.8)]
    assert {(a["date"], a["measure"]) for a in alerts} == {("2025-05-10", "Weight (kg)"),
                                                          ("2025-05-10", "Grip strength (kg)")}


@pytest.mark.parametrize(("suffix", "magic"),
                         [(".png", b"\x89PNG"), (".svg", b"<svg"), (".html", b"<!DOCTYPE html>")])
def test_files_are_rendered(tmp_path: Path, suffix: str, magic: bytes) -> None:
    out = save_timeline(patient_changes(SERIES), tmp_path / f"t{suffix}")
    assert out.read_bytes().lstrip()[: len(magic)].lower() == magic.lower()


def test_json_is_a_vega_lite_spec_with_the_alerts_in_its_title(tmp_path: Path) -> None:
    spec = json.loads(save_timeline(patient_changes(SERIES), tmp_path / "t.json").read_text())
    assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/")
    # decline, rate, weight loss; no cachexia episode without a Fearon verdict within its population
    assert spec["title"]["text"] == "P-9: 2 visits, 3 alert(s)"
    assert "2025-05-10: Grip strength fell 6 kg in 4 months (MCID 5 kg)" in spec["title"]["subtitle"]
    assert len(spec["vconcat"]) == 3


def test_unknown_format_and_empty_series_are_errors(tmp_path: Path) -> None:
    with pytest.raises(RegistryError, match=r"unknown chart format '\.bmp'"):
        save_timeline(patient_changes(SERIES), tmp_path / "t.bmp")
    empty = PatientSeries(2, "P-0", "male", None, [])
    with pytest.raises(RegistryError, match="no followed measurements"):
        save_timeline(patient_changes(empty), tmp_path / "t.svg")
