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


def test_correcting_an_imported_value_says_corrected_by_hand(page: Page, screens: Path, tmp_path: Path) -> None:
    f = tmp_path / "muscle_adipose_tissue_metrics.csv"
    f.write_text(C2C, "utf-8")
    _new_visit(page)
    page.set_input_files("[data-testid=upload-file]", str(f))
    page.click("[data-testid=upload-read]")
    page.fill("#f-date", "2020-01-15")  # a date of its own: the other tests save visits today
    page.click("[data-testid=save-visit]")
    page.wait_for_url(re.compile(r"/patients/\d+\?added=\d+"))
    row = page.locator("tr", has=page.locator("[data-testid=visit-sources]"), has_text="2020").first
    row.locator("[data-testid=correct-visit]").click()
    page.locator("details summary").first.click()
    page.fill("#f-l3_muscle_area", "101.5")
    page.fill("#f-reason", "muscle re-segmented by hand")
    page.click("[data-testid=save-visit]")
    page.wait_for_url(re.compile(r"/patients/\d+\?corrected=\d+"))
    row = page.locator("tr", has=page.locator("[data-testid=visit-sources]"), has_text="2020").first
    text = row.locator("[data-testid=visit-sources]").inner_text()
    assert "l3_muscle_area corrected by hand by demo at" in text
    assert "l3_muscle_attenuation from comp2comp (muscle_adipose_tissue_metrics.csv, row 3" in text
    row.scroll_into_view_if_needed()
    page.screenshot(path=str(screens / "18-05-corrected-by-hand.png"))


def test_slice_whose_level_is_not_named_is_read_as_not_verified(page: Page, screens: Path,
                                                               tmp_path: Path) -> None:
    import pytest

    pytest.importorskip("pydicom")
    from ...imports.helpers import disc_slice, write_dicom, write_tag

    stored, labels = disc_slice()
    img = write_dicom(tmp_path / "slice.dcm", stored, description="Abdomen 5.0 B30f")
    tag = write_tag(tmp_path / "slice.dcm.tag", labels)
    _new_visit(page)
    page.set_input_files("[data-testid=upload-file]", str(img))
    page.set_input_files("[data-testid=upload-mask]", str(tag))
    page.click("[data-testid=upload-read]")
    box = page.locator("[data-testid=import-sources]")
    assert "level L3 (not verified)" in box.inner_text()
    assert "slice level not verified" in page.content()
    shot(page, screens, "18-06-slice-level-not-verified")
    l4 = write_dicom(tmp_path / "l4.dcm", stored, description="AX L4")
    page.set_input_files("[data-testid=upload-file]", str(l4))
    page.set_input_files("[data-testid=upload-mask]", str(tag))
    page.click("[data-testid=upload-read]")
    problems = page.locator("[data-testid=upload-problems]")
    assert "names L4, not L3" in problems.inner_text()
    shot(page, screens, "18-07-slice-at-l4-refused")
