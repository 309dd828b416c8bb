"""Prevalence intervals and agreement: Wilson, survey-weighted linearisation, Cohen's kappa."""

from __future__ import annotations

import math
from pathlib import Path

import polars as pl
import pytest

from myoscope.cohort import classify
from myoscope.cohort.stats import band_labels, kappa, wilson


def test_wilson_interval_known_values() -> None:
    # Wilson score interval for 50/100 is 0.4038-0.5962; for 0/10 it starts at 0 and is not empty
    lo, hi = wilson(0.5, 100)
    assert (round(lo, 4), round(hi, 4)) == (0.4038, 0.5962)
    lo, hi = wilson(0.0, 10)
    assert lo == 0.0 and round(hi, 4) == 0.2775


def test_kappa_from_a_two_by_two_table() -> None:
    # 20 both cases, 5 + 10 disagree, 15 both not: po = 0.7, pe = 0.5, kappa = 0.4
    groups = pl.DataFrame(
        {
            "a": ["x", "x", "o", "o"],
            "b": ["y", "o", "y", "o"],
            "n": [20, 5, 10, 15],
            "w": [20.0, 5.0, 10.0, 15.0],
        }
    )
    k = kappa(groups, "a", "b", ("x",), ("y",))
    assert k["n"] == 50 and k["observed_agreement"] == pytest.approx(0.7)
    assert k["kappa"] == pytest.approx(0.4)


def test_age_band_labels() -> None:
    assert band_labels((60, 70, 80)) == ["<60", "60–69", "70–79", "≥80"]


def _cohort(weights: list[float] | None = None) -> pl.DataFrame:
    n = 400
    data = {
        "sex": ["male" if i % 2 else "female" for i in range(n)],
        "age": [60.0 + i % 30 for i in range(n)],
        "grip_strength": [10.0 + (i * 7) % 35 for i in range(n)],
        "chair_stand_time": [8.0 + (i * 3) % 12 for i in range(n)],
    }
    if weights is not None:
        data["w"] = weights
        data["stratum"] = [i % 4 for i in range(n)]
        data["cluster"] = [(i // 4) % 2 for i in range(n)]
    return pl.DataFrame(data)


def test_summary_counts_every_classified_row(tmp_path: object) -> None:
    from myoscope.cohort import run_cohort

    path = tmp_path / "c.parquet"  # type: ignore[operator]
    _cohort().write_parquet(path)
    run = run_cohort(path, tmp_path / "o.parquet", ["ewgsop2", "sdoc2020"])  # type: ignore[operator]
    s = run.summary
    assert s is not None
    overall = s.prevalence.filter((pl.col("group") == "overall") & (pl.col("definition") == "ewgsop2"))
    assert overall["count"].sum() == overall["n"][0] == 400
    assert overall["prevalence"].sum() == pytest.approx(1.0)
    table = pl.read_parquet(tmp_path / "o.parquet")  # type: ignore[operator]
    probable = table.filter(pl.col("ewgsop2") == "probable_sarcopenia").height
    row = overall.filter(pl.col("outcome") == "probable_sarcopenia").row(0, named=True)
    assert row["count"] == probable
    assert (row["ci_low"], row["ci_high"]) == pytest.approx(wilson(probable / 400, 400))
    by_sex = s.prevalence.filter((pl.col("group") == "sex") & (pl.col("definition") == "ewgsop2"))
    assert sorted(by_sex["level"].unique().to_list()) == ["female", "male"]


def test_equal_weights_give_the_unweighted_proportion(tmp_path: object) -> None:
    from myoscope.cohort import run_cohort

    path = tmp_path / "w.parquet"  # type: ignore[operator]
    _cohort([2.0] * 400).write_parquet(path)
    weighted = run_cohort(path, tmp_path / "o.parquet", ["ewgsop2"], weight="w", extra="ignore").summary  # type: ignore[operator]
    designed = run_cohort(
        path,
        tmp_path / "o2.parquet",
        ["ewgsop2"],
        weight="w",
        strata="stratum",  # type: ignore[operator]
        psu="cluster",
    ).summary
    plain = run_cohort(path, tmp_path / "o3.parquet", ["ewgsop2"], extra="ignore").summary  # type: ignore[operator]
    assert weighted is not None and designed is not None and plain is not None
    assert weighted.weighted and "strata" in designed.design

    def overall(s: object, outcome: str) -> dict[str, float]:
        return s.prevalence.filter((pl.col("group") == "overall") & (pl.col("outcome") == outcome)).row(
            0, named=True
        )  # type: ignore[attr-defined]

    p, w, d = (overall(x, "probable_sarcopenia") for x in (plain, weighted, designed))
    assert w["prevalence"] == pytest.approx(p["prevalence"]) == pytest.approx(d["prevalence"])
    # with every row its own PSU and equal weights the linearised variance is p(1-p)/(n-1)
    assert w["effective_n"] == pytest.approx(399)
    assert d["effective_n"] > 0 and not math.isnan(d["ci_low"])


def test_bad_survey_weights_are_rejected_and_no_weight_is_no_estimate(tmp_path: Path) -> None:
    # missing, unreadable, negative or infinite weights made every estimate NaN (and the JSON
    # summary bare NaN), or stopped the run naming an internal column (`__weight`)
    import json

    from myoscope.cohort import classify, run_cohort

    rows = {"id": [1, 2, 3, 4, 5, 6, 7], "sex": ["male"] * 7, "age": ["70"] * 7,
            "grip_strength": ["20", "30"] * 3 + ["20"], "w": ["1", "2", None, "-1", "inf", "abc", "nan"]}
    r = classify(pl.DataFrame(rows), ["ewgsop2"], weight="w", extra="ignore")
    assert r.rejects.rows() == [
        (3, "w", None, "missing: a survey-weighted estimate needs each row's weight"),
        (4, "w", "-1", "-1 is not a survey weight (expected a finite number, 0 or more)"),
        (5, "w", "inf", "inf is not a survey weight (expected a finite number, 0 or more)"),
        (6, "w", "abc", "cannot read abc as a survey weight"),
        (7, "w", "nan", "nan is not a survey weight (expected a finite number, 0 or more)"),
    ]
    # weights of 0: rows classified, but no estimate: n/a, and null in JSON
    zero = pl.DataFrame({"id": [1, 2], "sex": ["male"] * 2, "age": [70, 70], "grip_strength": [20.0, 30.0],
                         "w": [0.0, 0.0]})
    summary = run_cohort(zero, tmp_path / "z.parquet", ["ewgsop2"], weight="w", extra="ignore").summary
    assert summary is not None
    assert "n/a (the weights sum to 0)" in str(summary) and "nan" not in str(summary)
    text = json.dumps(summary.to_dict(), allow_nan=False)  # refuses NaN, as strict JSON does
    assert json.loads(text)["prevalence"][0]["prevalence"] is None


def test_kappa_matrix_in_the_summary() -> None:
    r = classify(_cohort(), ["ewgsop2", "sdoc2020"])
    assert r.rows_classified == 400


def test_population_counts_per_definition_leave_the_prevalence_as_it_was(tmp_path: Path) -> None:
    """Rows without an age (unknown), a child (false: not_applicable) and AWGS without Asian
    ancestry recorded are counted per definition, across batches; the prevalence still counts
    every classified row, as before."""
    import json

    from myoscope.cohort import run_cohort

    frame = pl.DataFrame(
        {
            "id": [1, 2, 3, 4, 5, 6],
            "sex": ["male", "female"] * 3,
            "age": [None, 12.0, 30.0, 70.0, None, 80.0],
            "asian": [True, True, None, True, False, None],
            "grip_strength": [20.0, 14.0, 40.0, 30.0, 25.0, 18.0],
        }
    )
    path = tmp_path / "p.parquet"
    frame.write_parquet(path)
    run = run_cohort(path, tmp_path / "o.parquet", ["ewgsop2", "awgs2019"], id_column="id", batch_size=2)
    s = run.summary
    assert s is not None
    assert s.population.rows() == [("ewgsop2", 6, 2, 1), ("awgs2019", 6, 3, 2)]
    table = pl.read_parquet(tmp_path / "o.parquet")
    assert table["awgs2019_in_population"].to_list() == [None, False, None, True, False, None]
    # the prevalence is over every classified row, whatever its population
    overall = s.summary.filter(pl.col("definition") == "ewgsop2")
    assert set(overall["n"]) == {6}
    assert overall.filter(pl.col("outcome") == "not_applicable")["count"].item() == 1
    assert "  awgs2019             not established 3, ruled out 2 (n=6)" in str(s).splitlines()
    assert json.loads(json.dumps(s.to_dict()))["population"][1] == {
        "definition": "awgs2019",
        "n": 6,
        "not_established": 3,
        "ruled_out": 2,
    }


def test_population_counts_of_batches_add_up() -> None:
    from myoscope.cohort.stats import merge_population, population_counts

    a = pl.DataFrame({"d_in_population": [True, None, False, None]})
    b = pl.DataFrame({"d_in_population": [None, True]}, schema={"d_in_population": pl.Boolean})
    merged = merge_population([population_counts(a, ["d"]), population_counts(b, ["d"])], ["d"])
    assert merged.rows() == [("d", 6, 3, 1)]
    assert merge_population([], ["d"]).height == 0
