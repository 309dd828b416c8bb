"""selfcheck.yaml and guide.yaml: every pointer resolves, and the loader refuses a broken file."""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path

import pytest

from myoscope.errors import KnowledgeError
from myoscope.selfcheck import record_from, run_check, warning_signs_needed
from myoscope.selfcheck.knowledge import load_public_knowledge_from, public_knowledge
from myoscope.workup.loader import workup_knowledge

SRC = Path(str(resources.files("myoscope.knowledge")))


def copy(tmp_path: Path) -> Path:
    for name in ("selfcheck.yaml", "guide.yaml"):
        shutil.copy(SRC / name, tmp_path / name)
    return tmp_path


@pytest.mark.parametrize(("file", "old", "new", "message"), [
    ("selfcheck.yaml", "ref: calf_protocols_2022", "ref: no_such_reference", "unknown reference"),
    ("selfcheck.yaml", "looks_for: bulbar_symptoms", "looks_for: no_such_flag", "unknown red flag"),
    ("selfcheck.yaml", "{answer: some, text: Some}", "{answer: sometimes, text: Some}", "not a SARC-F answer"),
    ("selfcheck.yaml", "  ex_balance:", "  ex_no_such_item:", "unknown plan item"),
    ("guide.yaml", "  statin_myopathy:", "  not_a_cause:", "no entry for the causes statin_myopathy"),
    ("guide.yaml", "parameter: icu_initial_rate", "parameter: no_such_rate", "unknown trajectory parameter"),
])
def test_the_loader_refuses_a_broken_pointer(tmp_path: Path, file: str, old: str, new: str, message: str) -> None:
    d = copy(tmp_path)
    text = (d / file).read_text("utf-8")
    assert old in text
    (d / file).write_text(text.replace(old, new, 1), "utf-8")
    with pytest.raises(KnowledgeError, match=message):
        load_public_knowledge_from(d)


def test_every_red_flag_a_person_can_report_is_asked() -> None:
    """Each red flag whose facts are all history symptoms, tempo, course or intake can be raised by
    the self-check's questions (the others need a clinician: CK, reflexes, age 65 with weights).
    The distribution of weakness is a clinician's record; a person reports one side weaker."""
    k = public_knowledge().check
    asked = {a.field for a in [*k.story, *k.warning_signs]}
    wk = workup_knowledge()
    reportable = []
    for fid, flag in wk.spec.red_flags.items():
        facts = {f for f in _facts(flag.when, wk)}
        if facts and all(f.startswith("history.") and not f.startswith(("history.labs", "history.signs"))
                         for f in facts) and not facts & {"history.onset_age", "history.family_history"}:
            reportable.append(fid)
            assert facts - {"history.distribution"} <= asked, (fid, facts - asked)
    assert {"acute_weakness_over_days", "suspected_myasthenia", "dark_urine_with_muscle_symptoms",
            "sudden_focal_weakness"} <= set(reportable)


def _facts(when: object, wk: object) -> list[str]:
    out: list[str] = []
    if isinstance(when, dict):
        if "fact" in when:
            out.append(str(when["fact"]))
        if "finding" in when:
            out += _facts(wk.spec.findings[when["finding"]].when, wk)  # type: ignore[attr-defined]
        for k, v in when.items():
            # an exception (``unless``: a limb in a cast) only ever sets a flag aside: a person need
            # not be asked it for the flag to be raised
            if isinstance(v, (dict, list)) and k != "unless":
                out += _facts(v, wk)
    elif isinstance(when, list):
        for v in when:
            out += _facts(v, wk)
    return out


def test_only_explicit_answers_trigger_the_warning_signs() -> None:
    assert warning_signs_needed({}) == []
    assert warning_signs_needed({"history.tempo": "years"}) == []
    assert warning_signs_needed({"history.tempo": "days"}) == ["sudden_focal_weakness", "acute_weakness_over_days"]
    assert warning_signs_needed({"history.tempo": "weeks"}) == ["acute_weakness_over_days"]
    assert warning_signs_needed({"history.symptoms.dark_urine": "no"}) == []
    assert warning_signs_needed({"history.symptoms.dark_urine": "yes"}) == ["dark_urine_with_muscle_symptoms"]


def test_the_record_holds_only_what_was_answered() -> None:
    rec = record_from({"sarc_f.strength": "some", "sarc_f.falls": "4", "history.symptoms.ptosis": "no",
                       "weight": "150", "unit.weight": "lb", "weight_before": "160", "weight_before_months": "9"})
    assert rec == {"id": "self-check", "sarc_f": {"strength": "some", "falls_past_year": 4},
                   "history": {"symptoms": {"ptosis": False}}, "weight": "150 lb",
                   "weight_history": [{"months_ago": 9, "weight": "160 kg"}]}


def test_unknown_sex_leaves_a_sex_dependent_verdict_undecided() -> None:
    base = {"sarc_f.strength": "some", "sarc_f.assistance_walking": "none", "sarc_f.rise_from_chair": "none",
            "sarc_f.climb_stairs": "none", "sarc_f.falls": "0", "calf_circumference": "33.5"}
    # 33.5 cm is low for men (< 34) and not for women (< 33): SARC-CalF 11 vs 1
    r = run_check(base)
    calf = next(v for v in r.verdicts if v.definition == "sarc_calf")
    assert calf.outcome == "indeterminate" and not calf.decided
    assert any("male or female" in u for u in r.undecided)
    assert next(v for v in run_check(base | {"sex": "male"}).verdicts if v.definition == "sarc_calf").outcome == "positive"
    assert next(v for v in run_check(base | {"sex": "female"}).verdicts if v.definition == "sarc_calf").outcome == "negative"


def test_the_result_object_has_the_project_shape() -> None:
    r = run_check({"sarc_f.strength": "a_lot_or_unable", "sarc_f.assistance_walking": "uses_aids",
                   "sarc_f.rise_from_chair": "some", "sarc_f.climb_stairs": "some", "sarc_f.falls": "1",
                   "weight": "60", "age": "75"})
    assert "sarc_f positive" in r.summary
    assert r.to_dict()["verdicts"][0]["outcome"] == "positive"
    assert "sarc_f: positive" in str(r) and r._repr_html_().startswith("<ul>")
    assert r.protein is not None and r.protein["per_day"][0] > 0
