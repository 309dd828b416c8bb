"""`myoscope cohort --summary`: the files a CSV summary writes beside the prevalence, and the
rules every output follows (never an input, never another output, all or nothing)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest
from typer.testing import CliRunner

from myoscope.cli import app
from myoscope.cli import cohort as cohort_cli
from myoscope.cohort.stats import POPULATION_SCHEMA
from myoscope.errors import MyoscopeError
from myoscope.outputs import Outputs

runner = CliRunner()

# per definition a row whose population is established, one where it is unknown (no age) and one
# a child, for whom it is ruled out; AWGS 2019 also rules out the row without Asian ancestry
CSV = (
    "id,sex,age,asian,grip_strength\n"
    "a,male,70,true,40\n"
    "b,male,12,true,40\n"
    "c,male,,,40\n"
    "d,female,75,false,14\n"
)
DEFINITIONS = "awgs2019,ewgsop2"


def _input(tmp_path: Path, name: str = "in.csv") -> Path:
    p = tmp_path / name
    p.write_text(CSV, "utf-8")
    return p


def _cohort(src: Path, out: Path, summary: Path) -> Any:
    return runner.invoke(app, ["cohort", str(src), "-o", str(out), "-d", DEFINITIONS,
                               "--summary", str(summary), "-q"])


def test_csv_summary_writes_population_counts_of_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[Any] = []
    original = cohort_cli._write_summary

    def keep(summary: Any, path: Path, outputs: Outputs) -> None:
        seen.append(summary)
        original(summary, path, outputs)

    monkeypatch.setattr(cohort_cli, "_write_summary", keep)
    src = _input(tmp_path)
    result = _cohort(src, tmp_path / "o.csv", tmp_path / "s.csv")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "in.csv", "o.csv", "o.rejects.csv", "s.agreement.csv", "s.csv", "s.population.csv",
    ]
    written = pl.read_csv(tmp_path / "s.population.csv")
    assert written.columns == list(POPULATION_SCHEMA)
    (summary,) = seen
    assert summary.population.height == 2
    assert written.rows() == summary.population.rows()
    # the counts follow the input: every row classified; no age is unknown, a child is outside
    counts = {r["definition"]: r for r in written.iter_rows(named=True)}
    assert counts["ewgsop2"] == {"definition": "ewgsop2", "n": 4, "not_established": 1, "ruled_out": 1}
    assert counts["awgs2019"]["not_established"] == 1
    assert counts["awgs2019"]["ruled_out"] == 2  # the child, and the row without Asian ancestry
    # the other two files are still what they were
    assert pl.read_csv(tmp_path / "s.csv").rows() == summary.prevalence.rows()
    assert pl.read_csv(tmp_path / "s.agreement.csv").columns == summary.agreement.columns


def test_json_summary_writes_one_file(tmp_path: Path) -> None:
    src = _input(tmp_path)
    result = _cohort(src, tmp_path / "o.csv", tmp_path / "s.json")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv", "o.csv", "o.rejects.csv", "s.json"]


@pytest.mark.parametrize("beside", ["s.agreement.csv", "s.population.csv"])
def test_an_input_named_like_a_summary_file_is_refused(tmp_path: Path, beside: str) -> None:
    src = _input(tmp_path, beside)
    before = src.read_bytes()
    result = _cohort(src, tmp_path / "o.csv", tmp_path / "s.csv")
    assert result.exit_code == 2, result.output
    assert f"--summary {src} is also an input" in result.stderr
    assert src.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [beside]


def test_an_output_named_like_the_population_file_is_refused(tmp_path: Path) -> None:
    src = _input(tmp_path)
    out = tmp_path / "s.population.csv"
    result = _cohort(src, out, tmp_path / "s.csv")
    assert result.exit_code == 2, result.output
    assert f"--summary {out} is also the --output" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]


def test_population_file_appears_only_with_the_rest(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    original = cohort_cli._write_summary

    def then_fail(summary: Any, path: Path, outputs: Outputs) -> None:
        original(summary, path, outputs)
        # written under a temporary name, renamed only when the whole run succeeds
        assert (tmp_path / "s.population.csv").read_text("utf-8") == "earlier"
        assert [p.name for p in tmp_path.glob(".s.population.*.csv")]
        raise MyoscopeError("stopped after the summary")

    monkeypatch.setattr(cohort_cli, "_write_summary", then_fail)
    (tmp_path / "s.population.csv").write_text("earlier", "utf-8")
    src = _input(tmp_path)
    result = _cohort(src, tmp_path / "o.csv", tmp_path / "s.csv")
    assert result.exit_code == 2, (result.output, result.exception)
    assert result.stderr == "Error: stopped after the summary\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv", "s.population.csv"]
    assert (tmp_path / "s.population.csv").read_text("utf-8") == "earlier"


def test_a_summary_at_the_default_rejects_path_is_refused(tmp_path: Path) -> None:
    """Without --rejects the rejects go to <output>.rejects.csv; a summary there would replace
    them, so it is refused before anything runs."""
    src = _input(tmp_path)
    target = tmp_path / "o.rejects.csv"
    result = _cohort(src, tmp_path / "o.csv", target)
    assert result.exit_code == 2, result.output
    assert f"--summary {target} is also the --rejects" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]
