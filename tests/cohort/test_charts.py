"""Charts: PNG (no browser) and self-contained HTML (no network) from one spec."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

pytest.importorskip("altair")
pytest.importorskip("vl_convert")

from myoscope.cohort import run_cohort
from myoscope.report.cohort_chart import write_charts


def test_prevalence_and_agreement_charts(tmp_path: Path) -> None:
    df = pl.DataFrame(
        {
            "sex": ["male", "female"] * 50,
            "grip_strength": [float(10 + i % 30) for i in range(100)],
            "gait_speed": [0.5 + (i % 10) / 10 for i in range(100)],
        }
    )
    df.write_parquet(tmp_path / "c.parquet")
    run = run_cohort(tmp_path / "c.parquet", tmp_path / "o.parquet", ["ewgsop2", "sdoc2020"])
    assert run.summary is not None
    files = write_charts(run.summary, tmp_path / "charts")
    names = sorted(f.name for f in files)
    assert names == ["agreement.html", "agreement.png", "prevalence.html", "prevalence.png"]
    assert (tmp_path / "charts" / "prevalence.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    html = (tmp_path / "charts" / "prevalence.html").read_text("utf-8")
    assert "ewgsop2" in html and '<script src="http' not in html
