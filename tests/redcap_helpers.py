"""A synthetic REDCap project: its data dictionary in REDCap's own 18-column layout and a raw CSV
export of it (no copied sample files). Shared by the dictionary, import and cohort tests."""

from __future__ import annotations

import csv
from pathlib import Path

from myoscope.redcap import COLUMNS

#: (field, form, type, label, choices, note, validation, min, max)
FIELDS = [
    ("record_id", "baseline", "text", "Record ID", "", "", "", "", ""),
    ("intro", "baseline", "descriptive", "Baseline visit", "", "", "", "", ""),
    ("date", "baseline", "text", "Visit date", "", "", "date_ymd", "", ""),
    ("sex", "baseline", "radio", "Sex", "1, Male | 2, Female", "", "", "", ""),
    ("age", "baseline", "text", "Age", "", "years", "integer", "18", "110"),
    ("height_cm", "baseline", "text", "Height", "", "", "number", "100", "220"),
    ("weight", "baseline", "text", "Body weight (kg)", "", "", "number_1dp", "30", "200"),
    ("grip_strength", "baseline", "text", "Grip strength, best of three", "", "in kg (Jamar)", "number", "", ""),
    ("gait_speed", "baseline", "text", "Usual gait speed", "", "m/s over 4 m", "number", "0", "3"),
    ("comorbid", "baseline", "checkbox", "Comorbidities", "1, Cancer | 2, Heart failure", "", "", "", ""),
    ("clinic_notes", "baseline", "notes", "Notes", "", "", "", "", ""),
]


def write_dictionary(path: Path, fields: list[tuple[str, ...]] | None = None) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(COLUMNS)
        for name, form, kind, label, choices, note, validation, vmin, vmax in fields or FIELDS:
            w.writerow([name, form, "", kind, label, choices, note, validation, vmin, vmax,
                        "", "", "", "", "", "", "", ""])
    return path


EXPORT_HEADER = ["record_id", "redcap_event_name", "date", "sex", "age", "height_cm", "weight",
                 "grip_strength", "gait_speed", "comorbid___1", "comorbid___2", "clinic_notes",
                 "baseline_complete"]
EXPORT_ROWS = [
    ["101", "baseline_arm_1", "2026-03-02", "2", "78", "158", "52.5", "14", "0.7", "1", "0", "", "2"],
    ["102", "baseline_arm_1", "2026-03-03", "1", "70", "176", "80", "38", "1.2", "0", "0", "", "2"],
    ["103", "baseline_arm_1", "2026-03-04", "2", "81", "160", "", "", "0.6", "0", "1", "", "1"],
]


def write_export(path: Path, rows: list[list[str]] | None = None) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(EXPORT_HEADER)
        w.writerows(rows or EXPORT_ROWS)
    return path
