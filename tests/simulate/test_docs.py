"""docs/simulate.md documents every parameter and claim, and its calibration table is current."""

from __future__ import annotations

from pathlib import Path

from myoscope.simulate.evidence import run_calibration
from myoscope.simulate.parameters import TrajectoryKnowledge

DOC = (Path(__file__).parents[2] / "docs" / "simulate.md").read_text()


def test_every_parameter_and_state_is_documented(kb: TrajectoryKnowledge) -> None:
    for pid in kb.parameters:
        assert f"`{pid}`" in DOC, pid
    for state in kb.spec.states:
        assert state in DOC, state


def test_calibration_table_matches_a_live_run(kb: TrajectoryKnowledge) -> None:
    rows = {line.split(" | ")[0].lstrip("| "): line for line in DOC.splitlines() if line.startswith("| ")}
    for r in run_calibration(kb, draws=400, seed=0):  # the settings the CLI and the page use
        unit = {"loss_percent": "%", "annual_loss_rate": "%/yr", "rate_ratio": ""}[r.spec.measure.kind]
        assert f"| {r.central:.1f}{unit} ({r.p5:.1f}–{r.p95:.1f}) |" in rows[r.spec.label], r.spec.id
