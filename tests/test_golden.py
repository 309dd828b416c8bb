"""Golden cases from the papers (tests/golden/*.yaml), and coverage of every outcome.

Each file names its source; each case names the rule of the paper it exercises. A case lists
``definitions`` when it needs a variant (variants are not assessed by default).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from myoscope import assess, load_knowledge

GOLDEN = Path(__file__).parent / "golden"


def load_cases() -> list[tuple[str, dict[str, Any]]]:
    out = []
    for path in sorted(GOLDEN.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text())
        if "cases" not in doc:
            continue
        assert doc.get("source", {}).get("ref"), f"{path.name} has no source"
        for case in doc["cases"]:
            assert case.get("cite"), f"{path.name}: {case.get('name')} has no citation"
            out.append((f"{path.stem}: {case['name']}", case))
    return out


CASES = load_cases()


@pytest.mark.parametrize(("name", "case"), CASES, ids=[n for n, _ in CASES])
def test_golden_case(name: str, case: dict[str, Any]) -> None:
    ids = case.get("definitions") or list(case["expect"])
    a = assess(case["record"], ids)
    for def_id, want in case["expect"].items():
        got = a.results[def_id]
        for key, value in want.items():
            assert getattr(got, key) == value, f"{def_id}.{key}: {getattr(got, key)!r} != {value!r}"


def test_every_outcome_of_every_definition_is_reached() -> None:
    reached: dict[str, set[str]] = {}
    for _, case in CASES:
        for def_id, want in case["expect"].items():
            if "outcome" in want:
                reached.setdefault(def_id, set()).add(want["outcome"])
    for d in load_knowledge().definitions.values():
        missing = set(d.vocabulary) - reached.get(d.id, set())
        assert not missing, f"{d.id}: no golden case reaches {sorted(missing)}"
