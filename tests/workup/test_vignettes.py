"""Golden vignettes (tests/workup/vignettes/*.yaml): textbook presentations, each with its citation.

Each case states the cause that must rank first, causes that must not be listed, and the red flags
that must (or must not) fire. The vignettes are constructed from the cited sources, not real
patients; they pin the knowledge base's weights to the presentations the sources describe.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from myoscope.knowledge import load_knowledge
from myoscope.record import parse_record
from myoscope.workup import workup
from myoscope.workup.loader import REQUIRED_CAUSES

VIGNETTES = Path(__file__).parent / "vignettes"
EXPECT_KEYS = {"expect_first", "expect_absent", "expect_in", "expect_red_flags", "expect_no_red_flag",
               "expect_no_red_flags", "expect_top_urgency", "expect_set_aside", "expect_criteria"}


def _cases() -> list[tuple[str, dict[str, Any]]]:
    out = []
    for path in sorted(VIGNETTES.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text("utf-8"))
        for case in doc["cases"]:
            out.append((f"{path.stem}: {case['name']}", case))
    return out


CASES = _cases()


def test_at_least_two_cited_vignettes_rank_each_required_cause_first() -> None:
    firsts: dict[str, int] = {}
    for _, case in CASES:
        if "expect_first" in case:
            firsts[case["expect_first"]] = firsts.get(case["expect_first"], 0) + 1
    assert {c: firsts.get(c, 0) for c in REQUIRED_CAUSES if firsts.get(c, 0) < 2} == {}


def test_negative_and_red_flag_vignettes_exist() -> None:
    assert sum(1 for _, c in CASES if c.get("expect_absent")) >= 10
    assert sum(1 for _, c in CASES if c.get("expect_red_flags") or c.get("expect_no_red_flag")) >= 8


@pytest.mark.parametrize(("name", "case"), CASES, ids=[n for n, _ in CASES])
def test_vignette(name: str, case: dict[str, Any]) -> None:
    assert set(case) - {"name", "citation", "record"} <= EXPECT_KEYS, "unknown expectation key"
    refs = load_knowledge().references
    assert case["citation"]["ref"] in refs and case["citation"]["locator"], "every vignette is cited"
    w = workup(parse_record(case["record"], source=name))
    ranked = [c.id for c in w.candidates]
    flags = [r.id for r in w.red_flags]
    if "expect_first" in case:
        assert ranked and ranked[0] == case["expect_first"], ranked
    for cause in case.get("expect_absent", []):
        assert cause not in ranked, ranked
    for cause in case.get("expect_in", []):
        assert cause in ranked, ranked
    for flag in case.get("expect_red_flags", []):
        assert flag in flags, flags
    for flag in case.get("expect_no_red_flag", []):
        assert flag not in flags, flags
    if case.get("expect_no_red_flags"):
        assert flags == []
    if "expect_top_urgency" in case:
        assert w.red_flags and w.red_flags[0].urgency == case["expect_top_urgency"]
    for cause in case.get("expect_set_aside", []):
        assert cause in [s["id"] for s in w.set_aside]
    for crit_id, outcome in case.get("expect_criteria", {}).items():
        results = {c.id: c for cand in w.candidates for c in cand.criteria}
        assert results[crit_id].outcome == outcome
