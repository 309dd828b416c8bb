"""GLIS (Kirk et al., Age Ageing 2024) has a conceptual definition and no operational cut-offs.

A `glis` definition may ship only with published, cited cut-offs: every comparison needs a
non-null cut-off and a citation that names the table or page it was read in. Until one ships,
docs/definitions.md says that there is none, and why.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from myoscope import load_knowledge
from myoscope.knowledge.loader import Knowledge
from myoscope.rules.nodes import Compare, Score

ROOT = Path(__file__).parent.parent.parent
KNOWLEDGE = ROOT / "src" / "myoscope" / "knowledge"


def glis_problems(kb: Knowledge) -> list[str]:
    """Why each `glis` definition in ``kb`` may not ship (empty when all may)."""
    problems = []
    for d in kb.definitions.values():
        if not d.id.startswith("glis"):
            continue
        compares = [n for n in d.components.values() if isinstance(n, Compare | Score)]
        if not compares:
            problems.append(f"{d.id}: no cut-off at all")
        for n in compares:
            if isinstance(n, Compare) and all(c.value is None for c in n.cutoffs):
                problems.append(f"{d.id}.{n.name}: no published cut-off")
            if not n.source.locator:
                problems.append(f"{d.id}.{n.name}: the citation names no table or page")
    return problems


def test_no_glis_definition_ships_without_cited_cutoffs() -> None:
    assert glis_problems(load_knowledge()) == []


def test_docs_say_glis_has_no_operational_cutoffs_while_none_ships() -> None:
    text = (ROOT / "docs" / "definitions.md").read_text()
    if not any(d.startswith("glis") for d in load_knowledge().definitions):
        flat = " ".join(text.split())
        assert "GLIS" in flat and "no operational cut-offs" in flat


def _knowledge_with(tmp_path: Path, name: str, text: str) -> Knowledge:
    for part in ("references.yaml", "references", "definitions"):
        src = KNOWLEDGE / part
        (shutil.copytree if src.is_dir() else shutil.copy)(src, tmp_path / part)
    (tmp_path / "definitions" / name).write_text(text)
    return load_knowledge(tmp_path)


GLIS_WITHOUT_CUTOFFS = """\
id: glis2024
title: GLIS 2024 conceptual definition
version: "2024"
source: {ref: kirk_2024_glis}
population: {text: Adults, source: {ref: kirk_2024_glis}}
outcomes: [sarcopenia]
components:
  low_grip:
    source: {ref: kirk_2024_glis}
    compare: {measure: grip_strength, comparator: "<", cutoffs: [{value: null}]}
rules:
  - {outcome: sarcopenia, when: low_grip}
"""


def test_the_check_refuses_a_glis_definition_without_cutoffs(tmp_path: Path) -> None:
    kb = _knowledge_with(tmp_path, "glis2024.yaml", GLIS_WITHOUT_CUTOFFS)
    assert glis_problems(kb) == [
        "glis2024.low_grip: no published cut-off",
        "glis2024.low_grip: the citation names no table or page",
    ]


def test_the_check_accepts_cited_cutoffs(tmp_path: Path) -> None:
    cited = GLIS_WITHOUT_CUTOFFS.replace("source: {ref: kirk_2024_glis}\n    compare",
                                         "source: {ref: kirk_2024_glis, locator: Table 2}\n    compare")
    cited = cited.replace("[{value: null}]", "[{value: 27}]")
    assert glis_problems(_knowledge_with(tmp_path, "glis2024.yaml", cited)) == []
