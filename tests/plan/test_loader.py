"""interventions.yaml: every item cited and graded; malformed or uncited knowledge is refused."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml

from myoscope.errors import KnowledgeError
from myoscope.plan import load_plan_knowledge
from myoscope.plan.loader import load_plan_knowledge_from


def test_embedded_knowledge_loads_and_every_item_is_cited() -> None:
    pk = load_plan_knowledge()
    assert pk.version.startswith(pk.spec.version + "+") or "+" in pk.version
    assert len(pk.spec.items) > 50
    for iid, item in pk.spec.items.items():
        assert item.citation.ref in pk.references, iid
        assert item.evidence.strength, iid
        if item.section == "follow_up":
            assert item.interval, iid
    for rule in [*pk.spec.protein_rules, *pk.spec.energy_rules]:
        assert rule.citation.ref in pk.references, rule.id
    # the honest grading of the ultrasound evidence is data, not prose
    assert pk.spec.items["nr_ultrasound"].evidence.strength == "animal_only"
    assert pk.spec.items["ex_resistance"].evidence.strength == "strong"
    assert pk.spec.items["nr_vitamin_d"].evidence.strength == "no_recommendation"


@pytest.fixture
def knowledge_copy(tmp_path: Path) -> Path:
    src = Path(str(resources.files("myoscope.knowledge")))
    dst = tmp_path / "knowledge"
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return dst


def edit(directory: Path, change: Callable[[dict[str, Any]], None]) -> None:
    path = directory / "interventions.yaml"
    data = yaml.safe_load(path.read_text("utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), "utf-8")


def test_a_copy_loads(knowledge_copy: Path) -> None:
    assert load_plan_knowledge_from(knowledge_copy).spec.items.keys() == load_plan_knowledge().spec.items.keys()


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d["items"]["ex_resistance"].pop("citation"), "items.ex_resistance.citation: Field required"),
    (lambda d: d["items"]["ex_resistance"].pop("evidence"), "items.ex_resistance.evidence: Field required"),
    (lambda d: d["protein_rules"][0].pop("citation"), "protein_rules.0.citation: Field required"),
    (lambda d: d["thresholds"]["obesity_bmi"].pop("citation"), "thresholds without a citation: obesity_bmi"),
    (lambda d: d["items"]["ex_resistance"].update(citation={"ref": "nobody_2099"}),
     "items.ex_resistance: unknown reference 'nobody_2099'"),
    (lambda d: d["items"]["ex_resistance"].update(colour="red"), "items.ex_resistance.colour: Extra inputs are not permitted"),
    (lambda d: d["items"]["ex_resistance"]["when"].update(flags_all=["flying"]), "items.ex_resistance: unknown flag(s) flying"),
    (lambda d: d["items"]["ex_als_resistance"]["when"].update(causes_any=["gout"]), "unknown cause(s) gout"),
    (lambda d: d["items"]["cause_acute_inflammatory_neuropathy"]["when"].update(causes_supported=["gbs"]),
     "items.cause_acute_inflammatory_neuropathy: unknown cause(s) gbs"),
    (lambda d: d["items"]["cause_acute_inflammatory_neuropathy_unconfirmed"]["when"].update(causes_weak=["gbs"]),
     "items.cause_acute_inflammatory_neuropathy_unconfirmed: unknown cause(s) gbs"),
    (lambda d: d["items"]["fu_response"].pop("interval"), "a follow-up item needs an interval"),
    (lambda d: d["items"]["cause_als"].pop("urgency"), "a referral needs refer_to and urgency"),
    (lambda d: d["items"]["fu_response"].update(repeat=["grip_strenght"]), "unknown measure 'grip_strenght'"),
    (lambda d: d["causes"]["als"].update(conditions=["motor_neurone"]), "unknown record condition 'motor_neurone'"),
    (lambda d: d["energy_rules"].pop(), "energy_rules: the last rule must apply always"),
    (lambda d: d["refeeding"]["minor"][-1].update(includes="chemo"),
     "refeeding: cancer_treatment is not a constraint field with the value 'chemo'"),
])
def test_refuses_bad_knowledge(knowledge_copy: Path, change: Callable[[dict[str, Any]], None], message: str) -> None:
    edit(knowledge_copy, change)
    with pytest.raises(KnowledgeError) as err:
        load_plan_knowledge_from(knowledge_copy)
    assert message in str(err.value)
