"""Writing output files: an output that is a link, a device or a pipe is refused, not replaced."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from myoscope.cli import app
from myoscope.errors import OutputFileError
from myoscope.outputs import check_output

RECORD = "sex: male\nage: 80\ngrip_strength: 24\n"


def test_a_link_or_a_pipe_is_refused_and_left_as_it_was(tmp_path: Path) -> None:
    # the file is written under a temporary name and renamed over the target: run as root,
    # ``-o /dev/null`` made /dev/null a regular file, and a link or a pipe became one too
    target = tmp_path / "target.txt"
    target.write_text("kept", "utf-8")
    link = tmp_path / "link.txt"
    link.symlink_to(target)
    pipe = tmp_path / "p.fifo"
    os.mkfifo(pipe)
    with pytest.raises(OutputFileError, match="is a symbolic link"):
        check_output(link)
    with pytest.raises(OutputFileError, match=r"is not a regular file \(a device or a pipe\)"):
        check_output(pipe)
    # a dangling link too: the rename would replace the link, not create its target
    dangling = tmp_path / "dangling.txt"
    dangling.symlink_to(tmp_path / "nowhere.txt")
    with pytest.raises(OutputFileError, match="is a symbolic link"):
        check_output(dangling)
    assert check_output(tmp_path / "new.txt") == tmp_path / "new.txt"
    assert check_output(target) == target  # a regular file is replaced, as before


def test_every_command_refuses_a_pipe_as_its_output(tmp_path: Path) -> None:
    (tmp_path / "r.yaml").write_text(RECORD, "utf-8")
    (tmp_path / "c.csv").write_text("id,sex,age\n1,male,70\n", "utf-8")
    runner = CliRunner()
    for name, args in (
        ("plan.txt", ["plan", str(tmp_path / "r.yaml")]),
        ("synth.csv", ["synth", "5"]),
        ("report.html", ["report", str(tmp_path / "r.yaml")]),
        ("cohort.csv", ["cohort", str(tmp_path / "c.csv"), "-q"]),
    ):
        pipe = tmp_path / name
        os.mkfifo(pipe)
        result = runner.invoke(app, [*args, "-o", str(pipe)])
        assert result.exit_code == 2, (args, result.output)
        assert "is not a regular file" in result.output
        assert pipe.is_fifo()


def test_outputs_of_one_run_are_named_against_each_other(tmp_path: Path) -> None:
    # the summary or the rejects at the output's path was called "also an input"; a file where
    # the charts' folder belongs stopped the run with a traceback, its outputs already written
    data = tmp_path / "c.csv"
    data.write_text("id,sex,age,grip_strength\n1,male,70,30\n2,female,80,14\n", "utf-8")
    out = str(tmp_path / "o.csv")
    (tmp_path / "charts.csv").write_text("", "utf-8")
    runner = CliRunner()
    for extra, said in (
        (["--summary", out], f"--summary {out} is also the --output"),
        (["--rejects", out], f"rejects {out} is also the output"),
        (["--charts", str(tmp_path / "charts.csv")], "is a file; give a folder for the charts"),
    ):
        result = runner.invoke(app, ["cohort", str(data), "-o", out, "-q", *extra])
        assert result.exit_code == 2, result.output
        assert said in result.output
        assert sorted(p.name for p in tmp_path.iterdir()) == ["c.csv", "charts.csv"]


def test_a_dash_is_not_taken_for_a_file_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # ``plan r.yaml -o -`` wrote a file named "-" where standard output was meant
    monkeypatch.chdir(tmp_path)
    (tmp_path / "r.yaml").write_text(RECORD, "utf-8")
    runner = CliRunner()
    for args, option in (
        (["plan", "r.yaml"], "--output"),
        (["simulate", "-r", "r.yaml"], "--output"),
        (["synth", "5"], "output"),
    ):
        result = runner.invoke(app, [*args, "-o", "-"])
        assert result.exit_code == 2, (args, result.output)
        assert f"{option} -: give a file name (a command that prints does so when {option} is left out)" in result.output, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.yaml"]
