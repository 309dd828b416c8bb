"""axe-core in Chromium on every page: no serious or critical violation."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from myoscope.web import demo

Page = Any


def sign_in(page: Page, user: str = "demo") -> None:
    page.goto("/login")
    page.fill("#username", user)
    page.fill("#password", demo.DEMO_PASSWORD)
    page.click("[data-testid=login-submit]")
    page.wait_for_url("**/patients" if user == "demo" else "**")


def first_patient(page: Page) -> None:
    page.goto("/patients")
    page.locator("[data-testid=patient-link]").first.click()


def visit_errors(page: Page) -> None:
    first_patient(page)
    page.click("[data-testid=new-visit]")
    page.fill("#f-grip_strength", "abc")
    page.click("[data-testid=save-visit]")


def assess_result(page: Page) -> None:
    page.goto("/assess")
    page.select_option("#f-sex", "female")
    page.fill("#f-grip_strength", "12")
    page.click("[data-testid=run-assess]")


PAGES: dict[str, Callable[[Page], None]] = {
    "patients": lambda p: p.goto("/patients"),
    "patient": first_patient,
    "new-patient": lambda p: p.goto("/patients/new"),
    "visit-form-errors": visit_errors,
    "assess-result": assess_result,
    "not-found": lambda p: p.goto("/patients/999999"),
    "correct-visit": lambda p: (first_patient(p), p.locator("[data-testid=correct-visit]").first.click()),
}
ADMIN_PAGES = {"users": "/admin/users", "audit": "/admin/audit", "cohort": "/cohort"}


def violations(page: Page, axe_source: str) -> list[dict[str, Any]]:
    page.add_script_tag(content=axe_source)
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [{"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


def test_login_page(browser: Any, base_url: str, axe_source: str) -> None:
    context = browser.new_context(base_url=base_url, bypass_csp=True)  # axe is injected as a script
    page = context.new_page()
    page.goto("/login")
    assert violations(page, axe_source) == []
    context.close()


@pytest.mark.parametrize("name", sorted(PAGES))
def test_signed_in_pages(browser: Any, base_url: str, axe_source: str, name: str) -> None:
    context = browser.new_context(base_url=base_url, bypass_csp=True)
    page = context.new_page()
    sign_in(page)
    PAGES[name](page)
    page.wait_for_load_state("networkidle")
    assert violations(page, axe_source) == [], name
    context.close()


@pytest.mark.parametrize("name", sorted(ADMIN_PAGES))
def test_admin_pages(browser: Any, base_url: str, axe_source: str, screens: Path, name: str) -> None:
    context = browser.new_context(base_url=base_url, bypass_csp=True)
    page = context.new_page()
    sign_in(page, "demo-admin")
    page.goto(ADMIN_PAGES[name])
    page.screenshot(path=str(screens / f"13-admin-{name}.png"), full_page=True)
    assert violations(page, axe_source) == [], name
    context.close()


def test_the_check_can_fail(browser: Any, axe_source: str) -> None:
    page = browser.new_page()
    page.set_content('<html lang="en"><body><main><img src="x.png"><input id="a"></main></body></html>')
    found = {v["id"] for v in violations(page, axe_source)}
    assert {"image-alt", "label"} <= found
    page.close()
