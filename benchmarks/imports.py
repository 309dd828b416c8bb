"""Speed of `import-measures`: rows per second for a LookinBody export through its device map, and
the time to compute muscle area and attenuation on one 512 x 512 L3 slice.

Baselines, measured in the same run:
- table: reading the same CSV with the standard library's csv module and converting the four limb
  cells of each row to floats and summing them (no header matching, no unit conversion, no range
  checks, no provenance). The ratio says what the checks and the provenance cost.
- slice: the bare numpy expression for the same area and mean (one boolean mask, one count, one
  mean) on the arrays already in memory. The ratio says what reading the DICOM and tag files and
  checking them costs.

Usage: python benchmarks/imports.py [ROWS]
"""

from __future__ import annotations

import csv
import random
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from myoscope.imports import import_measures

HEADER = ["2. ID", "3. Height", "5. Gender", "6. Age", "14. Test Date / Time", "15. Weight",
          "51. Lean Mass of Right Arm", "55. Lean Mass of Left Arm", "63. Lean Mass of Right Leg",
          "67. Lean Mass of Left Leg", "75. 20kHz-RA Impedance", "80. 100kHz-RA Impedance"]
LIMBS = slice(6, 10)


def write_inbody(path: Path, n: int, seed: int = 20261205) -> None:
    rng = random.Random(seed)
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        for i in range(n):
            male = rng.random() < 0.5
            arm, leg = (3.0, 9.0) if male else (1.9, 6.2)
            w.writerow([f"B{i}", round(rng.gauss(170 if male else 158, 7), 1), "M" if male else "F",
                        rng.randint(60, 90), "2025.03.04 10:22:33",
                        round(rng.gauss(75 if male else 62, 10), 1),
                        round(arm * rng.uniform(0.8, 1.2), 2), round(arm * rng.uniform(0.8, 1.2), 2),
                        round(leg * rng.uniform(0.8, 1.2), 2), round(leg * rng.uniform(0.8, 1.2), 2),
                        round(rng.uniform(300, 420), 1), round(rng.uniform(280, 380), 1)])


def baseline_table(path: Path) -> float:
    t = time.perf_counter()
    total = 0.0
    with path.open(newline="", encoding="utf-8") as f:
        r = csv.reader(f)
        next(r)
        for row in r:
            total += sum(float(c) for c in row[LIMBS])
    assert total > 0
    return time.perf_counter() - t


def bench_table(n: int, folder: Path) -> None:
    path = folder / "lookinbody.csv"
    write_inbody(path, n)
    base = min(baseline_table(path) for _ in range(3))
    t = time.perf_counter()
    res = import_measures(path, "inbody")
    took = time.perf_counter() - t
    assert len(res.records) == n
    print(f"table: {n:,} LookinBody rows in {took:.2f} s = {n / took:,.0f} rows/s "
          f"(baseline csv + float sums: {n / base:,.0f} rows/s; ratio {took / base:.1f}x)")


def bench_slice(folder: Path) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from tests.imports.helpers import disc_slice, write_dicom, write_tag

    stored, labels = disc_slice()
    img = write_dicom(folder / "L3.dcm", stored)
    write_tag(folder / "L3.dcm.tag", labels)
    hu = stored.astype(np.float64) - 1024
    t = time.perf_counter()
    for _ in range(20):
        chosen = (labels == 1) & (hu >= -29) & (hu <= 150)
        _ = int(chosen.sum()) * 0.49 / 100, float(hu[chosen].mean())
    base = (time.perf_counter() - t) / 20
    runs = 20
    t = time.perf_counter()
    for _ in range(runs):
        res = import_measures(img)
    took = (time.perf_counter() - t) / runs
    assert res.records[0].values["l3_muscle_attenuation"]["value"] == 40.0
    print(f"slice: 512 x 512 DICOM + tag in {took * 1000:.1f} ms "
          f"(baseline numpy area and mean on arrays in memory: {base * 1000:.2f} ms; "
          f"ratio {took / base:.0f}x)")


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    with tempfile.TemporaryDirectory() as tmp:
        bench_table(n, Path(tmp))
        bench_slice(Path(tmp))


if __name__ == "__main__":
    main()
