"""cohort's reader under random input: only the project's own errors escape, and a failed run
leaves no file behind (property-based)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from myoscope.cohort.run import run_cohort
from myoscope.errors import MyoscopeError
from myoscope.knowledge import load_knowledge

SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
COLUMNS = ["id", "sex", "age", "grip_strength", "gait_speed", "weight", "height", "asm", "asm_method"]
cells = st.one_of(st.sampled_from(["", "NA", "male", "female", "M", "70", "25 kg", "1e999", "nan", "-4",
                                   "2025-02-30", "true", '"', ",", "\n"]), st.text(max_size=8))


def run(tmp_path: Path, name: str, content: bytes) -> None:
    src = tmp_path / name
    src.write_bytes(content)
    out = tmp_path / "out.parquet"
    try:
        result = run_cohort(src, out, ["ewgsop2", "sdoc2020"], knowledge=load_knowledge(), batch_size=7,
                            summary=False)
    except MyoscopeError:
        assert not out.exists() and not (tmp_path / "out.rejects.csv").exists()
    else:
        assert result.rows_in == result.rows_classified + result.rows_rejected
        assert out.exists()
    assert not [p for p in tmp_path.iterdir() if ".tmp" in p.name]
    for p in tmp_path.iterdir():
        p.unlink()


@SETTINGS
@given(content=st.binary(max_size=300), suffix=st.sampled_from([".csv", ".tsv", ".parquet", ".arrow"]))
def test_random_bytes(tmp_path: Path, content: bytes, suffix: str) -> None:
    run(tmp_path, "in" + suffix, content)


@SETTINGS
@given(header=st.lists(st.sampled_from(COLUMNS), min_size=1, max_size=6),
       rows=st.lists(st.lists(cells, min_size=0, max_size=7), max_size=12), ragged=st.booleans())
def test_random_tables(tmp_path: Path, header: list[str], rows: list[list[str]], ragged: bool) -> None:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header)
    for r in rows:
        w.writerow(r if ragged else (r + [""] * len(header))[: len(header)])
    run(tmp_path, "in.csv", buf.getvalue().encode("utf-8"))
