"""The patient page's report buttons in Chromium: both download a PDF."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .test_clinician_flow import shot, sign_in

Page = Any


def test_report_buttons_download_pdfs(page: Page, screens: Path, tmp_path: Path) -> None:
    sign_in(page)
    page.click("a[href^='/patients/']:not([href='/patients/new'])")
    page.wait_for_selector("[data-testid=report-downloads]")
    shot(page, screens, "16-patient-report-buttons")
    for button in ("report-clinician", "report-patient"):
        with page.expect_download() as info:
            page.click(f"[data-testid={button}]")
        path = tmp_path / info.value.suggested_filename
        info.value.save_as(str(path))
        assert path.suffix == ".pdf" and path.read_bytes()[:5] == b"%PDF-"
