"""The public self-check and guide over HTTP: no sign-in, nothing stored, red flags first."""

from __future__ import annotations

import re
from html import escape

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, inspect, select, table

from myoscope.selfcheck import flags_for
from myoscope.selfcheck.guide import guide_index
from myoscope.web.routes.public import CHECK_CSRF_COOKIE

from ..conftest import World, csrf_of

POSITIVE = {
    "sarc_f.strength": "a_lot_or_unable",
    "sarc_f.assistance_walking": "some",
    "sarc_f.rise_from_chair": "some",
    "sarc_f.climb_stairs": "a_lot_or_unable",
    "sarc_f.falls": "1",
}


def start(client: TestClient) -> str:
    r = client.get("/check")
    assert r.status_code == 200
    return csrf_of(r.text)


def row_counts(world: World) -> dict[str, int]:
    engine = world.app.state.engine
    names = inspect(engine).get_table_names()
    assert names, "the registry has tables"
    with engine.connect() as c:
        return {n: c.execute(select(func.count()).select_from(table(n))).scalar_one() for n in names}


def test_a_completed_self_check_stores_nothing_and_sets_only_the_csrf_cookie(world: World) -> None:
    before = row_counts(world)
    with TestClient(world.app, base_url="http://testserver") as client:
        token = start(client)
        story = {"csrf_token": token, "history.symptoms.weakness": "yes", "history.tempo": "days",
                 "history.course": "progressive"}
        seen: set[str] = set()
        for path, data in (("/check/story", story), ("/check/signs", story),
                           ("/check/questions", {"csrf_token": token}),
                           ("/check/result", {"csrf_token": token, "help_seen": "yes", **POSITIVE,
                                              "age": "78", "sex": "female", "weight": "61",
                                              "weight_before": "66", "weight_before_months": "9",
                                              "calf_circumference": "30.5", "chair_stand_time": "17",
                                              "gait_time": "5"}),
                           ("/check/summary", {"csrf_token": token, **POSITIVE})):
            r = client.post(path, data=data)
            assert r.status_code == 200, (path, r.text[:500])
            seen |= {c.split("=", 1)[0] for c in r.headers.get_list("set-cookie")}
        assert "result-verdicts" in r.text
    assert seen == {CHECK_CSRF_COOKIE}
    assert row_counts(world) == before


def test_positive_sarc_f_is_scored_by_the_definition(client: TestClient) -> None:
    token = start(client)
    r = client.post("/check/result", data={"csrf_token": token, **POSITIVE})
    assert r.status_code == 200
    assert 'data-testid="verdict-sarc_f" data-outcome="positive"' in r.text
    assert "Your score: 7 points. A score of 4 or more" in r.text


def test_a_skipped_question_is_unknown_never_zero(client: TestClient) -> None:
    token = start(client)
    # three items answered "none" (0) and two skipped: 0 + 0 + 0 could still reach 4 with 2 + 2
    data = {"csrf_token": token, "sarc_f.strength": "none", "sarc_f.assistance_walking": "none",
            "sarc_f.rise_from_chair": "none"}
    r = client.post("/check/result", data=data)
    assert 'data-testid="verdict-sarc_f" data-outcome="indeterminate"' in r.text
    undecided = r.text.split('data-testid="result-undecided"', 1)[1].split("</section>", 1)[0]
    assert "How much difficulty do you have climbing a flight of 10 stairs?" in undecided
    assert "How many times have you fallen in the past year?" in undecided
    # with the same two items answered "none" the verdict is negative: the skip was not a 0
    r = client.post("/check/result", data=data | {"sarc_f.climb_stairs": "none", "sarc_f.falls": "0"})
    assert 'data-outcome="negative"' in r.text


def test_bad_answers_are_named_on_the_page_with_the_form_refilled(client: TestClient) -> None:
    token = start(client)
    r = client.post("/check/result", data={"csrf_token": token, "age": "300", "weight": "abc",
                                           "sarc_f.strength": "some"})
    assert r.status_code == 422
    assert 'data-testid="problem-age"' in r.text and "300 years is implausible" in r.text
    assert 'data-testid="problem-weight"' in r.text and "abc" in r.text
    assert 'value="300"' in r.text and 'value="abc"' in r.text
    assert re.search(r'value="some"\s+checked', r.text)


def test_a_red_flag_story_leads_to_the_urgent_page_before_any_result(client: TestClient) -> None:
    token = start(client)
    story = {"csrf_token": token, "history.symptoms.weakness": "yes", "history.tempo": "days",
             "history.course": "progressive"}
    # an emergency the story shows is said at once, not after the warning-sign questions
    # (review 2026-12-07: twelve more questions stood between the story and "Get help now")
    r = client.post("/check/story", data=story)
    assert 'data-testid="signs-form"' not in r.text
    assert 'data-testid="get-help" data-urgency="emergency"' in r.text
    r = client.post("/check/signs", data=story)
    assert 'data-testid="get-help" data-urgency="emergency"' in r.text
    assert "Get help now" in r.text and "What to say to the doctor" in r.text
    assert "result-verdicts" not in r.text
    # going on with the check after the help page: no timed tests at home meanwhile
    go_on = client.post("/check/questions", data=story | {"help_seen": "yes"}).text
    assert 'data-testid="help-reminder"' in go_on and "Two short tests at home" not in go_on
    # posting straight to the result still shows the help page first
    r = client.post("/check/result", data=story | POSITIVE)
    assert 'data-testid="get-help"' in r.text and "result-verdicts" not in r.text
    r = client.post("/check/result", data=story | POSITIVE | {"help_seen": "yes"})
    assert "result-verdicts" in r.text and 'data-testid="result-flags"' in r.text


def test_weakness_getting_worse_over_weeks_sends_to_hospital_today_as_the_report_does(
        client: TestClient) -> None:
    """Weakness over weeks, getting worse: NICE NG127 refers rapidly (within 4 weeks) progressive
    symmetrical weakness immediately, and the self-check does not ask whether it is one-sided, so
    the flag itself is the emergency (it was "urgent, within days" before, with the plan's
    Guillain-Barré referral saying "today"). The get-help page leads with it, in the patient
    report's words."""
    token = start(client)
    story = {"csrf_token": token, "history.symptoms.weakness": "yes", "history.tempo": "weeks",
             "history.course": "progressive"}
    flags = flags_for(story)
    assert (flags[0]["id"], flags[0]["urgency"]) == ("rapidly_progressive_weakness", "emergency")
    assert flags[0]["patient_action"] == "Get emergency medical help today."
    r = client.post("/check/signs", data=story)
    assert 'data-testid="get-help" data-urgency="emergency"' in r.text
    assert escape(flags[0]["patient_text"], quote=False) in r.text
    assert "today.." not in r.text  # the words end with their own full stop


def test_an_improving_weakness_gets_the_plans_safety_net_in_the_result(client: TestClient) -> None:
    """Weakness over weeks and improving: no urgent page, and the result's warning signs carry
    the plan's "soon" safety net (when to go to hospital the same day)."""
    token = start(client)
    story = {"csrf_token": token, "history.symptoms.weakness": "yes", "history.tempo": "weeks",
             "history.course": "improving"}
    net = [f for f in flags_for(story) if f["kind"] == "plan"]
    assert [f["urgency"] for f in net] == ["soon"]
    r = client.post("/check/result", data=story | POSITIVE)
    assert 'data-testid="get-help"' not in r.text and 'data-testid="result-flags"' in r.text
    assert escape(net[0]["patient_text"], quote=False) in r.text
    # the cause the record does not support is not named, as in the patient report
    assert "Guillain" not in r.text
    worse = client.post("/check/result", data=story | POSITIVE | {"history.course": "progressive", "help_seen": "yes"})
    assert "Guillain" in worse.text


def test_no_weakness_over_days_is_not_sent_to_hospital_for_guillain_barre(client: TestClient) -> None:
    """A person who answers that they have no weakness, symptoms over days: no Guillain-Barré
    referral and no emergency page from the plan (second clinical review)."""
    token = start(client)
    story = {"csrf_token": token, "history.symptoms.weakness": "no", "history.tempo": "days"}
    assert not [f for f in flags_for(story) if f["kind"] == "plan"]
    r = client.post("/check/signs", data=story)
    assert 'data-urgency="emergency"' not in r.text


def test_dark_urine_with_aching_muscles_is_urgent(client: TestClient) -> None:
    token = start(client)
    story = {"csrf_token": token, "history.symptoms.dark_urine": "yes"}
    assert 'data-testid="signs-form"' in client.post("/check/story", data=story).text
    r = client.post("/check/signs", data=story | {"history.symptoms.muscle_pain": "yes"})
    assert 'data-urgency="urgent"' in r.text and "See a doctor within days" in r.text


def test_a_very_low_weight_for_the_height_in_an_adult_shows_the_urgent_page_first(client: TestClient) -> None:
    """Weight and height from 'About you' give a BMI below the WHO severe-thinness cut-off (16):
    the work-up's very_low_bmi flag; the help page comes before the result."""
    token = start(client)
    form = client.post("/check/story", data={"csrf_token": token}).text
    assert 'name="height"' in form and "How tall are you?" in form
    thin = {"csrf_token": token, "age": "23", "sex": "female", "weight": "40", "height": "165"} | POSITIVE
    r = client.post("/check/result", data=thin)
    assert 'data-testid="get-help" data-urgency="urgent"' in r.text and "result-verdicts" not in r.text
    assert "A very low body weight for your height" in r.text
    # BMI 16.2 is not below the cut-off; under 18 the adult cut-off is not applied
    for other in ({"weight": "44"}, {"age": "16"}, {"height": ""}):
        r = client.post("/check/result", data=thin | other)
        assert "result-verdicts" in r.text and "A very low body weight" not in r.text, other


RATE = "history.weight_loss_per_week"


def test_fast_weight_loss_with_restrictive_eating_shows_the_urgent_page_first(client: TestClient) -> None:
    """Weight lost on purpose asks the warning signs, with how fast the weight is going: more than
    1 kg a week with restrictive eating is the work-up's rapid_weight_loss_eating_disorder flag
    (NICE CG9 2004 physical risk guidance: high risk); the help page comes before the result."""
    token = start(client)
    story = {"csrf_token": token, "history.weight_change": "intentional_loss"}
    signs = client.post("/check/story", data=story).text
    assert 'data-testid="signs-form"' in signs
    assert f'name="{RATE}"' in signs and "How much weight are you losing each week?" in signs
    assert f'name="unit.{RATE}"' in signs
    fast = story | {"history.intake": "restricted", RATE: "1.5", f"unit.{RATE}": "kg"}
    r = client.post("/check/signs", data=fast)
    assert 'data-testid="get-help" data-urgency="urgent"' in r.text and "result-verdicts" not in r.text
    assert "Losing weight very fast" in r.text and "See a doctor within days" in r.text
    # the rate and its unit travel on (hidden) to the result, where the help page still comes first
    main = client.post("/check/questions", data=fast | {"help_seen": "yes"}).text
    assert f'name="{RATE}" value="1.5"' in main and f'name="unit.{RATE}" value="kg"' in main
    r = client.post("/check/result", data=fast | POSITIVE)
    assert 'data-testid="get-help"' in r.text and "result-verdicts" not in r.text
    r = client.post("/check/result", data=fast | POSITIVE | {"help_seen": "yes"})
    assert "result-verdicts" in r.text and "Losing weight very fast" in r.text
    # in pounds: 3 lb a week is over 1 kg
    r = client.post("/check/signs", data=fast | {RATE: "3", f"unit.{RATE}": "lb"})
    assert 'data-urgency="urgent"' in r.text and "Losing weight very fast" in r.text


def test_weight_loss_not_above_the_cited_rate_raises_no_rapid_loss_flag(client: TestClient) -> None:
    token = start(client)
    story = {"csrf_token": token, "history.weight_change": "unintentional_loss", "history.intake": "restricted"}
    for rate in ({RATE: "1.0", f"unit.{RATE}": "kg"}, {RATE: "2", f"unit.{RATE}": "lb"}):
        r = client.post("/check/signs", data=story | rate)
        assert 'data-testid="check-form"' in r.text, rate  # no urgent flag: on to the questions
        r = client.post("/check/result", data=story | rate | POSITIVE)
        assert "result-verdicts" in r.text and "Losing weight very fast" not in r.text, rate
    # fast loss without restrictive eating or fear of weight gain is outside the guidance
    r = client.post("/check/signs", data=story | {"history.intake": "normal", RATE: "1.5"})
    assert 'data-testid="check-form"' in r.text


def test_a_skipped_rate_of_weight_loss_is_unknown_not_no(client: TestClient) -> None:
    from myoscope.selfcheck import flags_for, record_from

    token = start(client)
    story = {"csrf_token": token, "history.weight_change": "intentional_loss", "history.intake": "restricted"}
    skipped = story | {RATE: "", f"unit.{RATE}": "kg"}
    r = client.post("/check/signs", data=skipped)
    assert 'data-testid="check-form"' in r.text and "Losing weight very fast" not in r.text
    # left out of the record (unknown), so the work-up still asks for it; never taken as 0
    answers = {k: v for k, v in skipped.items() if k != "csrf_token"}
    assert "weight_loss_per_week" not in record_from(answers).get("history", {})
    assert "rapid_weight_loss_eating_disorder" not in {f["id"] for f in flags_for(answers)}
    r = client.post("/check/result", data=skipped | POSITIVE)
    assert "result-verdicts" in r.text and "Losing weight very fast" not in r.text


def test_an_unreadable_rate_of_weight_loss_is_named_on_the_signs_page(client: TestClient) -> None:
    token = start(client)
    story = {"csrf_token": token, "history.weight_change": "intentional_loss"}
    for bad in ("abc", "50"):
        r = client.post("/check/signs", data=story | {RATE: bad, f"unit.{RATE}": "kg"})
        assert r.status_code == 422, bad
        assert 'data-testid="signs-form"' in r.text and f'data-testid="problem-{RATE}"' in r.text
        assert f'value="{bad}"' in r.text  # what was typed is still there


def test_a_quiet_story_goes_straight_to_the_questions(client: TestClient) -> None:
    token = start(client)
    r = client.post("/check/story", data={"csrf_token": token, "history.tempo": "years",
                                          "history.course": "progressive"})
    assert 'data-testid="check-form"' in r.text


def test_the_form_needs_its_csrf_token(client: TestClient) -> None:
    start(client)
    r = client.post("/check/result", data={"csrf_token": "forged", **POSITIVE})
    assert r.status_code == 400 and "expired" in r.text


def test_every_guide_page_cites_every_statement(client: TestClient) -> None:
    r = client.get("/learn")
    assert r.status_code == 200
    index = r.text.split('data-testid="guide-causes"', 1)[1].split("</ul>", 1)[0]
    assert index.count("<li>") == len(guide_index()["causes"]) == index.count('class="cite"')
    for c in guide_index()["causes"]:
        page = client.get(f"/learn/{c['id']}")
        assert page.status_code == 200, c["id"]
        for item in re.findall(r"<li>(.*?)</li>", page.text, flags=re.S):
            if "cites" in item or "href=\"/learn" in item:
                continue
            pytest.fail(f"/learn/{c['id']}: a statement without a citation: {item[:80]}")
        assert page.text.count('class="cite"') >= 4
    assert client.get("/learn/not-a-cause").status_code == 404


def test_the_age_related_page_prints_the_simulator_figures(client: TestClient) -> None:
    from myoscope.simulate.parameters import load_trajectory

    value = next(v for v in load_trajectory().parameters["ageing_mass_rate"].values
                 if v.when.age and v.when.age.contains(75))
    page = client.get("/learn/age_related_sarcopenia").text
    assert f"about {value.central:g}% a year (from {value.range[0]:g}% to {value.range[1]:g}%)" in page
    assert "This is only true at the high end." in page


def test_public_pages_make_no_third_party_requests(client: TestClient) -> None:
    token = start(client)
    pages = [client.get("/check").text, client.get("/learn").text, client.get("/learn/als").text,
             client.post("/check/result", data={"csrf_token": token, **POSITIVE}).text]
    for html in pages:
        assert "<script" not in html
        for attr in re.findall(r'(?:src|href|action)="([^"]*)"', html):
            if attr.startswith(("http://", "https://", "//")):
                assert re.search(rf'<a class="cite" href="{re.escape(attr)}"', html), attr


def test_the_result_reports_weight_change_and_walking_speed(client: TestClient) -> None:
    token = start(client)
    r = client.post("/check/result", data={"csrf_token": token, "weight": "61", "weight_before": "66",
                                           "weight_before_months": "9", "gait_time": "5"})
    assert r.status_code == 200
    measured = r.text.split('data-testid="result-measured"', 1)[1].split("</section>", 1)[0]
    assert "You lost 7.58% of your weight in 9 months." in measured  # (66 - 61) / 66, from the record
    assert "Your walking speed: 0.8 metres a second." in measured  # 4 m in 5 s


def test_an_unknown_sex_shows_both_calf_cut_offs(client: TestClient) -> None:
    token = start(client)
    r = client.post("/check/result", data={"csrf_token": token, **POSITIVE, "calf_circumference": "30.5"})
    assert "The cut-off is below 33 cm for women and below 34 cm for men." in r.text
    r = client.post("/check/result", data={"csrf_token": token, **POSITIVE, "calf_circumference": "30.5",
                                           "sex": "male"})
    assert "The cut-off is below 34 cm." in r.text


def test_the_summary_pdf_carries_the_result_and_stores_nothing(world: World) -> None:
    import io

    from pypdf import PdfReader

    before = row_counts(world)
    with TestClient(world.app, base_url="http://testserver") as client:
        token = start(client)
        result = client.post("/check/result", data={"csrf_token": token, **POSITIVE, "sex": "female"})
        assert 'action="/check/summary.pdf"' in result.text  # offered once PDF rendering is installed
        r = client.post("/check/summary.pdf", data={"csrf_token": token, **POSITIVE, "sex": "female"})
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert r.headers["content-disposition"].startswith("attachment;")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(r.content)).pages)
    assert "7 points" in text and "SARC-F" in text
    assert row_counts(world) == before


def test_the_summary_pdf_fetches_nothing_but_the_apps_stylesheet() -> None:
    from myoscope.web.selfcheck_pdf import STATIC, static_target

    assert static_target("https://self-check.invalid/static/style.css") == (STATIC / "style.css").resolve()
    for url in ("https://example.org/static/style.css", "https://self-check.invalid/static/../app.py",
                "file:///etc/passwd", "http://self-check.invalid/static/style.css"):
        with pytest.raises(ValueError):
            static_target(url)


def test_a_bad_answer_after_the_help_page_comes_back_named_not_as_an_error(client: TestClient) -> None:
    # the questions page after "Get help now" asks the flags again: an unreadable answer there is
    # the page's own problem (422, named), never a server error
    token = start(client)
    story = {"csrf_token": token, "history.symptoms.weakness": "yes", "history.tempo": "weeks",
             "history.symptoms.swallowing_difficulty": "yes", "help_seen": "yes"}
    r = client.post("/check/result", data=story | {"age": "two hundred"})
    assert r.status_code == 422 and 'data-testid="help-reminder"' not in r.text


def test_weakness_with_breathlessness_lying_flat_is_asked_and_sends_for_help_today(client: TestClient) -> None:
    """NICE NG127 (secondary): slowly progressive weakness with breathlessness at rest or lying flat
    is referred immediately. The story's breathing trouble brings the question to the warning
    signs, and a yes leads to the emergency page."""
    token = start(client)
    story = {"csrf_token": token, "history.symptoms.weakness": "yes", "history.tempo": "months",
             "history.course": "progressive", "history.symptoms.breathing_difficulty": "yes"}
    signs = client.post("/check/story", data=story).text
    assert 'name="history.symptoms.breathless_at_rest_or_lying_flat"' in signs
    r = client.post("/check/signs", data=story | {"history.symptoms.breathless_at_rest_or_lying_flat": "yes"})
    assert 'data-testid="get-help" data-urgency="emergency"' in r.text
    flags = flags_for(story | {"history.symptoms.breathless_at_rest_or_lying_flat": "yes"})
    assert (flags[0]["id"], flags[0]["urgency"]) == ("breathless_at_rest_with_weakness", "emergency")
    no = flags_for(story | {"history.symptoms.breathless_at_rest_or_lying_flat": "no"})
    assert "breathless_at_rest_with_weakness" not in {f["id"] for f in no}
