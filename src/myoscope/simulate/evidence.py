"""The calibration checks of trajectory.md §8.3, run live, and the verdicts on the source claims.

Each calibration row in trajectory.yaml is a small scenario (a person and a timeline), a measure
(loss at a day, mean yearly loss, or the strength/mass loss-rate ratio) and what was observed
with its stated spread. A check agrees when the observed spread overlaps the model's 5-95% band.
The claims print these model results beside the evidence, so the CLI says what the evidence
shows rather than just numbers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np

from .montecarlo import draw_table, run
from .parameters import CalibrationSpec, ClaimSpec, TrajectoryKnowledge, load_trajectory
from .plan import DAYS_PER_YEAR, build_plan
from .scenarios import parse_scenario

VERDICTS = {
    "supported": "supported",
    "high_end_only": "the high end of the evidence only (the high ageing scenario, not the central one)",
    "critical_illness_only": "supported only in critical illness, and there only by extrapolation",
    "not_supported": "not supported",
}


@dataclass
class CheckResult:
    """One calibration row: the model's central run and 5-95% band against the observation."""

    spec: CalibrationSpec
    central: float
    p5: float
    p95: float
    citation: str

    @property
    def agrees(self) -> bool | None:
        """Observed spread overlaps the model band (None for an illustration without observation)."""
        obs = self.spec.observed
        if obs is None:
            return None
        return max(self.p5, obs.low) <= min(self.p95, obs.high)

    @property
    def central_within(self) -> bool | None:
        obs = self.spec.observed
        return None if obs is None else obs.low <= self.central <= obs.high

    def describe(self) -> str:
        unit = {"loss_percent": "%", "annual_loss_rate": "%/yr", "rate_ratio": ""}[self.spec.measure.kind]
        what = {"loss_percent": "loss", "annual_loss_rate": "mean yearly loss", "rate_ratio": "ratio"}[
            self.spec.measure.kind
        ]
        text = (
            f"{self.spec.label}: model {what} {self.central:.1f}{unit} (5-95%: {self.p5:.1f}-{self.p95:.1f})"
        )
        obs = self.spec.observed
        if obs is not None:
            shown = f"{obs.value:g}" if obs.value is not None else f"{obs.low:g}-{obs.high:g}"
            spread = (
                f", spread {obs.low:g}-{obs.high:g}" if obs.value is not None and obs.low != obs.high else ""
            )
            text += f"; observed {shown}{unit}{spread} ({obs.spread}; {self.citation})"
            text += " -> agrees" if self.agrees else " -> does not agree"
        return text

    def to_dict(self) -> dict[str, Any]:
        obs = self.spec.observed
        return {
            "id": self.spec.id,
            "label": self.spec.label,
            "role": self.spec.role,
            "measure": self.spec.measure.model_dump(),
            "central": round(self.central, 3),
            "p5": round(self.p5, 3),
            "p95": round(self.p95, 3),
            "observed": obs.model_dump() if obs else None,
            "source": self.citation,
            "agrees": self.agrees,
            "central_within_spread": self.central_within,
            "known_miss": self.spec.known_miss,
        }


@dataclass
class ClaimResult:
    spec: ClaimSpec
    checks: list[CheckResult]
    cited: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.spec.id,
            "claim": self.spec.claim,
            "cited_source": self.cited,
            "verdict": self.spec.verdict,
            "verdict_text": VERDICTS[self.spec.verdict],
            "summary": " ".join(self.spec.summary.split()),
            "checks": [c.to_dict() for c in self.checks],
        }


def _measure(kind: str, mass: np.ndarray, strength: np.ndarray, quantity: str, day: float) -> np.ndarray:
    idx = mass if quantity == "muscle_mass" else strength
    if kind == "loss_percent":
        result: np.ndarray = 100 * (1 - idx)
    elif kind == "annual_loss_rate":
        result = 100 * (1 - idx ** (DAYS_PER_YEAR / day))
    else:
        result = np.log(strength) / np.log(mass)
    return result


def run_calibration(
    kb: TrajectoryKnowledge | None = None,
    draws: int = 400,
    seed: int | None = 0,
    ids: list[str] | None = None,
) -> list[CheckResult]:
    """Run every calibration row (or ``ids``), each case once, and compare with the observations."""
    kb = kb or load_trajectory()
    rows = [c for c in kb.spec.calibration if ids is None or c.id in ids]
    cases: dict[str, list[CalibrationSpec]] = {}
    for c in rows:
        cases.setdefault(json.dumps(c.case, sort_keys=True), []).append(c)
    out: dict[str, CheckResult] = {}
    for key, group in cases.items():
        case = json.loads(key)
        scenario = parse_scenario(
            {k: v for k, v in case.items() if k not in ("age", "sex", "years")},
            source=f"calibration {group[0].id}",
            knowledge=kb,
        )
        horizon = max(c.measure.day for c in group)
        _, steps = build_plan(scenario, kb, float(case["age"]), horizon, "day" if horizon <= 400 else "month")
        table = draw_table(kb, case["sex"], draws, seed, scenario.parameters)
        result = run(steps, table, draws, capture={float(c.measure.day) for c in group})
        for c in group:
            got = result.captured[float(c.measure.day)]
            values = _measure(
                c.measure.kind, got["muscle_mass"], got["strength"], c.measure.quantity, float(c.measure.day)
            )
            p5, p95 = np.quantile(values[:draws], (0.05, 0.95))
            out[c.id] = CheckResult(c, float(values[draws]), float(p5), float(p95), kb.cite(c.source))
    return [out[c.id] for c in rows]


def evaluate_claims(
    kb: TrajectoryKnowledge | None = None, draws: int = 400, seed: int | None = 0
) -> tuple[list[ClaimResult], list[CheckResult]]:
    """Every claim with the model results of its checks, and every calibration row."""
    kb = kb or load_trajectory()
    checks = run_calibration(kb, draws=draws, seed=seed)
    by_id = {c.spec.id: c for c in checks}
    claims = [
        ClaimResult(cl, [by_id[i] for i in cl.checks], kb.cite(cl.cited_source)) for cl in kb.spec.claims
    ]
    return claims, checks


def render_evidence(claims: list[ClaimResult], checks: list[CheckResult]) -> str:
    lines = ["What the evidence shows about the source article's claims:"]
    for n, cl in enumerate(claims, 1):
        lines.append(f'{n}. "{cl.spec.claim}" (cited: {cl.cited})')
        lines.append(f"   Verdict: {VERDICTS[cl.spec.verdict]}. {' '.join(cl.spec.summary.split())}")
        lines += [f"   - {c.describe()}" for c in cl.checks]
    required = [c for c in checks if c.spec.role == "check"]
    agree = [c for c in required if c.agrees]
    lines.append(
        f"Calibration (trajectory.md §8.3): {len(agree)} of {len(required)} checks agree with the "
        "observations within their stated spread."
    )
    for c in required:
        if not c.agrees:
            lines.append(f"  Known miss - {c.describe()}")
            if c.spec.known_miss:
                lines.append(f"    Why: {' '.join(c.spec.known_miss.split())}")
    return "\n".join(lines)


__all__ = ["VERDICTS", "CheckResult", "ClaimResult", "evaluate_claims", "render_evidence", "run_calibration"]
