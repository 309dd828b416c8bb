"""``myoscope simulate``: JSON holds series and crossings, text says what the evidence shows,
charts are written, bad input exits 2 with ``Error:``; same seed, same output."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from typer.testing import CliRunner

from myoscope.cli import app

runner = CliRunner()
ROOT = Path(__file__).parents[2]
RECORD = ROOT / "examples" / "maria_severe.yaml"
REHAB = ROOT / "examples" / "scenarios" / "hospital_bed_rest_then_rehab.yaml"


def test_json_holds_series_and_crossings_and_is_reproducible() -> None:
    args = ["simulate", "--record", str(RECORD), "--scenario", str(REHAB), "--years", "1", "--draws", "200",
            "--seed", "9", "--format", "json", "--no-evidence"]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    data = json.loads(first.stdout)
    assert set(data["series"]) == {"muscle_mass", "strength", "grip_strength", "asm", "asmi"}
    grip = data["series"]["grip_strength"]
    assert len(grip["median"]) == len(grip["p5"]) == len(grip["p95"]) == len(grip["central"]) == len(grip["days"])
    assert grip["days"][0] == 0 and grip["days"][-1] == 365
    low_grip = next(c for c in data["crossings"] if c["component"] == "low_grip")
    assert (low_grip["comparator"], low_grip["cutoff"], low_grip["status"]) == ("<", 16, "met_at_start")
    assert data["not_projected"]["gait_speed"].startswith("No rate of change of gait speed")
    assert runner.invoke(app, args).stdout == first.stdout


def test_json_evidence_and_text_verdicts() -> None:
    out = runner.invoke(app, ["simulate", "-r", str(RECORD), "-e", "icu@0-7", "--years", "0.5", "--draws", "100",
                              "--format", "json"])
    assert out.exit_code == 0, out.output
    evidence = json.loads(out.stdout)["evidence"]
    assert [c["verdict"] for c in evidence["claims"]] == [
        "supported", "high_end_only", "high_end_only", "critical_illness_only"]
    text = runner.invoke(app, ["simulate", "-r", str(RECORD), "-e", "bed_rest@0-10", "--years", "1",
                               "--draws", "100", "--detail"])
    assert text.exit_code == 0, text.output
    for line in (
        "What the evidence shows about the source article's claims:",
        "Verdict: supported. Supported by the primary bed-rest studies",
        "Verdict: supported only in critical illness, and there only by extrapolation.",
        "Verdict: the high end of the evidence only (the high ageing scenario, not the central one).",
        "checks agree with the observations within their stated spread.",
        "Timeline: day 0–10: bed rest",
        "ewgsop2 Low grip strength: met if under 16 kg for women",
    ):
        assert line in text.stdout, line


def test_the_summary_leaves_the_evidence_to_detail() -> None:
    args = ["simulate", "-r", str(RECORD), "-e", "bed_rest@0-10", "--years", "1", "--draws", "100"]
    summary = runner.invoke(app, args)
    assert summary.exit_code == 0, summary.output
    assert "What the evidence shows" not in summary.stdout and "Verdict:" not in summary.stdout
    assert "what the evidence shows: add --detail" in summary.stdout
    assert max(len(line) for line in summary.stdout.splitlines()) <= 80
    quiet = runner.invoke(app, [*args, "--detail", "--no-evidence"])
    assert quiet.exit_code == 0 and "Timeline: day 0–10: bed rest" in quiet.stdout
    assert "What the evidence shows" not in quiet.stdout


def test_png_chart_is_written(tmp_path: Path) -> None:
    target = tmp_path / "maria.png"
    out = runner.invoke(app, ["simulate", "-r", str(RECORD), "-s", str(REHAB), "--years", "1", "--draws", "100",
                              "--format", "png", "--output", str(target)])
    assert out.exit_code == 0, out.output
    assert out.stdout.strip() == f"Wrote {target}"
    data = target.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000


def test_bad_input_exits_2_naming_every_problem(tmp_path: Path) -> None:
    out = runner.invoke(app, ["simulate", "-r", str(RECORD), "-e", "bed_rst@0-10", "-e", "nonsense",
                              "--ageing", "extreme"])
    assert out.exit_code == 2
    assert out.stderr == (
        "Error: invalid scenario command line (3 problems):\n"
        "  - --event 'nonsense': expected NAME@FROM-TO or NAME@FROM- (e.g. bed_rest@0-10, resistance_training@10-)\n"
        "  - timeline[0].state: unknown state 'bed_rst' (known: bed_rest, immobilisation, icu, cancer_cachexia, "
        "copd; interventions: resistance_training, protein, early_mobilisation, nmes)\n"
        "  - parameters.ageing: 'extreme' is not one of low, central, high, drawn\n")
    no_age = tmp_path / "no_age.yaml"
    no_age.write_text("sex: female\ngrip_strength: 15\n")
    out = runner.invoke(app, ["simulate", "-r", str(no_age)])
    assert out.exit_code == 2 and out.stderr.startswith("Error: cannot project: the record has no age")
    out = runner.invoke(app, ["simulate", "-r", str(RECORD), "--format", "pdf"])
    assert out.exit_code == 2 and "unknown format 'pdf'" in out.stderr


def test_simulate_runs_without_the_charts_extra() -> None:
    code = textwrap.dedent(f"""
        import sys
        from importlib.abc import MetaPathFinder

        class Block(MetaPathFinder):
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in ("altair", "vl_convert", "pandas"):
                    raise ImportError("blocked: " + name)
                return None

        sys.meta_path.insert(0, Block())
        from myoscope.simulate import simulate
        p = simulate({{"sex": "male", "age": 70, "grip_strength": 30}}, {str(REHAB)!r}, years=1, draws=50)
        assert "grip_strength" in p.to_dict()["series"] and str(p)
        assert not [m for m in sys.modules if m.split(".")[0] in ("altair", "vl_convert")]
        print("ok")
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.stdout.strip() == "ok", done.stderr


def test_a_negative_seed_is_refused_naming_the_seed() -> None:
    """numpy refuses a negative seed with a bare ValueError: the CLI names --seed (exit 2) and the
    library, which the API and other callers share, names seed in a SimulationError."""
    import pytest

    from myoscope.errors import SimulationError
    from myoscope.simulate import simulate

    out = runner.invoke(app, ["simulate", "-r", str(RECORD), "--seed", "-1", "--draws", "10"])
    assert out.exit_code == 2, out.output
    assert "Error: Invalid value for '--seed'" in out.stderr and "internal error" not in out.stderr
    with pytest.raises(SimulationError, match=r"seed must be a whole number 0 or more, got -1"):
        simulate({"sex": "male", "age": 70, "grip_strength": 30}, None, years=1, draws=10, seed=-1)


def test_a_scenario_file_that_is_not_a_mapping_is_named(tmp_path: Path) -> None:
    """A scenario file holding a plain value, or parts of the wrong kind, is an invalid scenario
    (exit 2, every problem named), with or without --event and --ageing to merge into it."""
    scenario = tmp_path / "sc.json"
    cases = {
        '"hello"': ["(scenario): expected a mapping or a timeline list"],
        "5": ["(scenario): expected a mapping or a timeline list"],
        "true": ["(scenario): expected a mapping or a timeline list"],
        '[1, "x"]': ["timeline[0]: expected {from_day", "timeline[1]: expected {from_day"],
        '{"timeline": 5, "parameters": 3}': ["timeline: expected a list", "parameters: expected a mapping"],
        '{"timeline": "bed_rest"}': ["timeline: expected a list"],
    }
    for text, expected in cases.items():
        scenario.write_text(text)
        for extra in ([], ["-e", "bed_rest@0-10", "--ageing", "high"]):
            out = runner.invoke(
                app, ["simulate", "-r", str(RECORD), "-s", str(scenario), "--draws", "10", *extra]
            )
            assert out.exit_code == 2, (text, extra, out.output)
            assert out.stderr.startswith(f"Error: invalid scenario {scenario} ("), (text, out.stderr)
            for line in expected:
                assert f"  - {line}" in out.stderr, (text, extra, out.stderr)


def test_unknown_parameters_to_fix_are_named_with_the_known_ones() -> None:
    """--fix names that are neither a parameter nor a group were silently drawn like the rest
    while the output claimed them fixed; they are refused, listed with what can be given."""
    import pytest

    from myoscope.errors import ScenarioValidationError
    from myoscope.simulate import simulate

    out = runner.invoke(
        app,
        [
            "simulate",
            "-r",
            str(RECORD),
            "--fix",
            "foo,bar",
            "--draws",
            "10",
            "-e",
            "nap@0-3",
            "--format",
            "json",
        ],
    )
    assert out.exit_code == 2, out.output
    assert out.stdout == ""
    assert out.stderr.startswith("Error: invalid scenario command line (2 problems):\n")
    assert (
        "  - fix: unknown parameter(s) 'foo', 'bar' (expected all, a group: ageing; or parameter ids: "
        "ageing_mass_rate, " in out.stderr
    )
    assert "timeline[0].state: unknown state 'nap'" in out.stderr  # named together
    ok = runner.invoke(
        app,
        [
            "simulate",
            "-r",
            str(RECORD),
            "--fix",
            "ageing, rt_mass_gain",
            "--draws",
            "10",
            "--years",
            "1",
            "--format",
            "json",
            "--no-evidence",
        ],
    )
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.stdout)["settings"]["fixed"] == [
        "ageing_mass_rate",
        "ageing_strength_rate",
        "rt_mass_gain",
    ]
    with pytest.raises(ScenarioValidationError) as caught:
        simulate({"sex": "male", "age": 70, "grip_strength": 30}, None, years=1, draws=10, fixed=["nope"])
    assert [p.path for p in caught.value.problems] == ["fixed"]


def test_text_and_json_are_written_to_the_output_file(tmp_path: Path) -> None:
    """-o takes text and json too, as in every command that writes (docs/errors.md, Outputs):
    it used to be ignored for them, printing to the terminal and writing nothing."""
    for fmt, name in (("text", "p.txt"), ("json", "p.json")):
        target = tmp_path / name
        args = ["simulate", "-r", str(RECORD), "--years", "1", "--draws", "20", "--no-evidence", "-f", fmt]
        printed = runner.invoke(app, args)
        out = runner.invoke(app, [*args, "-o", str(target)])
        assert out.exit_code == 0, out.output
        assert out.stdout == f"Wrote {target}\n"
        assert target.read_text("utf-8") == printed.stdout
    copy = tmp_path / "r.yaml"
    copy.write_text(RECORD.read_text("utf-8"), "utf-8")
    out = runner.invoke(app, ["simulate", "-r", str(copy), "-o", str(copy)])
    assert out.exit_code == 2 and "--output" in out.stderr and "also an input" in out.stderr
    assert copy.read_text("utf-8") == RECORD.read_text("utf-8")
