"""The synthetic cohort: cited age and sex distribution, missing and at-cut-off shares, streaming."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from myoscope.cohort.synth import chunk, cut_points, synth_parameters, synthesise


def test_age_and_sex_follow_the_cited_population() -> None:
    p = synth_parameters()["population"]
    df = chunk(50_000, np.random.default_rng(1))
    female = (df["sex"] == "female").mean()
    assert abs(female - p["female_share"]) < 0.01  # type: ignore[operator]
    assert df["age"].min() == p["age_min"] and df["age"].max() == p["age_max"]


def test_missing_and_exactly_at_cutoff_values() -> None:
    df = chunk(50_000, np.random.default_rng(2))
    shares = synth_parameters()["shares"]
    assert abs(df["grip_strength"].null_count() / df.height - shares["missing"]) < 0.01
    cuts = cut_points()["grip_strength"]
    at_cut = df["grip_strength"].is_in(cuts).mean()
    assert at_cut > shares["at_cutoff"] * 0.8  # type: ignore[operator]
    assert set(df["asm_method"].drop_nulls().unique().to_list()) == {"dxa", "bia"}


def test_same_seed_same_table_and_streamed_to_parquet(tmp_path: Path) -> None:
    a = synthesise(2_500, tmp_path / "a.parquet", seed=7, chunk_size=1_000)
    b = synthesise(2_500, tmp_path / "b.csv", seed=7, chunk_size=1_000)
    pa, pb = pl.read_parquet(a), pl.read_csv(b, schema=pl.read_parquet(a).schema)
    assert pa.height == 2_500 and pa["id"].to_list() == list(range(1, 2_501))
    assert pa.equals(pb)


def test_bad_settings_are_named_together_and_nothing_is_written(tmp_path: Path) -> None:
    """numpy refused a negative seed with a bare ValueError (and no rows failed on an empty
    sample): each bad setting is named, at once, before a file is touched."""
    import pytest

    from myoscope.errors import ProblemsError

    with pytest.raises(ProblemsError) as caught:
        synthesise(0, tmp_path / "s.csv", seed=-1, bad_share=1.5)
    assert [str(p) for p in caught.value.problems] == [
        "n: expected a whole number of rows, 1 or more, got 0",
        "seed: expected a whole number, 0 or more, got -1",
        "bad_share: expected a share between 0 and 1, got 1.5",
    ]
    assert not list(tmp_path.iterdir())


def test_a_tsv_is_written_with_tabs_and_read_back(tmp_path: Path) -> None:
    # it was written with commas, and the cohort engine then read it as one unknown column
    from myoscope.cohort import run_cohort

    path = synthesise(50, tmp_path / "s.tsv", seed=2)
    assert path.read_text("utf-8").splitlines()[0].split("\t")[:3] == ["id", "sex", "age"]
    run = run_cohort(path, tmp_path / "out.tsv", ["ewgsop2"])
    assert run.rows_in == 50
