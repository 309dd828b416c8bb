"""The clinician's path through the app in Chromium, with a screenshot of every page."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

from myoscope.assess import assess
from myoscope.web import demo

Page = Any
TODAY = date.today().isoformat()


def shot(page: Page, screens: Path, name: str) -> None:
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(screens / f"{name}.png"), full_page=True)


def sign_in(page: Page, user: str = "demo") -> None:
    page.goto("/login")
    page.fill("#username", user)
    page.fill("#password", demo.DEMO_PASSWORD)
    page.click("[data-testid=login-submit]")
    page.wait_for_url(re.compile(r"/patients"))


def test_sign_in_find_patient_add_visit_fix_and_see_it(page: Page, screens: Path) -> None:
    page.goto("/patients")
    assert "/login" in page.url  # not signed in: sent to the sign-in page
    shot(page, screens, "01-login")
    sign_in(page)
    shot(page, screens, "02-patients")
    page.fill("[data-testid=search]", "maria-declining")
    page.press("[data-testid=search]", "Enter")
    rows = page.locator("[data-testid=patient-row]")
    assert rows.count() == 1
    rows.first.locator("[data-testid=patient-link]").click()
    assert page.locator("[data-testid=patient-title]").inner_text() == "maria-declining"
    assert page.locator("[data-testid=verdict-ewgsop2]").count() == 1
    shot(page, screens, "03-patient")
    visits_before = page.locator("[data-testid=visit-row]").count()

    page.click("[data-testid=new-visit]")
    page.fill("#f-date", TODAY)
    page.fill("#f-grip_strength", "abc")  # not a number
    page.fill("#f-gait_speed", "40")  # outside the plausible range
    page.fill("#f-weight", "51.5")
    page.select_option("select[name='unit.weight']", "kg")
    page.click("[data-testid=save-visit]")
    assert page.locator("[data-testid=problem-grip_strength]").is_visible()
    assert page.locator("[data-testid=problem-gait_speed]").is_visible()
    assert page.input_value("#f-weight") == "51.5"  # nothing typed is lost
    assert page.input_value("#f-grip_strength") == "abc"
    shot(page, screens, "04-visit-form-errors")

    page.fill("#f-grip_strength", "11")
    page.fill("#f-gait_speed", "0.55")
    page.click("[data-testid=save-visit]")
    page.wait_for_url(re.compile(r"/patients/\d+\?added=\d+"))
    assert page.locator("[data-testid=visit-row]").count() == visits_before + 1
    assert TODAY in page.locator("#latest-h").inner_text()
    expected = assess({"sex": "female", "grip_strength": 11, "gait_speed": 0.55, "weight": 51.5})
    shown = page.locator("[data-testid=verdict-ewgsop2]").inner_text()
    assert expected.results["ewgsop2"].outcome.replace("_", " ") in shown
    svg = page.request.get(page.get_attribute("[data-testid=timeline-chart]", "src") or "").text()
    assert svg.count("<path") > 0 and "<title" in svg
    shot(page, screens, "05-patient-after-visit")


def test_red_flags_show_urgency_in_colour_and_words(page: Page, screens: Path) -> None:
    sign_in(page)
    page.fill("[data-testid=search]", "demo-acute-weakness-declining")
    page.press("[data-testid=search]", "Enter")
    page.locator("[data-testid=patient-link]").first.click()
    flags = page.locator("[data-testid=red-flag]")
    assert flags.count() >= 1
    first = flags.first
    assert first.get_attribute("data-urgency") == "emergency"
    assert "EMERGENCY" in first.inner_text()
    colour = first.evaluate("e => getComputedStyle(e).borderLeftColor")
    assert colour == "rgb(139, 0, 0)"
    page.screenshot(path=str(screens / "06a-red-flags-top.png"))
    shot(page, screens, "06-patient-red-flags")
    loaded = page.evaluate("[...document.querySelectorAll('img.chart')].map(i => i.complete && i.naturalWidth > 0)")
    assert loaded == [True, True]  # the timeline and the projection rendered


def test_on_a_phone_the_list_and_the_patient_page_fit_and_the_red_flags_show(page: Page, screens: Path) -> None:
    """The web review measured the list 786 px and the patient page 641 px wide on a 390 px phone:
    the red-flag column was off the screen. Wide tables now show each row as a card."""
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page)
    fits = "document.documentElement.scrollWidth <= window.innerWidth + 1"
    assert page.evaluate(fits)
    chip = page.locator("[data-testid=patient-row] .flag-chip").first
    box = chip.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 390  # on screen, not cut off
    shot(page, screens, "19-phone-patient-list")
    page.locator("[data-testid=patient-link]").first.click()
    page.wait_for_load_state("networkidle")
    assert page.evaluate(fits)
    shot(page, screens, "19-phone-patient-page")


def test_quick_assess_and_logout(page: Page, screens: Path) -> None:
    sign_in(page)
    page.click("[data-testid=nav-assess]")
    shot(page, screens, "07-quick-assess-form")
    page.select_option("#f-sex", "female")
    page.fill("#f-age", "81")
    page.fill("#f-grip_strength", "12")
    page.fill("#f-height", "160")
    page.fill("#f-asm", "12")
    page.select_option("#f-asm_method", "dxa")
    page.fill("#f-gait_speed", "0.6")
    page.click("[data-testid=run-assess]")
    assert "severe sarcopenia" in page.locator("[data-testid=verdict-ewgsop2]").inner_text()
    shot(page, screens, "08-quick-assess-result")
    page.click("[data-testid=logout]")
    page.wait_for_url(re.compile(r"/login"))
    page.goto("/patients")
    assert "/login" in page.url


def test_error_pages_are_pages(page: Page, screens: Path) -> None:
    sign_in(page, "other")  # another organisation: the demo clinic's patients are not found
    page.goto("/patients/1")
    assert "Not found" in page.locator("h1").inner_text()
    shot(page, screens, "09-foreign-patient-404")


def test_cohort_upload_to_download(page: Page, screens: Path, tmp_path: Path) -> None:
    table = tmp_path / "cohort.csv"
    table.write_text("id,sex,age,grip_strength,gait_speed\nr1,female,81,12,0.6\nr2,male,70,35,1.2\nr3,female,75,abc,0.9\n")
    page.goto("/login")
    page.fill("#username", "demo-researcher")
    page.fill("#password", demo.DEMO_PASSWORD)
    page.click("[data-testid=login-submit]")
    page.goto("/cohort")
    shot(page, screens, "11-cohort-upload")
    page.set_input_files("#f-table", str(table))
    page.click("[data-testid=cohort-upload]")
    page.wait_for_selector("[data-testid=cohort-accounting]", timeout=60_000)
    assert "rows in 3 = classified 2 + rejected 1" in page.inner_text("[data-testid=cohort-accounting]")
    shot(page, screens, "12-cohort-done")
    with page.expect_download() as info:
        page.click("[data-testid='file-classified.csv']")
    saved = tmp_path / "out.csv"
    info.value.save_as(saved)
    assert saved.read_text().splitlines()[0].startswith("id,ewgsop2")


def test_cohort_upload_with_a_redcap_dictionary(page: Page, screens: Path, tmp_path: Path) -> None:
    """The REDCap choice: a dictionary with a unit mix-up is refused, its problems listed and the
    choice kept; the right dictionary runs the export."""
    from ...redcap_helpers import CHECKBOX_FIELDS, FIELDS, write_dictionary, write_export

    export = write_export(tmp_path / "export.csv", checkboxes=True)
    good = write_dictionary(tmp_path / "dictionary.csv", CHECKBOX_FIELDS)
    bad = write_dictionary(tmp_path / "mixed-up.csv", [
        ("height_cm", "b", "text", "Height", "", "", "number", "1.2", "2.2") if f[0] == "height_cm" else f
        for f in FIELDS])
    page.goto("/login")
    page.fill("#username", "demo-researcher")
    page.fill("#password", demo.DEMO_PASSWORD)
    page.click("[data-testid=login-submit]")
    page.goto("/cohort")
    page.check("[data-testid=mode-redcap]")
    page.set_input_files("#f-table", str(export))
    page.set_input_files("#f-redcap_dictionary", str(bad))
    shot(page, screens, "13-cohort-redcap-choice")
    page.click("[data-testid=cohort-upload]")
    problems = page.inner_text("[data-testid=problem-redcap_dictionary]")
    assert "height_cm: the validation range 1.2 to 2.2 cm" in problems
    assert page.is_checked("[data-testid=mode-redcap]")
    shot(page, screens, "14-cohort-redcap-refused")
    page.set_input_files("#f-table", str(export))
    page.set_input_files("#f-redcap_dictionary", str(good))
    page.click("[data-testid=cohort-upload]")
    page.wait_for_selector("[data-testid=cohort-accounting]", timeout=60_000)
    assert "rows in 3 = classified 3 + rejected 0" in page.inner_text("[data-testid=cohort-accounting]")
    assert "REDCap data dictionary dictionary.csv" in page.inner_text("main")
    shot(page, screens, "15-cohort-redcap-done")
