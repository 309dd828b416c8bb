"""What the treatment plan adds to `assess`, over the same 10 000 varied records.

Baseline, measured in the same run: `assess(record, plan=False)` (definitions, traces and the
cause work-up). Then `make_plan` on each of those assessments with its work-up, and the plan's
`to_dict()`. The ratio is plan time / assessment time. Records come from benchmarks/assess.py's
generator (fixed seed), with a few conditions and plan constraints mixed in so that the cause,
CKD, refeeding and bed-bound paths all run.

Usage: python benchmarks/plan.py [N]
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from assess import make_records

from myoscope import assess, parse_record
from myoscope.plan import load_plan_knowledge, make_plan


def with_plan_inputs(records: list[dict[str, Any]], seed: int = 5) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    conditions = ["cancer", "ckd", "copd", "heart_failure", "als", "hip_fracture", "diabetes"]
    for r in records:
        if rng.random() < 0.3:
            r["conditions"] = rng.sample(conditions, rng.randint(1, 2))
        if rng.random() < 0.3:
            r["plan_constraints"] = {k: v for k, v in {
                "bed_bound": rng.random() < 0.2, "egfr": rng.choice([None, 22, 45, 70]),
                "dialysis": rng.choice([None, False]), "meals_per_day": rng.choice([None, 3, 4])}.items()
                if v is not None}
    return records


def main(n: int) -> None:
    raw = with_plan_inputs(make_records(n))
    records = [parse_record(r) for r in raw]
    load_plan_knowledge()  # loading the knowledge once is not part of the per-record cost
    assess(records[0], plan=False)

    t0 = time.perf_counter()
    assessments = [assess(r, plan=False) for r in records]
    t_assess = time.perf_counter() - t0

    t0 = time.perf_counter()
    plans = [make_plan(a, a.workup) for a in assessments]
    t_plan = time.perf_counter() - t0

    t0 = time.perf_counter()
    for p in plans:
        p.to_dict()
    t_dict = time.perf_counter() - t0

    status: dict[str, int] = {}
    for p in plans:
        status[p.status] = status.get(p.status, 0) + 1
    print(f"records: {n}; plan status: {status}")
    print(f"baseline assess (plan=False): {t_assess:.2f} s, {t_assess / n * 1e3:.3f} ms/record")
    print(f"make_plan:                    {t_plan:.2f} s, {t_plan / n * 1e3:.3f} ms/record, "
          f"ratio to assess {t_plan / t_assess:.3f}")
    print(f"plan.to_dict():               {t_dict:.2f} s, {t_dict / n * 1e3:.3f} ms/record, "
          f"ratio to assess {t_dict / t_assess:.3f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
