"""Cohort engine throughput and streaming memory.

1. Rows per second for 10 million synthetic rows under every sarcopenia definition (validation,
   derived measures, outcome, decided and the ordered decisive measures), in memory.
2. Baseline, timed in the same run: a hand-written NumPy EWGSOP2 (Kleene true/false masks,
   cut-offs read from the knowledge base) computing outcome and decided only, over arrays already
   validated, with NumPy's own rounding. The engine is also timed on EWGSOP2 alone. Rows where the
   two disagree are counted (NumPy's ``round`` is not Python's at ties).
3. Peak memory of ``myoscope cohort`` streaming a 30-million-row Parquet file to Parquet, in a
   child process (its VmHWM, the kernel's high-water mark of resident memory, polled from /proc).

4. Units written in cells: ``myoscope cohort`` on a 200,000-row CSV whose weight, height and grip
   cells carry their unit (``154.3 lb``, ``64.3 in``), in every row and in one row in ten, timed
   against the same table in bare numbers (the baseline, same run). A CSV is read as text, so this
   is where a per-cell unit parse would cost most.

Usage: python benchmarks/cohort.py [ROWS] [STREAM_ROWS]     (defaults 10000000 and 30000000)
       python benchmarks/cohort.py --units [CSV_ROWS]       (case 4 alone; default 200000)
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from myoscope import load_knowledge
from myoscope.cohort.run import Classifier
from myoscope.cohort.synth import generate, synthesise
from myoscope.rules.nodes import Compare, Ref

SARCOPENIA = ["ewgsop2", "ewgsop1", "awgs2019", "fnih2014", "sdoc2020", "iwgs2011", "sarc_f", "sarc_calf"]


def timed(fn: Any, repeat: int = 2) -> tuple[float, Any]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


# --- the hand-written NumPy EWGSOP2 -----------------------------------------------------------


def _cutoffs(node: Any) -> dict[str, float]:
    """sex -> cut-off of a Compare node (the baseline handles sex-specific or single cut-offs)."""
    while isinstance(node, Ref):
        node = node.target
    assert isinstance(node, Compare)
    out: dict[str, float] = {}
    for cut in node.cutoffs:
        sexes = [c.value for c in cut.when if c.measure == "sex"] or ["male", "female"]
        for s in sexes:
            out[s] = float(cut.value)
    return out


def numpy_ewgsop2(a: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Outcome codes (0 severe, 1 sarcopenia, 2 probable, 3 no, 4 indeterminate) and decided."""
    c = load_knowledge().definition("ewgsop2").components
    male = a["sex"] == "male"

    def cmp(x: np.ndarray, node: Any, op: Any) -> tuple[np.ndarray, np.ndarray]:
        cut = _cutoffs(node)
        limit = np.where(male, cut["male"], cut["female"])
        known = ~np.isnan(x)
        r = op(x, limit)
        return known & r, known & ~r

    def alt(*parts: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        t = np.logical_or.reduce([p[0] for p in parts])
        return t, ~t & np.logical_or.reduce([p[1] for p in parts])

    def all_(*parts: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        return np.logical_and.reduce([p[0] for p in parts]), np.logical_or.reduce([p[1] for p in parts])

    h = a["height"] / 100
    asmi = np.round(a["asm"] / h**2, 2)
    strength = alt(
        cmp(a["grip_strength"], c["low_grip"], np.less),
        cmp(a["chair_stand_time"], c["slow_chair_stand"], np.greater),
    )
    mass = alt(cmp(a["asm"], c["low_asm"], np.less), cmp(asmi, c["low_asmi"], np.less))
    perf = alt(
        cmp(a["gait_speed"], c["slow_gait"], np.less_equal),
        cmp(a["sppb"], c["low_sppb"], np.less_equal),
        cmp(a["tug_time"], c["slow_tug"], np.greater_equal),
    )
    labels = [all_(strength, mass, perf), all_(strength, mass), strength, (strength[1], strength[0])]
    code = np.full(len(male), 4, dtype=np.int8)
    decided = np.zeros(len(male), dtype=bool)
    undecided_before = np.zeros(len(male), dtype=bool)
    open_ = np.ones(len(male), dtype=bool)
    for i, (t, f) in enumerate(labels):
        hit = open_ & t
        code[hit] = i
        decided[hit] = ~undecided_before[hit]
        open_ &= ~t
        undecided_before |= ~t & ~f
    return code, decided


def _vm_hwm(pid: int) -> int:
    """Peak resident memory (KiB) of a running process, from /proc (0 once it has exited)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _with_units(df: pl.DataFrame, share: float) -> pl.DataFrame:
    """``df`` with weight and grip in lb and height in inches, written in the cell, in ``share`` of
    the rows (the others stay bare numbers in kg and cm)."""
    pick = pl.Series(np.random.default_rng(7).random(df.height) < share)
    lb, inch = 0.45359237, 2.54

    def cell(c: str, factor: float, unit: str) -> pl.Expr:
        written = pl.format("{} " + unit, (pl.col(c) / factor).round(1))
        given = pl.lit(pick) & pl.col(c).is_not_null()
        return pl.when(given).then(written).otherwise(pl.col(c).cast(pl.String))

    return df.with_columns(
        cell("weight", lb, "lb").alias("weight"),
        cell("grip_strength", lb, "lb").alias("grip_strength"),
        cell("height", inch, "in").alias("height"),
    )


def _cli(cmd: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, check=False)


def cell_units(rows: int) -> None:
    """Case 4: the CLI on a CSV with units written in cells against bare numbers (same run)."""
    tmp = Path(tempfile.mkdtemp(prefix="myoscope-bench-"))
    try:
        df = pl.concat(list(generate(rows, seed=3)))
        cases = {"bare numbers (baseline)": df, "units in 1 row in 10": _with_units(df, 0.1),
                 "units in every row": _with_units(df, 1.0)}
        print(f"\nunits written in cells: myoscope cohort, {rows:,}-row CSV, {len(SARCOPENIA)} definitions")
        base = 0.0
        for label, table in cases.items():
            src = tmp / "in.csv"
            table.write_csv(src)
            cmd = [sys.executable, "-m", "myoscope", "cohort", str(src), "--out", str(tmp / "out.csv"),
                   "--id-column", "id", "-d", ",".join(SARCOPENIA), "--quiet"]
            elapsed, done = timed(lambda c=cmd: _cli(c))
            if done.returncode:
                raise SystemExit(done.stderr)
            base = base or elapsed
            said = [x for x in done.stdout.splitlines() if x.startswith(("rows in", "units written"))]
            print(f"  {label:26} {elapsed:6.2f} s  ratio to bare numbers {elapsed / base:5.2f}")
            for line in said:
                print(f"    {line}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    if sys.argv[1:2] == ["--units"]:
        cell_units(int(sys.argv[2]) if len(sys.argv) > 2 else 200_000)
        return
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000_000
    stream_rows = int(sys.argv[2]) if len(sys.argv) > 2 else 30_000_000
    print(f"polars {pl.__version__}, numpy {np.__version__}, {pl.thread_pool_size()} threads")

    t = time.perf_counter()
    df = pl.concat(list(generate(rows, seed=1)))
    print(f"synthetic table: {rows:,} rows x {df.width} columns in {time.perf_counter() - t:.1f} s")

    full = Classifier(dict(df.schema), SARCOPENIA)
    ew2 = Classifier(dict(df.schema), ["ewgsop2"])
    t_all, r_all = timed(lambda: full(df), repeat=1)
    t_ew2, r_ew2 = timed(lambda: ew2(df))
    arrays = {
        c: df[c].cast(pl.Float64).to_numpy()
        for c in ("grip_strength", "chair_stand_time", "asm", "height", "gait_speed", "sppb", "tug_time")
    }
    arrays["sex"] = df["sex"].to_numpy()
    t_np, (code, decided) = timed(lambda: numpy_ewgsop2(arrays), repeat=3)

    # the compiled rules alone, over columns already validated and derived (what NumPy gets)
    k = ew2.kernel
    flagged = k._flagged(df.with_row_index("row", offset=1).lazy())
    ctx = flagged.select([pl.col(k.id_column), *[pl.col(f"__t_{n}").alias(n) for n in k.typed_names]])
    for stage in k.derived:
        ctx = ctx.with_columns(stage)
    ready = ctx.collect()
    comp = k.compiled[0]
    outs = [
        k.id_column,
        comp.id,
        f"{comp.id}_decided",
        *comp.signature_columns,
        pl.lit(None).alias("__sex"),
        pl.lit(None).alias("__age"),
    ]
    t_rules, _ = timed(
        lambda: comp.apply(ready.lazy()).select(comp.id, f"{comp.id}_decided").collect(), repeat=3
    )
    t_kernel, _ = timed(lambda: k.finish(comp.apply(ready.lazy()).select(outs).collect()), repeat=3)

    vocab = load_knowledge().definition("ewgsop2").vocabulary
    engine = (
        r_ew2.table["ewgsop2"]
        .cast(pl.String)
        .replace_strict({v: i for i, v in enumerate(vocab)}, return_dtype=pl.Int8)
        .to_numpy()
    )
    differ = int(((engine != code) | (r_ew2.table["ewgsop2_decided"].to_numpy() != decided)).sum())
    print(f"\nall {len(SARCOPENIA)} sarcopenia definitions ({', '.join(SARCOPENIA)}):")
    print(f"  myoscope polars engine     {t_all:7.2f} s  {rows / t_all:12,.0f} rows/s")
    print(f"  {r_all.accounting}")
    print(f"EWGSOP2 alone:\n  myoscope polars engine     {t_ew2:7.2f} s  {rows / t_ew2:12,.0f} rows/s")
    print(
        f"  compiled rules only        {t_kernel:7.2f} s  {rows / t_kernel:12,.0f} rows/s"
        "   (validated input, derived measures precomputed; outcome, decided, decisive measures)"
    )
    print(
        f"  compiled rules only        {t_rules:7.2f} s  {rows / t_rules:12,.0f} rows/s   (validated input, "
        "derived measures precomputed; outcome + decided)"
    )
    print(
        f"  hand-written NumPy         {t_np:7.2f} s  {rows / t_np:12,.0f} rows/s   (validated input, "
        "computes ASM/height² itself; outcome + decided)"
    )
    print(
        f"time ratios to NumPy's EWGSOP2 (below 1 is faster): compiled rules, same output "
        f"{t_rules / t_np:.2f}; with decisive measures {t_kernel / t_np:.2f}; whole engine on raw input "
        f"{t_ew2 / t_np:.2f}; all {len(SARCOPENIA)} definitions {t_all / t_np:.2f}"
    )
    print(
        f"rows where NumPy's EWGSOP2 differs from the engine: {differ:,} (NumPy rounds ASM/height² "
        "half-to-even on x*100, not on the exact value)"
    )

    tmp = Path(tempfile.mkdtemp(prefix="myoscope-bench-"))
    try:
        data = tmp / "cohort.parquet"
        t = time.perf_counter()
        synthesise(stream_rows, data, seed=2)
        size = data.stat().st_size / 2**20
        took = time.perf_counter() - t
        print(f"\nstreaming: wrote {stream_rows:,} rows ({size:,.0f} MiB Parquet) in {took:.1f} s")
        t = time.perf_counter()
        cmd = [
            sys.executable,
            "-m",
            "myoscope",
            "cohort",
            str(data),
            "--out",
            str(tmp / "out.parquet"),
            "-d",
            ",".join(SARCOPENIA),
            "--quiet",
            "--summary",
            str(tmp / "summary.csv"),
        ]
        child = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        peak_kib = 0
        while child.poll() is None:  # the kernel's high-water mark of the child's resident memory
            peak_kib = max(peak_kib, _vm_hwm(child.pid))
            time.sleep(0.05)
        stdout, stderr = child.communicate()
        if child.returncode:
            raise SystemExit(stderr)
        elapsed = time.perf_counter() - t
        print(
            f"  myoscope cohort (streaming, {len(SARCOPENIA)} definitions, summary): {elapsed:.1f} s, "
            f"{stream_rows / elapsed:,.0f} rows/s"
        )
        print(f"  peak memory of that process (VmHWM): {peak_kib / 1024:,.0f} MiB")
        print("  " + stdout.strip().splitlines()[-1])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    cell_units(200_000)


if __name__ == "__main__":
    main()
