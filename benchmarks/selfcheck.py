"""What the public self-check costs per completed check, against the pathway it runs.

Baseline, measured in the same run: `run_pathway` on the record the answers describe (assess →
work-up → plan, what the clinician's quick assessment does). Then `run_check` on the same
answers with sex given (one pathway run plus the plain-language result) and with sex skipped
(the record is assessed as female and as male). Best of three rounds each, N answer sets from a
fixed seed.

Usage: python benchmarks/selfcheck.py [N]
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Callable

from myoscope.pathway import run_pathway
from myoscope.selfcheck import record_from, run_check

WORDS = ["none", "some", "a_lot_or_unable"]


def answer_sets(n: int, seed: int = 17) -> list[dict[str, str]]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        a = {f"sarc_f.{i}": rng.choice(WORDS) for i in ("strength", "assistance_walking", "rise_from_chair",
                                                        "climb_stairs") if rng.random() < 0.9}
        a["sarc_f.falls"] = rng.choice(["0", "1", "4"])
        a |= {"age": str(rng.randint(60, 90)), "weight": str(rng.randint(45, 95)),
              "calf_circumference": f"{rng.uniform(27, 39):.1f}", "sex": rng.choice(["female", "male"])}
        if rng.random() < 0.5:
            a["chair_stand_time"] = f"{rng.uniform(8, 25):.1f}"
        out.append(a)
    return out


def best(fn: Callable[[], None], rounds: int = 3) -> float:
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main(n: int) -> None:
    answers = answer_sets(n)
    no_sex = [{k: v for k, v in a.items() if k != "sex"} for a in answers]
    records = [record_from(a) for a in answers]
    run_check(answers[0])  # load the knowledge once, outside the timing
    base = best(lambda: [run_pathway(r) for r in records] and None)
    check = best(lambda: [run_check(a) for a in answers] and None)
    unknown = best(lambda: [run_check(a) for a in no_sex] and None)
    print(f"{n} answer sets, best of 3")
    print(f"  run_pathway (baseline)   {base / n * 1000:7.2f} ms per record")
    for label, t in (("run_check, sex given  ", check), ("run_check, sex skipped", unknown)):
        print(f"  {label}   {t / n * 1000:7.2f} ms per check  ({t / base:.2f}x baseline)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 300)
