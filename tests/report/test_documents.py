"""Clinician and patient reports: PDF text, pages rendered, HTML structure, reading grade."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from lxml import html as lxml_html

import myoscope
from myoscope.report.document import (
    ReportError,
    clinician_html,
    clinician_pdf,
    patient_html,
    patient_pdf,
    patient_texts,
)
from myoscope.report.plan import dose_text

EXAMPLES = Path(__file__).parents[2] / "examples"


@pytest.fixture(scope="module")
def maria() -> myoscope.PathwayResult:
    return myoscope.assess(myoscope.load_records(str(EXAMPLES / "maria_severe.yaml"))[0])


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)


def test_clinician_pdf_holds_verdicts_doses_references_and_red_flag_first(maria: myoscope.PathwayResult) -> None:
    data = clinician_pdf(maria, assessor="Dr Test")
    assert data.startswith(b"%PDF")
    text = re.sub(r"\s+", " ", _pdf_text(data))
    assert "example-maria" in text and "Dr Test" in text and maria.knowledge_version in text
    # red flags come before the summary table
    assert text.index("URGENT") < text.index("Summary")
    # verdicts that apply, with their outcome
    for rid in ("ewgsop2", "sdoc2020"):
        r = maria.results[rid]
        assert r.outcome.replace("_", " ") in text
    # the plan's doses, computed from the record
    assert maria.plan is not None
    dosed = [i for i in maria.plan.items() if i.dose]
    assert dosed and dose_text(dosed[0].dose) in text
    protein = maria.plan.nutrition["protein"]
    assert protein.per_day is not None and f"{protein.per_day[0]}" in text
    # numbered references with DOIs
    assert "References" in text and "doi:10.1093/ageing/afy169" in text
    assert re.search(r"Page 1 of \d+", text)


def test_patient_pdf_is_plain_and_from_the_knowledge_base(maria: myoscope.PathwayResult) -> None:
    text = re.sub(r"\s+", " ", _pdf_text(patient_pdf(maria)))
    assert text.index("See a doctor soon") < text.index("What we found")  # an urgent flag first
    flag = maria.workup.red_flags[0] if maria.workup else None
    assert flag is not None and flag.patient_action in text
    assert patient_texts()["meanings"]["sarcopenia"]["found"] in text
    protein = maria.plan.nutrition["protein"] if maria.plan else None
    assert protein is not None and protein.per_day is not None
    assert f"{protein.per_day[0]}–{protein.per_day[1]} grams of protein" in text
    assert "sarcopenia" in text and "None" not in text and "kg/m2" not in text


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils (pdftoppm) not installed")
def test_pages_render_to_png(maria: myoscope.PathwayResult, tmp_path: Path) -> None:
    for name, data in (("clinician", clinician_pdf(maria)), ("patient", patient_pdf(maria))):
        pdf = tmp_path / f"{name}.pdf"
        pdf.write_bytes(data)
        subprocess.run(["pdftoppm", "-r", "40", "-png", str(pdf), str(tmp_path / name)], check=True)
        pngs = sorted(tmp_path.glob(f"{name}-*.png"))
        assert pngs and all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in pngs)


def test_letter_page_size(maria: myoscope.PathwayResult) -> None:
    from pypdf import PdfReader

    a4 = PdfReader(io.BytesIO(clinician_pdf(maria))).pages[0].mediabox
    letter = PdfReader(io.BytesIO(clinician_pdf(maria, page_size="Letter"))).pages[0].mediabox
    assert round(float(a4.width)) == 595 and round(float(letter.width)) == 612
    with pytest.raises(ReportError, match="unknown page size"):
        clinician_html(maria, page_size="A5")


def test_clinician_html_structure(maria: myoscope.PathwayResult) -> None:
    doc = lxml_html.fromstring(clinician_html(maria))
    ids = [s.get("id") for s in doc.iter("section")]
    assert ids == ["red-flags", "summary", "workup", "plan", "references", "signature"]
    rows = doc.xpath('//section[@id="summary"]//tbody/tr')
    from myoscope.report.summary import sort_definitions

    assert len(rows) == len(sort_definitions(maria).applies)
    assert [c.text_content().strip() for c in doc.xpath('//section[@id="summary"]//thead//th')] == [
        "Definition", "Outcome", "Decided, or what would decide it"]
    refs = doc.xpath('//section[@id="references"]//li')
    cited = {int(n) for n in re.findall(r"\[(\d+)\]", doc.text_content())}
    assert cited == set(range(1, len(refs) + 1))  # every number cited, every reference used
    assert doc.xpath('//section[@id="references"]//a[starts-with(@href, "https://doi.org/10.")]')


def test_patient_html_structure_and_reading_grade(maria: myoscope.PathwayResult) -> None:
    import textstat

    doc = lxml_html.fromstring(patient_html(maria))
    ids = [s.get("id") for s in doc.iter("section")]
    assert ids == ["get-help-now", "what-we-found", "what-it-means", "possible-reasons", "what-to-do"]
    body = " ".join(s.text_content() for s in doc.iter("section"))
    grade = textstat.flesch_kincaid_grade(body)
    assert grade <= 8, f"patient report reads at grade {grade}"


def test_every_patient_text_reads_at_grade_8_or_below() -> None:
    import textstat

    t = patient_texts()
    texts = [m[k] for m in t["meanings"].values() for k in ("found", "means", "helps") if k in m]
    texts += [t["nutrition"]["protein"]["foods"], t["no_finding"], t["not_checked"], t["not_for_age"], t["causes_intro"]]
    texts += [t["refractory"]["text"], t["refractory"]["tests"], *t["in_hospital"].values()]
    kb = myoscope.load_knowledge()  # plan items' patient texts
    from myoscope.plan.loader import load_plan_knowledge

    texts += [it.patient_text for it in load_plan_knowledge().spec.items.values() if it.patient_text]
    joined = " ".join(texts)
    assert kb.version and textstat.flesch_kincaid_grade(joined) <= 8


def test_no_clinical_number_in_the_patient_template() -> None:
    src = (Path(myoscope.__file__).parent / "report" / "templates" / "patient.html.j2").read_text()
    body = re.sub(r"\{[{%#].*?[}%#]\}", "", src.split("{% block body %}")[1])
    body = re.sub(r"<[^>]+>", "", body)  # tags (h1, h2) are not numbers
    assert not re.search(r"\d", body)


def test_protein_foods_cite_fooddata_central_and_their_grams_are_the_product() -> None:
    """Each food's grams are its FDC entry's protein per 100 g times the serving, rounded; a
    food whose serving is not verified says so (and is not checked here)."""
    foods = patient_texts()["nutrition"]["protein_foods"]
    assert foods["ref"] == "usda_fdc_sr_legacy_2018"
    checked = 0
    for f in foods["foods"]:
        assert isinstance(f["fdc_id"], int) and f["fdc_description"], f
        if f.get("serving_g") is None:
            assert f["unverified"], f
            continue
        grams = round(f["protein_g_per_100g"] * f["serving_g"] / 100)
        assert re.search(rf": {grams} grams$", f["text"]), (f["text"], grams)
        checked += 1
    assert checked >= 6
    texts = [f["text"] for f in foods["foods"]]
    assert "1 large egg: 6 grams" in texts and not any("1 egg: 7 grams" in t for t in texts)


#: the reviewer's record: Fearon 2011 refractory cachexia, decided (tests/plan/test_refractory.py)
REFRACTORY = {
    "sex": "female", "age": 72, "height": "160 cm", "weight": "42 kg", "conditions": ["cancer"],
    "weight_history": [{"months_ago": 6, "weight": 50}], "performance_status": 4,
    "life_expectancy_months": 1, "cancer_unresponsive_to_treatment": True, "anorexia": True,
    "fatigue": True, "grip_strength": 10, "plan_constraints": {"cancer_treatment": ["palliative"]},
}


def test_patient_report_in_refractory_cachexia_promises_no_reversal_and_offers_no_tests() -> None:
    """The plan's refractory constraint (comfort care) decides what the patient reads: no
    "exercise and enough protein can help", no scan to measure muscle, and the comfort text."""
    t = patient_texts()
    doc = lxml_html.fromstring(patient_html(myoscope.assess(REFRACTORY)))
    text = doc.text_content()
    assert t["meanings"]["weak_muscles"]["found"] in text  # grip alone: weak, not yet sarcopenia
    for promise in [m["helps"] for m in t["meanings"].values() if "helps" in m] + ["DXA", "stay active"]:
        assert promise not in text, promise
    assert t["refractory"]["text"] in text and t["refractory"]["tests"] in text
    # cachexia that is not refractory keeps what helps and the tests
    other = patient_html(myoscope.assess({**REFRACTORY, "performance_status": 3, "life_expectancy_months": 12}))
    assert t["meanings"]["weak_muscles"]["helps"] in other and "DXA" in other
    assert t["refractory"]["text"] not in other


def test_nothing_measured_is_not_told_as_nothing_found() -> None:
    # a missing measurement is unknown: "the checks did not find it" would read as a normal result
    def found(record: dict[str, object]) -> str:
        doc = lxml_html.fromstring(patient_html(myoscope.run_pathway(record)))
        return " ".join(doc.xpath('//section[@id="what-we-found"]')[0].text_content().split())

    texts = patient_texts()
    nothing = found({"sex": "female", "age": 80, "conditions": ["heart_failure"]})
    assert texts["not_checked"] in nothing and texts["no_finding"] not in nothing
    normal = found({"sex": "female", "age": 80, "height": 160, "weight": 60, "grip_strength": 30,
                    "chair_stand_time": 9})
    assert texts["no_finding"] in normal and texts["not_checked"] not in normal
    # a child is outside every adult definition: not "missing", not "normal"
    child = found({"sex": "male", "age": 6, "height": 115, "weight": 20, "grip_strength": 6})
    assert texts["not_for_age"] in child and texts["not_checked"] not in child
    infant = found({"sex": "male", "age": 0.6, "history": {"symptoms": {"delayed_motor_milestones": True},
                                                            "signs": {"reflexes": "absent"}}})
    assert texts["not_for_age"] in infant  # nothing measured, and no check would apply anyway


def test_no_list_of_foods_beside_a_recorded_swallowing_difficulty() -> None:
    # which textures are safe is the swallowing assessment's to say (nut_swallowing_assessment)
    base = {"sex": "male", "age": 78, "height": 170, "weight": 60, "grip_strength": 20,
            "chair_stand_time": 18}

    def what_to_do(swallowing: bool) -> str:
        record = {**base, "history": {"symptoms": {"swallowing_difficulty": swallowing}}}
        doc = lxml_html.fromstring(patient_html(myoscope.run_pathway(record)))
        return " ".join(doc.xpath('//section[@id="what-to-do"]')[0].text_content().split())

    foods = patient_texts()["nutrition"]["protein_foods"]["foods"][-1]["text"]
    hard = what_to_do(True)
    assert "swallowing checked" in hard and "grams of protein each day" in hard and foods not in hard
    assert foods in what_to_do(False)


def test_at_high_refeeding_risk_the_patient_is_told_to_build_up_not_the_full_targets() -> None:
    # NICE CG32: start low and build up over 4-7 days; "Aim for about 2000 kcal" would say otherwise
    record = {"sex": "male", "age": 70, "height": 175, "weight": 66, "grip_strength": 22,
              "food_intake_percent": 0, "reduced_intake_days": 12}
    doc = lxml_html.fromstring(patient_html(myoscope.run_pathway(record)))
    text = " ".join(doc.xpath('//section[@id="what-to-do"]')[0].text_content().split())
    assert "build it up over about a week" in text and "thiamine" in text
    assert "calories (kcal) each day" not in text and "grams of protein each day" not in text


def test_a_person_in_hospital_is_told_to_tell_the_ward_not_to_go_to_hospital() -> None:
    # review 2026-12-07: a ward patient read "Get emergency medical help now" and "Go to a hospital
    # emergency department today"
    texts = patient_texts()
    record = {"sex": "male", "age": 40, "history": {
        "symptoms": {"dark_urine": True, "muscle_pain": True, "weakness": False},
        "tempo": "days", "labs": {"ck": 6000, "ck_upper_limit": 200}}}

    def help_now(setting: str) -> str:
        doc = lxml_html.fromstring(patient_html(myoscope.run_pathway({**record, "setting": setting})))
        return " ".join(doc.xpath('//section[@id="get-help-now"]')[0].text_content().split())

    ward = help_now("hospital")
    assert ward.startswith("Tell your care team") and texts["in_hospital"]["emergency"] in ward
    assert "emergency department" not in ward and "Get emergency medical help" not in ward
    home = help_now("community")
    assert texts["in_hospital"]["emergency"] not in home and "emergency" in home.lower()


def test_a_kidney_protein_target_is_agreed_with_the_renal_team() -> None:
    # KDOQI 2020's low-protein targets are given under close supervision by a renal dietitian
    record = {"sex": "female", "age": 74, "height": 160, "weight": 60, "grip_strength": 14,
              "chair_stand_time": 18, "conditions": ["ckd"],
              "plan_constraints": {"egfr": 22, "dialysis": False, "metabolically_stable": True}}
    doc = lxml_html.fromstring(patient_html(myoscope.run_pathway(record)))
    text = " ".join(doc.xpath('//section[@id="what-to-do"]')[0].text_content().split())
    assert "grams of protein each day" in text
    assert patient_texts()["nutrition"]["protein"]["kidney"] in text


def test_the_kidney_rules_of_the_patient_texts_are_computed_protein_rules() -> None:
    from myoscope.plan.loader import load_plan_knowledge

    computed = {r.id for r in load_plan_knowledge().spec.protein_rules if r.computed}
    assert set(patient_texts()["nutrition"]["protein"]["kidney_rules"]) <= computed


def test_in_intensive_care_the_patient_is_told_the_team_builds_protein_up_not_to_eat_it() -> None:
    """ESPEN 2023 (recommendation 25): 1.3 g/kg/day delivered progressively by the ICU team. The
    patient report said "Eat about 104 grams of protein each day" with a list of foods."""
    from myoscope.plan.loader import load_plan_knowledge

    texts = patient_texts()["nutrition"]["protein"]
    assert set(texts["care_team_rules"]) <= {r.id for r in load_plan_knowledge().spec.protein_rules}
    result = myoscope.assess({"id": "icu1", "sex": "male", "age": 64, "setting": "icu", "height": "178 cm",
                              "weight": "80 kg", "grip_strength": 12})
    page = patient_html(result)
    assert texts["care_team"].format(per_day="104") in page
    assert "Eat about" not in page and "chicken breast" not in page
