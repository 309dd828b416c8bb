"""An admin deactivates and reactivates a user, and is refused stepping down as the last admin,
in Chromium; the user's open session ends at once; axe-core finds nothing serious on the way."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .test_accessibility import sign_in, violations
from .test_clinician_flow import shot

Page = Any


def test_admin_deactivates_and_reactivates_a_user(browser: Any, base_url: str, axe_source: str,
                                                  screens: Path) -> None:
    researcher = browser.new_context(base_url=base_url)
    r_page = researcher.new_page()
    sign_in(r_page, "demo-researcher")
    r_page.goto("/cohort")
    assert r_page.url.endswith("/cohort")
    admin = browser.new_context(base_url=base_url, bypass_csp=True)  # axe is injected as a script
    page = admin.new_page()
    sign_in(page, "demo-admin")
    page.goto("/admin/users")
    row = "tr[data-user=demo-researcher]"
    try:
        page.click(f"{row} [data-testid=deactivate]")
        page.wait_for_url("**/admin/users")
        assert "deactivated" in page.locator(row).inner_text()
        shot(page, screens, "14-admin-user-deactivated")
        r_page.goto("/cohort")  # the researcher's session ended with the deactivation
        assert "/login" in r_page.url
        page.click("tr[data-user=demo-admin] [data-testid=deactivate]")  # the last active admin
        assert "last active admin" in page.locator("[data-testid=change-problems]").inner_text()
        assert violations(page, axe_source) == []
        shot(page, screens, "15-admin-last-admin-refused")
    finally:
        page.goto("/admin/users")
        if page.locator(f"{row} [data-testid=reactivate]").count():
            page.click(f"{row} [data-testid=reactivate]")
            page.wait_for_url("**/admin/users")
    assert "active" in page.locator(row).inner_text() and page.locator(f"{row} [data-testid=deactivate]").count()
    sign_in(r_page, "demo-researcher")
    r_page.goto("/cohort")
    assert r_page.url.endswith("/cohort")
    researcher.close()
    admin.close()
