"""Records per second for `assess` over 10 000 varied records, full trace included.

Baseline, measured in the same run: a hand-written EWGSOP2 classifier in plain Python over the
same (already parsed) records, with no trace, no citations and no missing-data bookkeeping. The
ratio says what the engine's generality and explanations cost relative to the bare minimum.

Usage: python benchmarks/assess.py [N]
"""

from __future__ import annotations

import random
import sys
import time
from typing import Any

from myoscope import assess, load_knowledge, parse_record


def make_records(n: int, seed: int = 20261125) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        sex = rng.choice(["male", "female"])
        r: dict[str, Any] = {"id": f"b{i}", "sex": sex, "age": rng.randint(60, 95)}

        def maybe(p: float = 0.8) -> bool:
            return rng.random() < p

        if maybe():
            r["height"] = round(rng.gauss(170 if sex == "male" else 158, 7), 1)
        if maybe():
            r["weight"] = round(rng.gauss(78 if sex == "male" else 64, 12), 1)
        if maybe(0.9):
            typical = round(rng.gauss(30 if sex == "male" else 19, 7), 1)
            r["grip_strength"] = max(1.0, rng.choice([27, 16, 26, 35.5, typical]))  # cut-offs included
        if maybe(0.5):
            r["chair_stand_time"] = round(rng.uniform(6, 25), 1)
        if maybe(0.7):
            r["gait_speed"] = rng.choice([0.8, 1.0, round(rng.uniform(0.3, 1.6), 2)])
        if maybe(0.3):
            r["sppb"] = rng.randint(3, 12)
        if maybe(0.6):
            r["asm"] = max(8.0, round(rng.gauss(20 if sex == "male" else 15, 3), 2))
            r["asm_method"] = rng.choice(["dxa", "bia"])
        if maybe(0.5):
            r["calf_circumference"] = round(rng.uniform(27, 40), 1)
        if maybe(0.5):
            r["sarc_f"] = {k: rng.randint(0, 2) for k in
                           ("strength", "assistance_walking", "rise_from_chair", "climb_stairs", "falls")
                           if maybe(0.9)}
        if maybe(0.3):
            r["asian"] = rng.random() < 0.5
        out.append(r)
    return out


def hand_written_ewgsop2(v: dict[str, Any]) -> str:
    """The bare algorithm: what a minimal script would do (no trace, no citations)."""
    male = v["sex"] == "male"
    grip, chair = v.get("grip_strength"), v.get("chair_stand_time")
    low_s = [x for x in ((grip < (27 if male else 16)) if grip is not None else None,
                         (chair > 15) if chair is not None else None) if x is not None]
    if not low_s:
        return "indeterminate"
    if not any(low_s):
        return "no_sarcopenia"
    asm, h = v.get("asm"), v.get("height")
    mass = []
    if asm is not None:
        mass.append(asm < (20 if male else 15))
        if h:
            mass.append(round(asm / (h / 100) ** 2, 2) < (7.0 if male else 5.5))
    if not mass:
        return "probable_sarcopenia"
    if not any(mass):
        return "probable_sarcopenia"
    gait, sppb = v.get("gait_speed"), v.get("sppb")
    perf = [x for x in ((gait <= 0.8) if gait is not None else None,
                        (sppb <= 8) if sppb is not None else None) if x is not None]
    return "severe_sarcopenia" if any(perf) else "sarcopenia"


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    raw = make_records(n)
    load_knowledge()  # load once, as a service would
    t0 = time.perf_counter()
    records = [parse_record(r) for r in raw]
    t_parse = time.perf_counter() - t0

    t0 = time.perf_counter()
    results = [assess(r) for r in records]
    t_assess = time.perf_counter() - t0
    n_defs = len(results[0].results)
    n_trace = sum(len(r.trace) for a in results for r in a.results.values())

    t0 = time.perf_counter()
    base = [hand_written_ewgsop2(r.values) for r in records]
    t_base = time.perf_counter() - t0
    agree = sum(b == a.results["ewgsop2"].outcome for b, a in zip(base, results, strict=True))

    print(f"records: {n}, definitions per record: {n_defs}, trace entries: {n_trace}")
    print(f"parse + validate: {n / t_parse:,.0f} records/s ({t_parse:.2f} s)")
    print(f"assess (all definitions, full trace): {n / t_assess:,.0f} records/s ({t_assess:.2f} s)")
    print(f"baseline, hand-written EWGSOP2 only, no trace: {n / t_base:,.0f} records/s ({t_base:.3f} s)")
    print(f"ratio assess / baseline time: {t_assess / t_base:.1f}x "
          f"(per definition: {t_assess / n_defs / t_base:.1f}x)")
    print(f"baseline agrees with assess on EWGSOP2 for {agree}/{n} records "
          "(differences: the baseline ignores TUG and 400 m walk)")


if __name__ == "__main__":
    main()
