"""trajectory.yaml: every parameter cited, ranges coherent, and the loader refuses what is not."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from myoscope.errors import KnowledgeError
from myoscope.simulate.parameters import TrajectoryKnowledge, load_trajectory_from

KNOWLEDGE = Path(__file__).parents[2] / "src" / "myoscope" / "knowledge"


def copy_knowledge(tmp_path: Path) -> Path:
    target = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, target, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return target


def edit(directory: Path, change: object) -> None:
    path = directory / "trajectory.yaml"
    data = yaml.safe_load(path.read_text())
    change(data)  # type: ignore[operator]
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def test_every_value_has_a_range_containing_its_central_value_and_a_known_source(kb: TrajectoryKnowledge) -> None:
    assert len(kb.parameters) >= 25
    for pid, p in kb.parameters.items():
        for v in p.values:
            assert v.range[0] <= v.central <= v.range[1], pid
            assert v.sources and all(s.ref in kb.references for s in v.sources), pid


def test_unconfirmed_rate_after_80_is_shipped_as_a_labelled_assumption(kb: TrajectoryKnowledge) -> None:
    after_80 = [v for v in kb.parameters["ageing_mass_rate"].values if v.when.age and v.when.age.ge == 80]
    assert after_80 and after_80[0].basis == "assumption" and "UNCONFIRMED" in (after_80[0].note or "")


def test_loader_refuses_a_parameter_without_sources(tmp_path: Path) -> None:
    d = copy_knowledge(tmp_path)
    edit(d, lambda data: data["parameters"]["icu_initial_rate"]["values"][0].update(sources=[]))
    with pytest.raises(KnowledgeError, match=r"parameters\.icu_initial_rate\.values\.0\.sources"):
        load_trajectory_from(d)


def test_loader_refuses_unknown_keys_and_unknown_references_at_once(tmp_path: Path) -> None:
    d = copy_knowledge(tmp_path)
    edit(d, lambda data: data["parameters"]["icu_initial_rate"].update(colour="red"))
    with pytest.raises(KnowledgeError, match="colour"):
        load_trajectory_from(d)
    d2 = copy_knowledge(tmp_path / "b")

    def bad_refs(data: dict) -> None:  # type: ignore[type-arg]
        data["parameters"]["icu_initial_rate"]["values"][0]["sources"][0]["ref"] = "nobody_2099"
        data["claims"][0]["checks"].append("no_such_check")

    edit(d2, bad_refs)
    with pytest.raises(KnowledgeError) as exc:
        load_trajectory_from(d2)
    assert "unknown reference 'nobody_2099'" in str(exc.value)
    assert "unknown calibration check 'no_such_check'" in str(exc.value)


def test_loader_refuses_a_central_value_outside_its_range(tmp_path: Path) -> None:
    d = copy_knowledge(tmp_path)
    edit(d, lambda data: data["parameters"]["icu_initial_rate"]["values"][0].update(central=9.0))
    with pytest.raises(KnowledgeError, match="outside range"):
        load_trajectory_from(d)
