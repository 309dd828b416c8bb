"""What the cause work-up adds to `assess`, over the same 10 000 varied records.

Baseline, measured in the same run: `assess(record, plan=False, cause_workup=False)` (all
definitions with their traces). Then the same with the work-up (the default), alternating the two
loops and keeping the best of three rounds each, and the work-up's `to_dict()`. Records come
from benchmarks/assess.py's generator (fixed seed); 30% get a history
block and some conditions so that gates, findings, criteria and red flags all run, and the rest
show the cost when no history is recorded.

Usage: python benchmarks/workup.py [N]
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
from myoscope.workup.engine import run_workup
from myoscope.workup.loader import workup_knowledge


def with_history(records: list[dict[str, Any]], seed: int = 4) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    conds = ["cancer", "ckd", "copd", "heart_failure", "sepsis", "diabetes", "critical_illness"]
    for r in records:
        if rng.random() < 0.3:
            r["conditions"] = rng.sample(conds, rng.randint(0, 2))
            r["history"] = {
                "symptoms": {s: rng.random() < 0.3 for s in rng.sample(
                    ["fasciculations", "cramps", "numbness_tingling", "swallowing_difficulty",
                     "breathing_difficulty", "falls", "heat_intolerance", "visual_disturbance"], 4)},
                "tempo": rng.choice(["days", "weeks", "months", "years"]),
                "course": rng.choice(["progressive", "stable", "improving", "relapsing_remitting"]),
                "distribution": rng.sample(["proximal", "distal", "generalised", "asymmetric"], 1),
                "signs": {"upper_motor_neuron": rng.choice([False, ["cervical"]]),
                          "lower_motor_neuron": rng.choice([False, True, ["cervical", "lumbosacral"]])},
                "bed_rest_days": rng.choice([0, 3, 10]),
                "labs": {"ck": rng.choice([90, 900]), "ck_upper_limit": 200},
            }
    return records


def main(n: int) -> None:
    raw = with_history(make_records(n))
    records = [parse_record(r) for r in raw]
    workup_knowledge()  # knowledge is loaded once, as a service would
    assess(records[0], plan=False)

    def timed(workup: bool) -> float:
        t0 = time.perf_counter()
        for r in records:  # results discarded in both loops (retaining them adds GC cost)
            assess(r, plan=False, cause_workup=workup)
        return time.perf_counter() - t0

    # alternate the two loops and keep the best of three rounds each: the machine is shared
    rounds = [(timed(False), timed(True)) for _ in range(3)]
    t_base = min(b for b, _ in rounds)
    t_with = min(w for _, w in rounds)

    done = [assess(r, plan=False) for r in records]
    # the work-up engine alone on the finished assessments, split by whether history was recorded
    alone = {}
    for label, group in (("no history", [a for a in done if not a.record.values.get("history")]),
                         ("history", [a for a in done if a.record.values.get("history")])):
        inputs = [(a.record, a.derived, {k: r.outcome for k, r in a.results.items()}) for a in group]
        best = min(_time_engine(inputs) for _ in range(3))
        alone[label] = best / len(group) * 1e6
    t0 = time.perf_counter()
    for a in done:
        assert a.workup is not None
        a.workup.to_dict()
    t_dict = time.perf_counter() - t0

    with_h = sum(1 for r in records if r.values.get("history"))
    listed = sum(len(a.workup.candidates) for a in done if a.workup is not None)
    flags = sum(len(a.workup.red_flags) for a in done if a.workup is not None)
    print(f"records: {n} ({with_h} with a history block); candidates listed: {listed}; red flags: {flags}")
    print(f"baseline assess without work-up: {n / t_base:,.0f} records/s ({t_base:.2f} s)")
    print(f"assess with work-up: {n / t_with:,.0f} records/s ({t_with:.2f} s)")
    print(f"work-up alone: {(t_with - t_base) / n * 1e6:,.0f} µs/record; "
          f"ratio (assess with / without work-up): {t_with / t_base:.2f}x")
    print(f"work-up to_dict: {n / t_dict:,.0f} records/s ({t_dict:.2f} s)")
    print("engine alone (run_workup on finished assessments, best of 3): "
          + "; ".join(f"{k} {v:,.0f} µs/record" for k, v in alone.items())
          + f"; assess baseline {t_base / n * 1e6:,.0f} µs/record")


def _time_engine(inputs: list[tuple[Any, Any, Any]]) -> float:
    t0 = time.perf_counter()
    for rec, derived, outcomes in inputs:
        run_workup(rec, derived, outcomes)
    return time.perf_counter() - t0


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
