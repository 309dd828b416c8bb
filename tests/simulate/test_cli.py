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
