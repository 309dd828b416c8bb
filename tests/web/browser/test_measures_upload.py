"""The new-visit page's upload in Chromium: a Comp2Comp file fills the form with its source, the
visit is saved; a bad file names every bad row. Screenshots of each step."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from .test_clinician_flow import TODAY, shot, sign_in

Page = Any
C2C = ("Level,Index,Muscle HU,Muscle CSA (cm^2),SAT HU,SAT CSA (cm^2),VAT HU,VAT CSA (cm^2),IMAT HU,IMAT CSA (cm^2)\n"
       "L4,/s/L4,40,130,-60,11,-92,130,-97,210\nL3,/s/L3,31.5,96.75,-60,11,-92,130,-97,210\n")


def _new_visit(page: Page) -> None:
    sign_in(page)
    page.fill("[data-testid=search]", "maria-declining")
    page.press("[data-testid=search]", "Enter")
    page.locator("[data-testid=patient-link]").first.click()
    page.click("[data-testid=new-visit]")


def test_upload_fills_the_visit_form_and_saves(page: Page, screens: Path, tmp_path: Path) -> None:
    f = tmp_path / "muscle_adipose_tissue_metrics.csv"
    f.write_text(C2C, "utf-8")
    _new_visit(page)
    shot(page, screens, "18-01-new-visit-upload")
    page.set_input_files("[data-testid=upload-file]", str(f))
    page.click("[data-testid=upload-read]")
    sources = page.locator("[data-testid=import-sources]")
    assert sources.is_visible()
    assert "l3_muscle_area from comp2comp (muscle_adipose_tissue_metrics.csv, row 3, level L3" in sources.inner_text()
    assert page.locator("#f-l3_muscle_area").is_visible()  # "Further measures" opens when a file filled it
    assert page.input_value("#f-l3_muscle_area") == "96.75"
    assert page.input_value("#f-l3_muscle_attenuation") == "31.5"
    shot(page, screens, "18-02-form-filled-from-file")
    page.fill("#f-date", TODAY)
    page.click("[data-testid=save-visit]")
    page.wait_for_url(re.compile(r"/patients/\d+\?added=\d+"))
    first = page.locator("[data-testid=visit-sources]").first
    assert "l3_muscle_area from comp2comp (muscle_adipose_tissue_metrics.csv, row 3" in first.inner_text()
    first.scroll_into_view_if_needed()
    page.screenshot(path=str(screens / "18-03-visit-row-with-sources.png"))


def test_bad_file_names_every_row(page: Page, screens: Path, tmp_path: Path) -> None:
    f = tmp_path / "bc_scores.csv"
    f.write_text("file;muscle_area;muscle_ra\nmaria-declining;5000;35\nmaria-declining;120;500\n", "utf-8")
    _new_visit(page)
    page.set_input_files("[data-testid=upload-file]", str(f))
    page.select_option("[data-testid=upload-format]", "mosamatic2")
    page.click("[data-testid=upload-read]")
    box = page.locator("[data-testid=upload-problems]")
    assert box.is_visible()
    text = box.inner_text()
    assert "row 2, muscle_area: 5000 cm2 is implausible" in text and "row 3, muscle_ra: 500 HU is implausible" in text
    shot(page, screens, "18-04-upload-problems")
