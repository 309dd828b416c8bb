"""knowledge/changes.yaml: loads, cites, and refuses what it must refuse."""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path

import pytest
import yaml

from myoscope.errors import KnowledgeError
from myoscope.registry.knowledge import load_change_rules


def copy_knowledge(tmp_path: Path) -> Path:
    src = Path(str(resources.files("myoscope.knowledge")))
    dst = tmp_path / "knowledge"
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return dst


def edit(directory: Path, change: object) -> None:
    path = directory / "changes.yaml"
    data = yaml.safe_load(path.read_text())
    change(data)  # type: ignore[operator]
    path.write_text(yaml.safe_dump(data))


def test_embedded_rules_load_with_their_citations() -> None:
    rules = load_change_rules()
    assert [lv.value for lv in rules.mcid["gait_speed"].levels] == [0.05, 0.10]
    assert rules.cite(rules.mcid["grip_strength"].source).startswith("Bohannon 2019 (doi:10.1589/jpts.31.75)")
    grip = rules.expected_rate("grip_strength", "female", 74.0)
    assert grip is not None and grip.per_year == -0.31 and grip.citation.startswith("Frederiksen et al. 2006")
    assert rules.expected_rate("grip_strength", "female", 90.0) is None  # no cited rate: no comparator
    assert rules.window_months == [6.0, 12.0]


def test_asm_follows_the_simulators_ageing_parameter() -> None:
    """trajectory.yaml: leg lean mass 0.90 %/yr (continuous) at 70-79, women x 0.75."""
    import math

    rules = load_change_rules()
    man = rules.expected_rate("asm", "male", 75.0)
    woman = rules.expected_rate("asm", "female", 75.0)
    assert man is not None and woman is not None
    assert man.percent_per_year == pytest.approx(-(1 - math.exp(-0.009)) * 100)  # -0.896 %/yr
    assert woman.percent_per_year == pytest.approx(-(1 - math.exp(-0.009 * 0.75)) * 100)  # -0.673 %/yr
    assert man.citation.startswith("simulator ageing parameter ageing_mass_rate (central): Goodpaster")
    young = rules.expected_rate("asm", "male", 30.0)
    assert young is not None and young.percent_per_year == 0.0


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d["mcid"]["gait_speed"].update(colour="red"), "Extra inputs are not permitted"),
    (lambda d: d["mcid"]["gait_speed"]["source"].update(ref="nobody_2099"), "unknown reference 'nobody_2099'"),
    (lambda d: d["mcid"]["gait_speed"]["levels"].reverse(), "smallest to the largest"),
    (lambda d: d["mcid"].update(shoe_size=d["mcid"]["gait_speed"]), "'shoe_size' is not a measured quantity"),
    (lambda d: d["weight_loss"][0].pop("source"), "source"),
    (lambda d: d["expected_ageing"]["asm"]["trajectory"].update(parameter="hair_loss_rate"),
     "trajectory.yaml has no parameter 'hair_loss_rate'"),
    (lambda d: d["expected_ageing"]["asm"].update(bands=d["expected_ageing"]["grip_strength"]["bands"]),
     "either bands or trajectory"),
])
def test_refuses_unknown_keys_uncited_entries_and_unknown_measures(tmp_path: Path, change: object,
                                                                   message: str) -> None:
    directory = copy_knowledge(tmp_path)
    edit(directory, change)
    with pytest.raises(KnowledgeError, match=message):
        load_change_rules(directory)
