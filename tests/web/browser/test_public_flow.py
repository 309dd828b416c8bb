"""The public self-check and guide in Chromium: the three people of the issue, keyboard-only
completion, axe-core on every public page, and screenshots at 1280 px, 375 px and 200 % zoom."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from .test_accessibility import violations

Page = Any
SIZES = {
    "desktop": {"viewport": {"width": 1280, "height": 900}},
    "phone": {"viewport": {"width": 375, "height": 740}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True},
    # 200 % browser zoom of a 1280 px window: the page lays out in 640 CSS px at twice the pixels
    "zoom200": {"viewport": {"width": 640, "height": 450}, "device_scale_factor": 2},
}
POSITIVE = {"sarc_f.strength": "a_lot_or_unable", "sarc_f.assistance_walking": "some",
            "sarc_f.rise_from_chair": "some", "sarc_f.climb_stairs": "a_lot_or_unable", "sarc_f.falls": "1"}


def pick(page: Page, name: str, value: str) -> None:
    page.check(f"input[name='{name}'][value='{value}']")


def story(page: Page, answers: dict[str, str]) -> None:
    page.goto("/check")
    for name, value in answers.items():
        pick(page, name, value)
    page.click("[data-testid=story-next]")


def questions_page(page: Page) -> None:
    story(page, {"history.tempo": "years"})
    page.wait_for_selector("[data-testid=check-form]")


def fill_main(page: Page, answers: dict[str, str], typed: dict[str, str] | None = None) -> None:
    for name, value in answers.items():
        pick(page, name, value)
    for name, value in (typed or {}).items():
        page.fill(f"[name='{name}']", value)
    page.click("[data-testid=see-result]")


def fast_loss(page: Page, rate: str) -> None:
    story(page, {"history.weight_change": "intentional_loss"})
    pick(page, "history.intake", "restricted")
    page.fill("[name='history.weight_loss_per_week']", rate)
    page.click("[data-testid=signs-next]")


def no_sideways_scroll(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))


@pytest.fixture
def fresh(browser: Any, base_url: str) -> Iterator[Callable[..., Page]]:
    contexts: list[Any] = []

    def make(size: str = "desktop", **extra: Any) -> Page:
        ctx = browser.new_context(base_url=base_url, **SIZES[size], **extra)
        contexts.append(ctx)
        return ctx.new_page()

    yield make
    for c in contexts:
        c.close()


def test_a_person_with_a_positive_sarc_f(fresh: Callable[..., Page], screens: Path) -> None:
    page = fresh()
    questions_page(page)
    fill_main(page, POSITIVE, {"calf_circumference": "30.5", "age": "78", "weight": "61",
                               "chair_stand_time": "18"})
    page.screenshot(path=str(screens / "public-result-positive.png"), full_page=True)
    verdict = page.locator("[data-testid=verdict-sarc_f]")
    assert verdict.get_attribute("data-outcome") == "positive"
    assert "7 points" in verdict.inner_text()
    assert page.locator("[data-testid=verdict-sarc_calf]").get_attribute("data-outcome") == "positive"
    assert "How much:" in page.locator("[data-testid=result-helps]").inner_text()
    assert page.locator("[data-testid=get-help]").count() == 0
    page.screenshot(path=str(screens / "public-result-positive.png"), full_page=True)
    page.click("[data-testid=summary]")
    assert page.locator("[data-testid=print-summary]").is_visible()
    page.emulate_media(media="print")
    assert not page.locator("header.top").is_visible()  # the print CSS hides the navigation
    page.screenshot(path=str(screens / "public-summary-print.png"), full_page=True)
    page.emulate_media(media="screen")


def test_a_person_with_a_red_flag_sees_the_urgent_page_first(fresh: Callable[..., Page], screens: Path) -> None:
    page = fresh()
    # weakness over weeks, still getting better: the warning signs are asked first
    story(page, {"history.symptoms.weakness": "yes", "history.tempo": "weeks", "history.course": "improving"})
    assert page.locator("[data-testid=signs-form]").is_visible()
    page.screenshot(path=str(screens / "public-signs.png"), full_page=True)
    # trouble swallowing with weakness over weeks: an emergency the story alone already shows,
    # said at once (not after the warning-sign questions)
    page = fresh()
    story(page, {"history.symptoms.weakness": "yes", "history.tempo": "weeks",
                 "history.symptoms.swallowing_difficulty": "yes"})
    assert page.locator("[data-testid=signs-form]").count() == 0
    help_box = page.locator("[data-testid=get-help]")
    assert help_box.is_visible()
    assert help_box.get_attribute("data-urgency") == "emergency"
    assert page.locator("h1").first.inner_text() == "Get help now"
    assert page.locator("[data-testid=result-verdicts]").count() == 0  # nothing else before it
    box = help_box.bounding_box()
    assert box is not None and box["y"] < 200  # at the top of the page, not below the fold
    page.screenshot(path=str(screens / "public-get-help.png"), full_page=True)
    page.click("[data-testid=continue]")
    # told to get help now: no timed tests at home meanwhile
    assert page.locator("[data-testid=help-reminder]").is_visible()
    fill_main(page, POSITIVE)
    assert page.locator("[data-testid=result-flags]").is_visible()
    flags = page.locator("[data-testid=result-flags]").bounding_box()
    verdicts = page.locator("[data-testid=result-verdicts]").bounding_box()
    assert flags and verdicts and flags["y"] < verdicts["y"]
    assert "Wait before you start new exercise" in page.locator("[data-testid=result-helps]").inner_text()


def test_a_person_who_skips_questions_is_told_what_is_undecided(fresh: Callable[..., Page], screens: Path) -> None:
    page = fresh()
    questions_page(page)
    fill_main(page, {"sarc_f.strength": "some", "sarc_f.climb_stairs": "none"})
    assert page.locator("[data-testid=verdict-sarc_f]").get_attribute("data-outcome") == "indeterminate"
    undecided = page.locator("[data-testid=result-undecided]").inner_text()
    assert "How many times have you fallen in the past year?" in undecided
    assert "How big is your calf?" in undecided
    page.screenshot(path=str(screens / "public-result-skipped.png"), full_page=True)


def test_bad_input_is_named_and_the_form_refilled(fresh: Callable[..., Page], screens: Path) -> None:
    page = fresh()
    questions_page(page)
    fill_main(page, {"sarc_f.strength": "some"}, {"age": "300", "weight": "abc"})
    assert page.locator("[data-testid=problems]").is_visible()
    assert page.locator("[data-testid=problem-age]").is_visible()
    assert page.locator("[data-testid=problem-weight]").is_visible()
    assert page.input_value("[name=age]") == "300" and page.input_value("[name=weight]") == "abc"
    assert page.is_checked("input[name='sarc_f.strength'][value='some']")
    page.screenshot(path=str(screens / "public-bad-input.png"), full_page=True)


def tab_to(page: Page, selector: str, limit: int = 150) -> None:
    """Press Tab until the focused element matches ``selector`` (keyboard only)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_keyboard_only_completion(fresh: Callable[..., Page], screens: Path) -> None:
    page = fresh()
    page.goto("/check")
    # story: the tempo group (focus lands on the checked "Not sure" radio; arrows choose)
    tab_to(page, "input[name='history.tempo']")
    page.keyboard.press("ArrowUp")  # -> "Over years"
    tab_to(page, "[data-testid=story-next]")
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-testid=check-form]")
    for name, ups in (("sarc_f.strength", 1), ("sarc_f.assistance_walking", 2), ("sarc_f.rise_from_chair", 2),
                      ("sarc_f.climb_stairs", 1), ("sarc_f.falls", 2)):
        tab_to(page, f"input[name='{name}']")
        for _ in range(ups):
            page.keyboard.press("ArrowUp")
    tab_to(page, "[name=calf_circumference]")
    page.keyboard.type("31")
    tab_to(page, "[data-testid=see-result]")
    page.screenshot(path=str(screens / "public-keyboard-focus.png"))
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-testid=result]")
    verdict = page.locator("[data-testid=verdict-sarc_f]")
    assert verdict.get_attribute("data-outcome") == "positive"  # 2 + 1 + 1 + 2 + 1 = 7
    assert "7 points" in verdict.inner_text()


PAGES: dict[str, Callable[[Page], None]] = {
    "check": lambda p: p.goto("/check"),
    "signs": lambda p: story(p, {"history.symptoms.dark_urine": "yes"}),
    "get-help": lambda p: (story(p, {"history.symptoms.dark_urine": "yes"}),
                           pick(p, "history.symptoms.muscle_pain", "yes"), p.click("[data-testid=signs-next]")),
    "questions": questions_page,
    "bad-input": lambda p: (questions_page(p), fill_main(p, {}, {"age": "300", "weight": "abc"})),
    "result": lambda p: (questions_page(p), fill_main(p, POSITIVE, {"calf_circumference": "30.5", "weight": "61",
                                                                     "age": "78", "chair_stand_time": "18"})),
    "summary": lambda p: (PAGES["result"](p), p.click("[data-testid=summary]")),
    # a very low weight for the height (BMI < 16 in an adult): the urgent page before the result
    "get-help-weight": lambda p: (questions_page(p), fill_main(p, POSITIVE, {"age": "23", "weight": "40",
                                                                              "height": "165"})),
    # weight lost on purpose, eating little on purpose, more than 1 kg a week: the urgent page first
    "get-help-fast-loss": lambda p: fast_loss(p, "1.5"),
    # an unreadable rate of weight loss: the warning signs again (422), the answer named
    "signs-bad-rate": lambda p: fast_loss(p, "abc"),
    "not-found": lambda p: p.goto("/learn/no-such-cause"),
    "learn": lambda p: p.goto("/learn"),
    "learn-ageing": lambda p: p.goto("/learn/age_related_sarcopenia"),
    "learn-als": lambda p: p.goto("/learn/als"),
}


@pytest.mark.parametrize("name", sorted(PAGES))
def test_public_pages_pass_axe_and_fit_phones_and_zoom(fresh: Callable[..., Page], axe_source: str,
                                                        screens: Path, name: str) -> None:
    for size in SIZES:
        page = fresh(size, bypass_csp=True)  # axe is injected as a script
        PAGES[name](page)
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(screens / f"public-{name}-{size}.png"), full_page=True)
        assert no_sideways_scroll(page), (name, size)
        assert violations(page, axe_source) == [], (name, size)  # at every width, not only the desktop
