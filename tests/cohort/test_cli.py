"""`myoscope cohort` and `myoscope synth`: exact output for success and for bad input."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
from typer.testing import CliRunner

from myoscope import assess
from myoscope.cli import app

runner = CliRunner()

CSV = "id,sex,grip_strength,chair_stand_time\na,female,12,\nb,male,40,\nc,male,300,\nd,,20,\n"


def write(tmp_path: Path, text: str = CSV) -> Path:
    p = tmp_path / "in.csv"
    p.write_text(text, encoding="utf-8")
    return p


def test_cohort_writes_outputs_and_reconciles_rows(tmp_path: Path) -> None:
    src = write(tmp_path)
    out = tmp_path / "out.parquet"
    result = runner.invoke(
        app,
        [
            "cohort",
            str(src),
            "--out",
            str(out),
            "-d",
            "ewgsop2,sdoc2020",
            "--summary",
            str(tmp_path / "summary.json"),
            "--quiet",
        ],
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == f"wrote {out}"
    assert lines[1] == f"rejects in {tmp_path / 'out.rejects.csv'}"
    assert lines[-1] == "rows in 4 = classified 2 + rejected 2 (2 bad values)"
    table = pl.read_parquet(out)
    assert table.columns == [
        "id",
        "ewgsop2",
        "ewgsop2_decided",
        "ewgsop2_decisive",
        "ewgsop2_in_population",
        "sdoc2020",
        "sdoc2020_decided",
        "sdoc2020_decisive",
        "sdoc2020_in_population",
    ]
    assert table["ewgsop2"].to_list() == ["probable_sarcopenia", "no_sarcopenia"]
    # no age recorded: the adult population is not established (unknown), the verdict stands
    assert table["ewgsop2_in_population"].to_list() == [None, None]
    expected = assess({"sex": "female", "grip_strength": 12}, ["ewgsop2"]).results["ewgsop2"]
    assert table["ewgsop2_decisive"].to_list()[0] == expected.decisive_measures != []
    summary = json.loads((tmp_path / "summary.json").read_text("utf-8"))
    assert summary["weighted"] is False and summary["prevalence"][0]["n"] == 2
    assert summary["population"] == [
        {"definition": d, "n": 2, "not_established": 2, "ruled_out": 0} for d in ("ewgsop2", "sdoc2020")
    ]
    rejects = pl.read_csv(tmp_path / "out.rejects.csv")
    assert rejects.select("row", "column").rows() == [(3, "grip_strength"), (4, "sex")]


def test_csv_output_joins_decisive_measures(tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    result = runner.invoke(app, ["cohort", str(write(tmp_path)), "--out", str(out), "-d", "ewgsop2", "-q"])
    assert result.exit_code == 0, result.output
    text = out.read_text("utf-8").splitlines()
    assert text[0] == "id,ewgsop2,ewgsop2_decided,ewgsop2_decisive,ewgsop2_in_population"
    assert text[1].startswith("a,probable_sarcopenia,false,asm;") and text[1].endswith(",")


def test_csv_output_writes_in_population_as_true_false_or_empty(tmp_path: Path) -> None:
    src = write(tmp_path, "id,sex,age,asian,grip_strength\na,male,70,true,40\nb,male,12,true,40\nc,male,,,40\n")
    out = tmp_path / "out.csv"
    result = runner.invoke(app, ["cohort", str(src), "--out", str(out), "-d", "awgs2019", "-q"])
    assert result.exit_code == 0, result.output
    text = out.read_text("utf-8").splitlines()
    assert text[0].endswith(",awgs2019_in_population")
    # the child is outside the population (not_applicable, false); the others keep a verdict
    assert [line.split(",")[1] for line in text[1:]] == ["indeterminate", "not_applicable", "indeterminate"]
    assert [line.rsplit(",", 1)[1] for line in text[1:]] == ["true", "false", ""]


def test_unknown_column_is_an_error_naming_it(tmp_path: Path) -> None:
    src = write(tmp_path, "id,sex,grip,hand\na,male,30,left\n")
    result = runner.invoke(app, ["cohort", str(src), "--out", str(tmp_path / "o.parquet")])
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: unknown column(s) grip, hand: name columns as in docs/cohort.md, use a "
        "mapping file (--map), or ignore them (--ignore-extra-columns)\n"
    )


def test_unknown_definition_engine_and_output_format(tmp_path: Path) -> None:
    src = write(tmp_path)
    r = runner.invoke(app, ["cohort", str(src), "--out", str(tmp_path / "o.parquet"), "-d", "nope"])
    assert r.exit_code == 2 and r.stderr.startswith("Error: unknown definition 'nope'")
    r = runner.invoke(app, ["cohort", str(src), "--out", str(tmp_path / "o.parquet"), "--engine", "dask"])
    assert r.exit_code == 2 and r.stderr == "Error: unknown engine 'dask' (expected polars or spark)\n"
    r = runner.invoke(app, ["cohort", str(src), "--out", str(tmp_path / "o.xlsx")])
    assert r.exit_code == 2 and "unknown output format '.xlsx'" in r.stderr
    r = runner.invoke(app, ["cohort", str(tmp_path / "missing.csv"), "--out", str(tmp_path / "o.parquet")])
    assert r.exit_code == 2 and r.stderr == f"Error: cannot read {tmp_path / 'missing.csv'}: no such file\n"


def test_synth_then_cohort(tmp_path: Path) -> None:
    data = tmp_path / "synth.parquet"
    r = runner.invoke(app, ["synth", "500", "--out", str(data), "--seed", "3", "--bad-share", "0.1"])
    assert r.exit_code == 0 and r.stdout == f"wrote 500 synthetic rows to {data}\n"
    r = runner.invoke(
        app,
        [
            "cohort",
            str(data),
            "--out",
            str(tmp_path / "o.parquet"),
            "-q",
            "--charts",
            str(tmp_path / "charts"),
        ],
    )
    assert r.exit_code == 0, r.output
    last = r.stdout.splitlines()[-1]
    n_in, rest = last.removeprefix("rows in ").split(" = classified ")
    classified, rejected = rest.split(" (")[0].split(" + rejected ")
    assert int(n_in) == 500 == int(classified) + int(rejected) and int(rejected) > 0
    assert (tmp_path / "charts" / "prevalence.png").exists()


def test_spark_options_are_checked_before_any_work(tmp_path: Path) -> None:
    src = write(tmp_path)
    out = str(tmp_path / "out.parquet")
    cases = [
        (
            ["cohort", str(src), "--out", out, "--engine", "spark", "--spark-mode", "udf"],
            "Error: unknown Spark mode 'udf' (expected native or arrow)",
        ),
        (
            ["cohort", "--out", out, "--input-table", "cohorts.baseline"],
            "Error: --input-table needs --engine spark",
        ),
        (
            ["cohort", "--out", out],
            "Error: give an input table file, or --input-table with --engine spark (not both)",
        ),
        (
            ["cohort", str(src), "--out", out, "--engine", "spark", "--input-table", "t"],
            "Error: give an input table file, or --input-table with --engine spark (not both)",
        ),
    ]
    for args, message in cases:
        result = runner.invoke(app, args)
        assert result.exit_code == 2, (args, result.output)
        assert result.output.strip().splitlines()[-1] == message
        assert not Path(out).exists()


def test_spark_runs_native_by_default_and_arrow_reads_units_in_cells(spark: object, tmp_path: Path) -> None:
    # a unit written in a cell is the case --spark-mode arrow still serves (docs/cohort.md): the
    # polars kernel converts it, the native engine rejects it saying so; the default refuses it
    src = write(tmp_path, "id,sex,age,grip_strength\na,female,70,14 kg\nb,male,72,40\n")
    reasons = {}
    for mode in ("default", "arrow"):
        out = tmp_path / f"{mode}.parquet"
        args = ["cohort", str(src), "--out", str(out), "--engine", "spark", "-d", "ewgsop2", "--quiet"]
        result = runner.invoke(app, args if mode == "default" else [*args, "--spark-mode", "arrow"])
        assert result.exit_code == 0, result.output
        rejects = pl.read_csv(str(tmp_path / f"{mode}.rejects.csv" / "*.csv"), infer_schema=False)
        reasons[mode] = rejects.get_column("reason").to_list()
        assert sorted(pl.read_parquet(str(out / "*.parquet")).get_column("id").to_list()) == (
            ["b"] if mode == "default" else ["a", "b"]
        )
    assert len(reasons["default"]) == 1 and "not by --spark-mode native" in reasons["default"][0]
    assert reasons["arrow"] == []
