"""Time of the trajectory simulator: 100 000 draws x 10 years, at monthly and at daily steps.

Scenario: a 72-year-old woman with grip and DXA ASM measured; 10 days of bed rest from day 30,
then 12 weeks of resistance training with protein; EWGSOP2 cut-off crossings tracked.

Figures printed, all measured in this run:
* ``simulate()`` end to end (draws, vectorised model, exact 5/50/95% quantiles at every step,
  crossing tracking, result object), and the vectorised engine alone;
* baseline: the same model as a plain-Python loop (``simulate/reference.py``), 1 000 draws;
* the ratio of time per draw, baseline / vectorised.

Usage: python benchmarks/simulate.py [DRAWS] [BASELINE_DRAWS]
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any

from myoscope.simulate import simulate
from myoscope.simulate.model import Engine
from myoscope.simulate.montecarlo import draw_table
from myoscope.simulate.parameters import load_trajectory
from myoscope.simulate.plan import build_plan, horizon_days
from myoscope.simulate.reference import run_draw
from myoscope.simulate.scenarios import parse_scenario

RECORD: dict[str, Any] = {"sex": "female", "age": 72, "height": 160, "weight": 60, "grip_strength": 21.0,
                          "asm": 15.5, "asm_method": "dxa"}
SCENARIO: dict[str, Any] = {"timeline": [
    {"from_day": 30, "to_day": 40, "state": "bed_rest"},
    {"from_day": 40, "to_day": 124, "intervention": "resistance_training"},
    {"from_day": 40, "to_day": 124, "intervention": "protein"},
]}
YEARS = 10


def timed(fn: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def main() -> None:
    draws = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    baseline_draws = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000
    kb = load_trajectory()
    scenario = parse_scenario(SCENARIO, knowledge=kb)
    simulate(RECORD, scenario, years=1, draws=100, seed=0)  # warm-up: imports, knowledge, caches
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"simulator benchmark: {draws} draws x {YEARS} years; CPUs {os.cpu_count()}, "
          f"load average {load:.1f} at start")
    print(f"{'step':<6} {'steps':>6} {'simulate() s':>13} {'engine s':>9} {'python s':>9} "
          f"{'python/draw ms':>15} {'ratio simulate':>15} {'ratio engine':>13}")
    for step in ("month", "day"):
        _, steps = build_plan(scenario, kb, float(RECORD["age"]), horizon_days(YEARS), step)
        t_sim, projection = timed(lambda step=step: simulate(RECORD, scenario, years=YEARS, draws=draws,
                                                             seed=1, step=step))
        table = draw_table(kb, RECORD["sex"], draws, 1)
        t_engine, _ = timed(lambda steps=steps, table=table: [None for _ in Engine(steps, table).run()])
        small = draw_table(kb, RECORD["sex"], baseline_draws, 1)
        t_py, _ = timed(lambda steps=steps, small=small: [run_draw(steps, small, j)
                                                          for j in range(baseline_draws)])
        per_py = t_py / baseline_draws
        print(f"{step:<6} {len(steps):>6} {t_sim:>13.2f} {t_engine:>9.2f} {t_py:>9.2f} {per_py * 1e3:>15.2f} "
              f"{per_py / (t_sim / draws):>15.0f} {per_py / (t_engine / draws):>13.0f}")
        grip = next(c for c in projection.crossings if c.spec.component == "low_grip")
        print(f"       check: grip median at the end {projection.series['grip_strength'].median[-1]:.2f} kg; "
              f"EWGSOP2 low grip crossed by {100 * (grip.probability or 0):.0f}% of draws")


if __name__ == "__main__":
    main()
