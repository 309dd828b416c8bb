"""Records per second for `assess` over 10 000 varied records, full trace included; and the peak
memory of the `myoscope assess` command at 1,000 and 100,000 records.

Speed baseline, measured in the same run: a hand-written EWGSOP2 classifier in plain Python over the
same (already parsed) records, with no trace, no citations and no missing-data bookkeeping. The
ratio says what the engine's generality and explanations cost relative to the bare minimum.

Memory: the command reads a JSON list, assesses and prints record by record, so its peak resident
memory should be flat in the number of records. Each figure is the peak RSS of a fresh process
(``myoscope assess FILE -f json > /dev/null``). Baselines in the same run: the same command on one
record (start-up and knowledge), and the former pipeline (read every record, assess them all, then
print) on 1,000 records.

The same for YAML: a list of records, and ``---``-separated documents, are read one record at a
time too (each format against its own 1-record baseline and former pipeline).

Usage: python benchmarks/assess.py [N] [--memory-sizes 1000,100000] [--formats json,yaml,docs.yaml]
       [--memory-only]
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

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


_PEAK = """
import resource, subprocess, sys
with open(sys.argv[1], "wb") as sink:
    subprocess.run(sys.argv[2:], stdout=sink, check=True)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""

_FORMER = """
import json, sys
from myoscope import assess, parse_record
from myoscope.record import read_records
results = [assess(parse_record(d, source=s), ["ewgsop2"]) for d, s in read_records(sys.argv[1])]
print(json.dumps([r.to_dict() for r in results], indent=2, default=str))
"""


def peak_rss_mb(command: list[str]) -> float:
    """Peak resident memory (MB) of ``command``, run in a fresh process, its output discarded."""
    out = subprocess.run([sys.executable, "-c", _PEAK, "/dev/null", *command], check=True,
                         capture_output=True, text=True).stdout
    return int(out.strip()) / 1024  # ru_maxrss is in kilobytes on Linux


def write_records(path: Path, n: int) -> None:
    """``n`` records as a JSON list, a YAML list (``.yaml``) or ``---``-separated YAML documents
    (``.docs.yaml``), written record by record."""
    records = make_records(n)
    with path.open("w", encoding="utf-8") as f:
        if path.suffix == ".json":
            json.dump(records, f)
        elif path.name.endswith(".docs.yaml"):
            for r in records:
                f.write("---\n" + yaml.safe_dump(r, sort_keys=False))
        else:
            for r in records:
                f.write(yaml.safe_dump([r], sort_keys=False))


def memory(sizes: list[int], formats: list[str]) -> None:
    cli = [sys.executable, "-m", "myoscope", "assess", "-f", "json", "-d", "ewgsop2"]
    with tempfile.TemporaryDirectory() as tmp:
        def file_of(n: int, ext: str) -> str:
            p = Path(tmp) / f"r{n}.{ext}"
            if not p.exists():
                write_records(p, n)
            return str(p)

        for ext in formats:
            print(f"-- {ext}")
            floor = peak_rss_mb([*cli, file_of(1, ext)])
            print(f"peak RSS, assess of 1 record (start-up + knowledge; baseline): {floor:,.0f} MB")
            t0 = time.perf_counter()
            former = peak_rss_mb([sys.executable, "-c", _FORMER, file_of(min(sizes), ext)])
            print(f"peak RSS, former pipeline (all results held, then printed), {min(sizes):,} records: "
                  f"{former:,.0f} MB ({(former - floor) / min(sizes) * 1024:,.0f} KB per record above the "
                  f"baseline; {time.perf_counter() - t0:.0f} s)")
            for n in sizes:
                t0 = time.perf_counter()
                mb = peak_rss_mb([*cli, file_of(n, ext)])
                took = time.perf_counter() - t0
                print(f"peak RSS, streamed `myoscope assess`, {n:,} records: {mb:,.0f} MB "
                      f"(ratio to the 1-record baseline: {mb / floor:.2f}x; {took:.0f} s)")


def _option(name: str, default: str) -> str:
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else default


def main() -> None:
    values = {_option(o, "") for o in ("--memory-sizes", "--formats")}
    args = [a for a in sys.argv[1:] if not a.startswith("--") and a not in values]
    sizes = [int(x) for x in _option("--memory-sizes", "1000,100000").split(",")]
    formats = _option("--formats", "json,yaml,docs.yaml").split(",")
    if "--memory-only" in sys.argv:
        memory(sizes, formats)
        return
    n = int(args[0]) if args else 10_000
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
    memory(sizes, formats)


if __name__ == "__main__":
    main()
