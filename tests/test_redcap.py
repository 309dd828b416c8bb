"""The one REDCap data dictionary reader: REDCap's column layout, choices, field names to record
fields with their units from the Field Note, Label or name, every problem named at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from myoscope.errors import InputFileError
from myoscope.measures import load_catalog
from myoscope.redcap import COLUMNS, plan_fields, read_dictionary

from .redcap_helpers import FIELDS, write_dictionary


def test_the_layout_is_redcaps_own() -> None:
    assert COLUMNS[:10] == (
        "Variable / Field Name", "Form Name", "Section Header", "Field Type", "Field Label",
        "Choices, Calculations, OR Slider Labels", "Field Note", "Text Validation Type OR Show Slider Number",
        "Text Validation Min", "Text Validation Max")
    assert len(COLUMNS) == 18 and COLUMNS[-1] == "Field Annotation"


def test_dictionary_fields_choices_and_export_columns(tmp_path: Path) -> None:
    d = read_dictionary(write_dictionary(tmp_path / "dict.csv"))
    assert d.record_id == "record_id"
    assert d.fields["sex"].choices == {"1": "Male", "2": "Female"}
    assert d.fields["comorbid"].export_columns == ["comorbid___1", "comorbid___2"]
    assert d.has_column("comorbid___2") and d.has_column("baseline_complete")
    assert d.has_column("redcap_event_name") and not d.has_column("comorbid")


def test_plan(tmp_path: Path) -> None:
    plan = plan_fields(read_dictionary(write_dictionary(tmp_path / "dict.csv")), load_catalog())
    assert plan.problems == []
    got = {m: (p.column, p.unit, p.unit_from) for m, p in plan.fields.items()}
    assert got == {
        "date": ("date", None, ""),
        "sex": ("sex", None, ""),
        "age": ("age", "years", "Field Note"),
        "height": ("height_cm", "cm", "field name"),
        "weight": ("weight", "kg", "Field Label"),
        "grip_strength": ("grip_strength", "kg", "Field Note"),
        "gait_speed": ("gait_speed", "m/s", "Field Note"),
    }
    assert plan.fields["sex"].codes == {"1": "Male", "2": "Female"}
    assert set(plan.not_mapped) == {"comorbid", "clinic_notes"}
    assert "one column per choice" in plan.not_mapped["comorbid"]


def test_every_unit_problem_is_named(tmp_path: Path) -> None:
    bad = [
        FIELDS[0],
        ("weight", "b", "text", "Weight", "", "", "number", "", ""),                  # no unit
        ("grip_strength", "b", "text", "Grip (lb)", "", "kg", "number", "", ""),      # disagree
        ("height_cm", "b", "text", "Height", "", "", "number", "1.2", "2.2"),        # metres, named cm
        ("gait_speed", "b", "text", "Gait", "", "m/s or km/h", "number", "", ""),     # two units
    ]
    plan = plan_fields(read_dictionary(write_dictionary(tmp_path / "d.csv", bad)), load_catalog())
    text = "\n".join(plan.problems)
    assert "weight: weight has no unit: write it in the Field Note" in text
    assert "grip_strength: the units disagree (kg in the Field Note, lb in the Field Label)" in text
    assert "height_cm: the validation range 1.2 to 2.2 cm lies outside the plausible" in text
    assert "gait_speed: the Field Note names several units (m/s, km/h)" in text
    assert len(plan.problems) == 4 and plan.fields == {}


def test_not_a_dictionary_names_the_missing_columns(tmp_path: Path) -> None:
    p = tmp_path / "x.csv"
    p.write_text("field,type\nsex,radio\n", "utf-8")
    with pytest.raises(InputFileError, match="no column\\(s\\) 'Variable / Field Name', 'Form Name', "
                                             "'Field Type', 'Field Label' \\(found: field, type\\)"):
        read_dictionary(p)
    dup = write_dictionary(tmp_path / "dup.csv", [FIELDS[0], FIELDS[3], FIELDS[3],
                                                  ("x", "b", "radio", "X", "1 Male", "", "", "", "")])
    with pytest.raises(InputFileError) as info:
        read_dictionary(dup)
    assert "line 4: field sex is listed twice" in str(info.value)
    assert "line 5: field x: choice '1 Male' is not 'code, label'" in str(info.value)
