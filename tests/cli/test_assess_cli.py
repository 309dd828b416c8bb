"""`myoscope assess` and `myoscope definitions`: exact output for success and for bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from myoscope import __version__, load_knowledge
from myoscope.cli import app

runner = CliRunner()
ROOT = Path(__file__).parent.parent.parent


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


def test_bad_input_names_all_four_problems_at_once(tmp_path: Path) -> None:
    p = write(tmp_path, "bad.json", json.dumps(
        {"grip_strength": 270, "height": {"value": 5.5, "unit": "cubit"}, "chair_stand_time": -4}))
    result = runner.invoke(app, ["assess", str(p)])
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: invalid record {p} (4 problems):\n"
        "  - grip_strength: 270 kg is implausible (expected 0–120 kg)\n"
        "  - height: unknown unit 'cubit' (accepted: cm, mm, m, in, ft)\n"
        "  - chair_stand_time: -4 s is implausible (expected 2–300 s)\n"
        "  - sex: required (male or female)\n"
    )
    assert result.stdout == ""


def test_text_report_exact(tmp_path: Path) -> None:
    p = write(tmp_path, "r.yaml", "id: p1\nsex: male\nage: 82\ngrip_strength: 33\ngait_speed: 0.75\n")
    result = runner.invoke(app, ["assess", str(p), "--definitions", "sdoc2020", "--detail"])
    assert result.exit_code == 0, result.output
    kv = load_knowledge().version
    head, _, rest = result.stdout.partition("\n\nCause work-up")
    assert rest.startswith(" (supports, does not replace, clinical diagnosis;")
    assert "\n\nPlan: indicated (sdoc2020 sarcopenia;" in rest
    assert "-> " not in result.stdout and "==" not in result.stdout and "None" not in result.stdout
    assert head + "\n" == (
        f"myoscope assessment: {p} (id p1)\n"
        f"myoscope {__version__}, knowledge {kv}\n"
        "Record: sex male, age 82 years, grip_strength 33 kg, gait_speed 0.75 m/s\n"
        "Derived: gait_speed 0.75\n"
        "\n"
        "SDOC — Sarcopenia Definitions and Outcomes Consortium (2020)\n"
        "  Outcome: sarcopenia (decided)\n"
        "  Why:\n"
        "    - Weakness (absolute grip): 33 kg; met if under 35.5 kg for men → yes"
        "  [Cawthon et al. 2020 (doi:10.1111/jgs.16517), abstract]\n"
        "    - Slowness (usual gait speed): 0.75 m/s; met if under 0.8 m/s → yes"
        "  [Cawthon et al. 2020 (doi:10.1111/jgs.16517), abstract]\n"
        "  Source: Bhasin et al. 2020 (doi:10.1111/jgs.16372), position statements\n"
    )


def test_summary_is_one_screen_with_the_verdict_table(tmp_path: Path) -> None:
    p = write(tmp_path, "r.yaml", "id: p1\nsex: male\nage: 82\ngrip_strength: 33\ngait_speed: 0.75\n")
    result = runner.invoke(app, ["assess", str(p)], env={"COLUMNS": "90"})
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "myoscope — p1: man, 82 years"
    assert max(len(x) for x in lines) <= 90
    assert len(lines) < 60  # one screen, not every definition's trace
    sdoc = next(x for x in lines if x.startswith("SDOC"))
    assert sdoc.split()[1:3] == ["sarcopenia", "decided"]
    # undecided definitions with nothing measured, and those outside their population: one line each
    assert any(x.strip().startswith("MRC sum score: ") for x in lines)
    assert any(x.strip().startswith("Martin 2013: population not established") for x in lines)
    assert "Why:" not in result.stdout and "None" not in result.stdout
    assert lines[-1].startswith("Full trace of every definition") or "--detail" in result.stdout


def test_summary_puts_red_flags_first(tmp_path: Path) -> None:
    p = write(tmp_path, "r.yaml", "id: p2\nsex: female\nage: 78\nweight: 53\nheight: 158\n"
              "weight_history: [{months_ago: 6, weight: 57}]\n")
    out = runner.invoke(app, ["assess", str(p)]).stdout
    first_flag = out.find("RED FLAG [")
    assert 0 < first_flag < out.find("Verdicts that apply")


def test_batch_ends_with_a_table_of_verdicts(tmp_path: Path) -> None:
    a = write(tmp_path, "a.yaml", "id: a1\nsex: male\nage: 82\ngrip_strength: 33\ngait_speed: 0.75\n")
    b = write(tmp_path, "b.yaml", "id: b2\nsex: female\nage: 70\ngrip_strength: 30\ngait_speed: 1.2\n")
    out = runner.invoke(app, ["assess", str(a), str(b)], env={"COLUMNS": "200"}).stdout
    tail = out[out.index("2 records: the verdicts that apply"):]
    lines = tail.splitlines()
    assert lines[1].split() == ["a1", "b2"]
    sdoc = next(x for x in lines if x.startswith("SDOC"))
    assert sdoc.split()[1:] == ["sarcopenia", "no", "sarcopenia"]


def test_json_contract(tmp_path: Path) -> None:
    p = write(tmp_path, "r.json", json.dumps({"sex": "female", "age": 78, "height": 158, "weight": 53.1,
                                              "grip_strength": 14, "asm": 14.15, "asm_method": "dxa",
                                              "gait_speed": 0.6}))
    result = runner.invoke(app, ["assess", str(p), "--format", "json"])
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    assert {"myoscope_version", "knowledge_version", "record", "derived", "results"} <= set(doc)
    assert doc["derived"]["bmi"] == 21.27 and doc["derived"]["asmi"] == 5.67
    ew = doc["results"]["ewgsop2"]
    assert ew["outcome"] == "severe_sarcopenia" and ew["decided"] is True
    assert ew["possible_outcomes"] == [] and ew["decisive_measures"] == []
    compare = next(e for e in ew["trace"] if e["node"] == "low_grip")
    assert compare == {
        "node": "low_grip", "type": "compare", "label": "Low grip strength", "measure": "grip_strength",
        "value": 14, "unit": "kg", "comparator": "<", "cutoff": 16, "cutoff_applies_to": "women",
        "result": True, "citation": "Cruz-Jentoft et al. 2019 (doi:10.1093/ageing/afy169), Table 3"}
    # every default definition appears, indeterminate ones included
    assert set(doc["results"]) == set(load_knowledge().default_ids())


def test_several_files_give_a_json_list(tmp_path: Path) -> None:
    a = write(tmp_path, "a.yaml", "sex: male\n")
    b = write(tmp_path, "b.yaml", "- {sex: female}\n- {sex: male, grip_strength: 20}\n")
    result = runner.invoke(app, ["assess", str(a), str(b), "-f", "json", "-d", "ewgsop2"])
    assert result.exit_code == 0
    assert [d["results"]["ewgsop2"]["outcome"] for d in json.loads(result.stdout)] == [
        "indeterminate", "indeterminate", "probable_sarcopenia"]


def test_unknown_definition_and_format(tmp_path: Path) -> None:
    p = write(tmp_path, "r.yaml", "sex: male\n")
    r = runner.invoke(app, ["assess", str(p), "-d", "ewgsop3"])
    assert r.exit_code == 2 and r.stderr.startswith("Error: unknown definition 'ewgsop3' (known: ewgsop2,")
    r = runner.invoke(app, ["assess", str(p), "-f", "xml"])
    assert r.exit_code == 2 and r.stderr == "Error: unknown format 'xml' (expected text or json)\n"


def test_unreadable_files(tmp_path: Path) -> None:
    r = runner.invoke(app, ["assess", str(tmp_path / "nope.yaml")])
    assert r.exit_code == 2 and r.stderr.startswith(f"Error: cannot read {tmp_path / 'nope.yaml'}")
    p = write(tmp_path, "broken.json", "{not json")
    r = runner.invoke(app, ["assess", str(p)])
    assert r.exit_code == 2 and r.stderr.startswith(f"Error: cannot parse {p}")


def test_definitions_list_and_detail() -> None:
    r = runner.invoke(app, ["definitions"])
    assert r.exit_code == 0
    assert r.stdout.splitlines()[0] == f"Knowledge version {load_knowledge().version}"
    lines = r.stdout.splitlines()
    i = lines.index("sarc_calf_original  2016  SARC-CalF (original single 31 cm calf cut-off) (variant of sarc_calf)")
    assert lines[i + 1] == " " * 26 + "for: Older adults (case finding) (not applicable: age < 18)"
    i = next(n for n, line in enumerate(lines) if line.startswith("awgs2025 "))
    assert lines[i].split()[:2] == ["awgs2025", "2025"]
    assert lines[i + 1].strip() == ("for: Asian adults aged 50 and older (cut-offs for 50-64 and for 65 and older)"
                                    " (not applicable: age < 50)")
    r = runner.invoke(app, ["definitions", "ewgsop2"])
    assert r.exit_code == 0
    assert "  low_grip: Low grip strength — grip_strength [men: < 27 kg; women: < 16 kg]" in r.stdout
    assert "doi:10.1093/ageing/afy169" in r.stdout
    r = runner.invoke(app, ["definitions", "nope"])
    assert r.exit_code == 2 and r.stderr.startswith("Error: unknown definition 'nope'")


def test_python_dash_m_and_examples() -> None:
    out = subprocess.run([sys.executable, "-m", "myoscope", "assess", *sorted(map(str, (ROOT / "examples").glob("*.yaml")))],
                         capture_output=True, text=True, check=True)
    assert out.stdout.count("myoscope — ") == len(list((ROOT / "examples").glob("*.yaml")))
