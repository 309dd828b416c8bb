"""A corpus of careless and hostile inputs, through the real CLI, for every command that reads a file.

Each case asserts the one error convention (docs/errors.md): exit status 2, an ``Error:`` line that
names the field or the line, no traceback, a bounded message (an input is never echoed whole), and
no output file left behind, not even a temporary one.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from myoscope.cli import app

runner = CliRunner()

RECORD = "sex: male\nage: 80\ngrip_strength: 24\n"
LAUGHS = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True))
COHORT_CSV = "id,sex,age,grip_strength\n1,male,70,30\n2,female,80,14\n"


def parquet(frame: pl.DataFrame) -> bytes:
    buf = io.BytesIO()
    frame.write_parquet(buf)
    return buf.getvalue()


def arrow(frame: pl.DataFrame) -> bytes:
    buf = io.BytesIO()
    frame.write_ipc(buf)
    return buf.getvalue()


@dataclass
class Case:
    id: str
    args: list[str]  # "{d}" is the case's folder
    files: dict[str, bytes | str]
    expect: list[str]  # substrings of standard error, each naming the field, line or file
    absent: list[str] = field(default_factory=list)  # outputs that must not exist afterwards
    stdin: bytes | None = None
    unchanged: list[str] = field(default_factory=list)  # files whose content must survive
    registry: bool = False


def record_case(id: str, name: str, content: bytes | str, *expect: str, command: str = "assess") -> Case:
    return Case(id, [command, "{d}/" + name], {name: content}, list(expect))


CASES: list[Case] = [
    # --- records: encoding ---------------------------------------------------------------------
    record_case("latin1-yaml", "r.yaml", "sex: male\nname: Jos\xe9\n".encode("latin-1"),
                "not UTF-8 text", "line 2, column 10"),
    record_case("latin1-json", "r.json", '{"sex": "m\xe2le"}'.encode("latin-1"), "not UTF-8 text", "line 1"),
    record_case("utf16-bom", "r.yaml", "sex: male\n".encode("utf-16"), "UTF-16"),
    record_case("utf16-no-bom-json", "r.json", '{"sex": "male"}'.encode("utf-16-le"), "NUL bytes"),
    record_case("utf32", "r.yaml", "sex: male\n".encode("utf-32"), "UTF-32"),
    # --- records: dates ------------------------------------------------------------------------
    record_case("month-13", "r.yaml", "sex: male\ndate: 2025-13-45\nbirth_date: 1940-01-01\n",
                "date: expected a date YYYY-MM-DD, got '2025-13-45'"),
    record_case("feb-30", "r.yaml", "sex: male\ndate: 2025-02-30\nage: 80\n", "date:", "2025-02-30"),
    record_case("datetime-in-date", "r.yaml", "sex: male\ndate: 2025-03-01 10:30:00\nbirth_date: 1940-01-01\n",
                "date: expected a date YYYY-MM-DD"),
    record_case("datetime-json", "r.json", '{"sex": "male", "date": "2025-03-01T10:30", "birth_date": "1940-01-01"}',
                "date: expected a date"),
    record_case("weight-history-date", "r.yaml",
                "sex: male\ndate: 2025-03-01\nweight: 60\nweight_history: [{date: 2024-02-31, weight: 70}]\n",
                "weight_history[0].date"),
    # --- records: numbers ----------------------------------------------------------------------
    record_case("400-digit-yaml", "r.yaml", "sex: male\ngrip_strength: " + "9" * 400 + "\n",
                "line 2", "400 digits"),
    record_case("400-digit-json", "r.json", '{"sex": "male", "grip_strength": ' + "9" * 400 + "}", "400 digits"),
    record_case("4301-digit-json", "r.json", '{"sex": "male", "age": ' + "1" * 4301 + "}", "4301 digits"),
    record_case("20-digit-int", "r.yaml", "sex: male\nage: 12345678901234567890\n", "age:", "too large"),
    record_case("nan-yaml", "r.yaml", "sex: male\ngrip_strength: .nan\n", "grip_strength: expected a finite number"),
    record_case("inf-yaml", "r.yaml", "sex: male\nheight: -.inf\n", "height: expected a finite number"),
    record_case("nan-json", "r.json", '{"sex": "male", "weight": NaN}', "weight: expected a finite number"),
    record_case("infinity-json", "r.json", '{"sex": "male", "weight": Infinity}', "weight: expected a finite"),
    record_case("1e999-json", "r.json", '{"sex": "male", "gait_speed": 1e999}', "gait_speed: expected a finite"),
    record_case("1e999-text", "r.yaml", "sex: male\ngait_speed: 1e999\n", "gait_speed"),
    record_case("nan-plan-constraint", "r.yaml", "sex: male\nplan_constraints: {meals_per_day: .nan}\n",
                "plan_constraints.meals_per_day"),
    record_case("1e999-plan-constraint", "r.json", '{"sex": "male", "plan_constraints": {"meals_per_day": 1e999}}',
                "plan_constraints.meals_per_day"),
    record_case("bool-age", "r.yaml", "sex: male\nage: true\n", "age:"),
    # --- records: structure --------------------------------------------------------------------
    record_case("json-100000-deep", "r.json", "[" * 100_000 + "]" * 100_000, "nested"),
    record_case("yaml-deep", "r.yaml", "sex: male\nhistory: " + "[" * 60 + "]" * 60 + "\n", "nested", "line 2"),
    record_case("json-deep-object", "r.json", '{"sex": "male", "history": ' + '{"a": ' * 40 + "1" + "}" * 41,
                "nested"),
    record_case("laughs-sex", "r.yaml", LAUGHS + "sex: *i\n", "aliases", "line 2"),
    record_case("laughs-grip", "r.yaml", LAUGHS + "sex: male\ngrip_strength: *i\n", "aliases"),
    record_case("alias-merge", "r.yaml", "base: &b {sex: male}\n<<: *b\n", "aliases"),
    record_case("duplicate-key-yaml", "r.yaml", "sex: male\nweight: 600\nweight: 60\n",
                "duplicate key 'weight'", "line 3"),
    record_case("duplicate-key-flow", "r.yaml", "{sex: male, age: 70, age: 80}\n", "duplicate key 'age'"),
    record_case("duplicate-key-json", "r.json", '{"sex": "male", "weight": 600, "weight": 60}',
                "duplicate key 'weight'"),
    record_case("duplicate-nested", "r.yaml", "sex: male\nsarc_f: {strength: 1, strength: 2}\n",
                "duplicate key 'strength'"),
    record_case("json-syntax", "r.json", '{\n"sex": "male",\n"age": 80,,\n}', "line 3"),
    record_case("yaml-syntax", "r.yaml", "sex: male\nage: [80\n", "line"),
    record_case("yaml-tab", "r.yaml", "sex: male\n\tage: 80\n", "line 2"),
    record_case("empty-file", "r.yaml", "", "empty file"),
    record_case("empty-json", "r.json", "  \n", "empty file"),
    record_case("scalar-document", "r.yaml", "just text\n", "expected a record object"),
    record_case("list-with-scalar", "r.json", '[{"sex": "male"}, 42]', "r.json[1]"),
    record_case("json-extra-data", "r.json", '{"sex": "male"} {"sex": "female"}', "extra data"),
    record_case("json-list-unclosed", "r.json", '[{"sex": "male"}, {"sex": "female"}', "not closed"),
    record_case("json-list-garbage", "r.json", '[{"sex": "male"} x]', "expected ','"),
    record_case("typo-field", "r.yaml", "sex: male\ngrip_strenght: 30\n", "grip_strenght", "did you mean grip_strength"),
    record_case("upper-case-field", "r.yaml", "Sex: male\n", "Sex", "lower-case"),
    record_case("typo-unit", "r.yaml", "sex: male\nweight: 70 kgs\n", "weight", "did you mean kg"),
    record_case("huge-string", "r.yaml", "sex: " + "m" * 1_000_000 + "\n", "sex:", "characters"),
    Case("missing-file", ["assess", "{d}/nowhere.yaml"], {}, ["nowhere.yaml"]),
    Case("directory", ["assess", "{d}/sub"], {"sub/x.txt": "x"}, ["directory"]),
    Case("stdin-latin1", ["assess", "-"], {}, ["standard input", "not UTF-8"], stdin="sex: m\xe2le\n".encode("latin-1")),
    Case("stdin-duplicate", ["assess", "-", "-f", "json"], {}, ["duplicate key"], stdin=b'{"sex": "male", "sex": "f"}'),
    # --- other record commands ------------------------------------------------------------------
    record_case("workup-latin1", "r.yaml", "sex: m\xe2le\n".encode("latin-1"), "not UTF-8", command="workup"),
    record_case("workup-alias", "r.yaml", "sex: &s male\nsetting: *s\n", "aliases", command="workup"),
    record_case("plan-duplicate", "r.yaml", "sex: male\nsex: female\n", "duplicate key 'sex'", command="plan"),
    Case("plan-output-missing-folder", ["plan", "{d}/r.yaml", "-o", "{d}/nodir/p.txt"], {"r.yaml": RECORD},
         ["--output", "does not exist"], absent=["nodir"]),
    Case("plan-output-is-input", ["plan", "{d}/r.yaml", "--output", "{d}/r.yaml"], {"r.yaml": RECORD},
         ["also an input"], unchanged=["r.yaml"]),
    Case("simulate-latin1-record", ["simulate", "-r", "{d}/r.yaml"], {"r.yaml": "sex: m\xe2le\n".encode("latin-1")},
         ["not UTF-8", "line 1"]),
    Case("simulate-two-records", ["simulate", "-r", "{d}/r.json"], {"r.json": '[{"sex": "male"}, {"sex": "male"}]'},
         ["holds 2 records"]),
    Case("simulate-scenario-utf16", ["simulate", "-r", "{d}/r.yaml", "-s", "{d}/s.yaml"],
         {"r.yaml": RECORD, "s.yaml": "years: 2\n".encode("utf-16")}, ["s.yaml", "UTF-16"]),
    Case("simulate-scenario-alias", ["simulate", "-r", "{d}/r.yaml", "-s", "{d}/s.yaml"],
         {"r.yaml": RECORD, "s.yaml": "years: &y 2\nname: *y\n"}, ["aliases", "line 2"]),
    Case("simulate-scenario-nan", ["simulate", "-r", "{d}/r.yaml", "-s", "{d}/s.yaml"],
         {"r.yaml": RECORD, "s.yaml": "years: .nan\n"}, ["years: expected a finite number"]),
    Case("simulate-scenario-duplicate", ["simulate", "-r", "{d}/r.yaml", "-s", "{d}/s.json"],
         {"r.yaml": RECORD, "s.json": '{"years": 2, "years": 3}'}, ["duplicate key 'years'"]),
    Case("simulate-png-missing-folder", ["simulate", "-r", "{d}/r.yaml", "--format", "png", "-o", "{d}/nodir/x.png"],
         {"r.yaml": RECORD}, ["--output", "does not exist"], absent=["nodir"]),
    Case("simulate-text-missing-folder", ["simulate", "-r", "{d}/r.yaml", "-o", "{d}/nodir/x.txt"],
         {"r.yaml": RECORD}, ["--output", "does not exist"], absent=["nodir"]),
    Case("simulate-json-output-is-input", ["simulate", "-r", "{d}/r.yaml", "-f", "json", "-o", "{d}/r.yaml"],
         {"r.yaml": RECORD}, ["--output", "also an input"], unchanged=["r.yaml"]),
    Case("simulate-negative-seed", ["simulate", "-r", "{d}/r.yaml", "--seed", "-1"], {"r.yaml": RECORD},
         ["'--seed'"]),
    Case("simulate-scenario-string", ["simulate", "-r", "{d}/r.yaml", "-s", "{d}/s.json"],
         {"r.yaml": RECORD, "s.json": '"hello"\n'}, ["s.json", "(scenario): expected a mapping"]),
    Case("simulate-scenario-number", ["simulate", "-r", "{d}/r.yaml", "-s", "{d}/s.json", "-e", "bed_rest@0-10"],
         {"r.yaml": RECORD, "s.json": "5\n"}, ["s.json", "(scenario): expected a mapping"]),
    Case("simulate-scenario-list-of-numbers", ["simulate", "-r", "{d}/r.yaml", "-s", "{d}/s.json", "--ageing", "high"],
         {"r.yaml": RECORD, "s.json": "[1, 2]\n"}, ["timeline[0]: expected", "timeline[1]: expected"]),
    Case("simulate-unknown-fix", ["simulate", "-r", "{d}/r.yaml", "--fix", "foo,bar", "-f", "json"],
         {"r.yaml": RECORD}, ["fix: unknown parameter(s) 'foo', 'bar'", "ageing_mass_rate"]),
    # --- registry: visit files and import CSVs ----------------------------------------------------
    Case("visit-no-date", ["visit", "add", "P1", "{d}/v.yaml"], {"v.yaml": "grip_strength: 20\n"},
         ["date: required"], registry=True),
    Case("visit-latin1", ["visit", "add", "P1", "{d}/v.yaml"], {"v.yaml": "date: 2025-01-01\nnote: \xe9\n".encode("latin-1")},
         ["not UTF-8", "line 2"], registry=True),
    Case("visit-duplicate-key", ["visit", "add", "P1", "{d}/v.json"], {"v.json": '{"date": "2025-01-01", "weight": 600, "weight": 60}'},
         ["duplicate key 'weight'"], registry=True),
    Case("visit-impossible-date", ["visit", "add", "P1", "{d}/v.yaml"], {"v.yaml": "date: 2025-02-30\n"},
         ["date:", "2025-02-30"], registry=True),
    Case("import-latin1", ["import", "{d}/i.csv"], {"i.csv": "patient,date,sex\nP9,2025-01-01,m\xe2le\n".encode("latin-1")},
         ["not UTF-8", "line 2"], registry=True),
    Case("import-short-row", ["import", "{d}/i.csv"], {"i.csv": "patient,date,sex\nP9,2025-01-01,male\nP8,2025-01-01\n"},
         ["fewer cells", "line(s) 3"], registry=True),
    Case("import-missing-columns", ["import", "{d}/i.csv"], {"i.csv": "who,when\nP9,2025-01-01\n"},
         ["missing column(s) patient, date"], registry=True),
    Case("import-utf16", ["import", "{d}/i.csv"], {"i.csv": "patient,date\n".encode("utf-16")}, ["UTF-16"], registry=True),
    # --- registry: ids beyond the database's integers, unknown revisions ----------------------------
    Case("visit-assessment-huge-id", ["visit", "assessment", "9" * 20], {}, ["no assessed visit " + "9" * 20],
         registry=True),
    Case("visit-correct-huge-id", ["visit", "correct", "9" * 20, "grip_strength", "5", "--reason", "x"], {},
         ["no visit " + "9" * 20], registry=True),
    Case("token-revoke-huge-id", ["token", "revoke", "9" * 20], {}, ["no token " + "9" * 20], registry=True),
    Case("db-upgrade-unknown-revision", ["db", "upgrade", "nonsense"], {},
         ["unknown revision 'nonsense'", "known: base, head, 0001"], registry=True),
    Case("db-downgrade-unknown-revision", ["db", "downgrade", "9999"], {},
         ["unknown revision '9999'", "known: base, head, 0001"], registry=True),
]


def cohort_case(id: str, name: str, content: bytes | str, *expect: str, extra: tuple[str, ...] = ()) -> Case:
    return Case(id, ["cohort", "{d}/" + name, "-o", "{d}/out.parquet", "-q", *extra], {name: content}, list(expect),
                absent=["out.parquet", "out.rejects.csv"])


CASES += [
    # --- cohort tables ----------------------------------------------------------------------------
    cohort_case("cohort-no-sex", "t.csv", "id,age,grip_strength\n1,70,30\n2,80,14\n", "sex: required", "nothing was written"),
    cohort_case("cohort-header-only", "t.csv", "id,sex,age\n", "no data rows"),
    cohort_case("cohort-extra-cells", "t.csv", "id,sex,age\n1,male,70\n2,female,80,99\n", "data row 2: 4 cells"),
    cohort_case("cohort-too-few-cells", "t.csv", "id,sex,age\n1,male,70\n2,female\n", "data row 2: 2 cells"),
    cohort_case("cohort-blank-row", "t.csv", "id,sex,age\n1,male,70\n\n2,female,80\n", "data row 2: blank"),
    cohort_case("cohort-unterminated-quote", "t.csv", 'id,sex,age\n1,male,70\n2,"female,80\n', "quote"),
    cohort_case("cohort-quoted-extra-cells", "t.csv", 'id,sex,age\n1,"male",70\n2,"a,b",80,1\n', "data row 2: 4 cells"),
    cohort_case("cohort-empty-file", "t.csv", "", "t.csv", "empty"),
    cohort_case("cohort-latin1", "t.csv", "id,sex,age\n1,m\xe2le,70\n".encode("latin-1"), "not UTF-8", "data row 1"),
    cohort_case("cohort-utf16", "t.csv", "id,sex,age\n1,male,70\n".encode("utf-16"), "t.csv"),
    cohort_case("cohort-duplicate-ids", "t.csv", "id,sex,age\n1,male,70\n2,male,71\n1,female,80\n",
                "'1' (rows 1, 3)", "--allow-duplicate-ids"),
    cohort_case("cohort-duplicate-header", "t.csv", "id,sex,sex\n1,male,male\n", "named twice", "sex"),
    cohort_case("cohort-truncated-parquet", "t.parquet", parquet(pl.DataFrame({"sex": ["male"] * 50}))[:-40], "t.parquet"),
    cohort_case("cohort-zero-byte-parquet", "t.parquet", b"", "t.parquet"),
    cohort_case("cohort-zero-byte-arrow", "t.arrow", b"", "t.arrow"),
    cohort_case("cohort-empty-parquet", "t.parquet", parquet(pl.DataFrame({"id": [], "sex": []},
                schema={"id": pl.Int64, "sex": pl.String})), "no data rows"),
    cohort_case("cohort-integer-sex", "t.parquet", parquet(pl.DataFrame({"id": [1, 2], "sex": [1, 2], "age": [70, 80]})),
                "sex", "nothing was written"),
    cohort_case("cohort-boolean-age", "t.parquet", parquet(pl.DataFrame({"id": [1], "sex": ["male"], "age": [True]})),
                "age"),
    cohort_case("cohort-list-column", "t.parquet", parquet(pl.DataFrame({"id": [1], "sex": ["male"], "age": [[70, 71]]})),
                "age"),
    cohort_case("cohort-struct-column", "t.parquet",
                parquet(pl.DataFrame({"id": [1], "sex": ["male"], "age": [{"a": 1}]})), "age"),
    cohort_case("cohort-id-column-is-sex", "t.csv", COHORT_CSV, "sex", extra=("--id-column", "sex")),
    cohort_case("cohort-unknown-id-column", "t.csv", COHORT_CSV, "id column 'pid'", extra=("--id-column", "pid")),
    cohort_case("cohort-unknown-column", "t.csv", "id,sex,grip\n1,male,30\n", "unknown column(s) grip"),
    cohort_case("cohort-age-bands-nan", "t.csv", COHORT_CSV, "--age-bands", extra=("--age-bands", "nan")),
    cohort_case("cohort-age-bands-words", "t.csv", COHORT_CSV, "--age-bands", extra=("--age-bands", "old,young")),
    cohort_case("cohort-batch-size-zero", "t.csv", COHORT_CSV, "--batch-size", extra=("--batch-size", "0")),
    cohort_case("cohort-batch-size-negative", "t.csv", COHORT_CSV, "--batch-size", extra=("--batch-size", "-5")),
    cohort_case("cohort-unknown-format", "t.ods", "x", "unknown input format '.ods'"),
    cohort_case("cohort-excel-not-a-workbook", "t.xlsx", "x", "as an Excel workbook (.xlsx)"),
    Case("cohort-out-is-input", ["cohort", "{d}/t.parquet", "--out", "{d}/t.parquet", "-q"],
         {"t.parquet": parquet(pl.DataFrame({"id": [1, 2], "sex": ["male", "female"], "age": [70, 80]}))},
         ["also an input"], unchanged=["t.parquet"]),
    Case("cohort-rejects-is-input", ["cohort", "{d}/t.csv", "-o", "{d}/o.csv", "--rejects", "{d}/t.csv", "-q"],
         {"t.csv": COHORT_CSV}, ["rejects", "also an input"], absent=["o.csv"], unchanged=["t.csv"]),
    Case("cohort-summary-is-input", ["cohort", "{d}/t.csv", "-o", "{d}/o.csv", "--summary", "{d}/t.csv", "-q"],
         {"t.csv": COHORT_CSV}, ["--summary", "also an input"], absent=["o.csv"], unchanged=["t.csv"]),
    # a CSV summary also writes <name>.agreement.csv and <name>.population.csv beside it
    Case("cohort-summary-agreement-is-input",
         ["cohort", "{d}/s.agreement.csv", "-o", "{d}/o.csv", "--summary", "{d}/s.csv", "-q"],
         {"s.agreement.csv": COHORT_CSV}, ["--summary", "s.agreement.csv", "also an input"],
         absent=["o.csv", "s.csv", "s.population.csv"], unchanged=["s.agreement.csv"]),
    Case("cohort-summary-population-is-input",
         ["cohort", "{d}/s.population.csv", "-o", "{d}/o.csv", "--summary", "{d}/s.csv", "-q"],
         {"s.population.csv": COHORT_CSV}, ["--summary", "s.population.csv", "also an input"],
         absent=["o.csv", "s.csv", "s.agreement.csv"], unchanged=["s.population.csv"]),
    Case("cohort-out-missing-folder", ["cohort", "{d}/t.csv", "-o", "{d}/nodir/o.parquet", "-q"],
         {"t.csv": COHORT_CSV}, ["does not exist"], absent=["nodir"]),
    Case("cohort-failed-run-keeps-earlier-output", ["cohort", "{d}/t.csv", "-o", "{d}/o.parquet", "-q"],
         {"t.csv": "id,sex,age\n1,male,70\n2,female\n", "o.parquet": b"earlier", "o.rejects.csv": b"earlier"},
         ["data row 2"], unchanged=["o.parquet", "o.rejects.csv"]),
    Case("cohort-parquet-dir-differing-schemas", ["cohort", "{d}/parts", "-o", "{d}/o.parquet", "-q"],
         {"parts/a.parquet": parquet(pl.DataFrame({"id": [1], "sex": ["male"]})),
          "parts/b.parquet": parquet(pl.DataFrame({"id": ["x"], "age": [70.5]}))}, ["parts"], absent=["o.parquet"]),
    Case("cohort-out-in-proc", ["cohort", "{d}/t.csv", "-o", "/proc/myoscope-x.csv", "-q"], {"t.csv": COHORT_CSV},
         ["cannot write /proc/myoscope-x"]),
    # --- mappings ---------------------------------------------------------------------------------
    cohort_case("mapping-alias", "t.csv", COHORT_CSV, "aliases", extra=("--map", "{d}/m.yaml")),
    cohort_case("mapping-missing", "t.csv", COHORT_CSV, "m2.yaml", extra=("--map", "{d}/m2.yaml")),
    cohort_case("mapping-unknown-name", "t.csv", COHORT_CSV, "unknown mapping 'ukbb'", extra=("--map", "ukbb")),
    # --- synth ------------------------------------------------------------------------------------
    Case("synth-too-big", ["synth", "100000000000", "-o", "{d}/s.parquet"], {}, ["100,000,000,000 rows need about",
         "free"], absent=["s.parquet"]),
    Case("synth-missing-folder", ["synth", "10", "-o", "{d}/nodir/s.csv"], {}, ["does not exist"], absent=["nodir"]),
    Case("synth-negative-seed", ["synth", "5", "-o", "{d}/s.csv", "--seed", "-1"], {}, ["'--seed'"], absent=["s.csv"]),
]
# files shared by several cases
EXTRA_FILES: dict[str, dict[str, bytes | str]] = {
    "mapping-alias": {"m.yaml": "name: x\ncolumns:\n  sex: &s {from: [sex]}\n  age: *s\n"},
}


@pytest.fixture(scope="module")
def registry_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('registry') / 'r.sqlite'}"
    for args in (["db", "init"], ["patient", "add", "P1", "--sex", "male"]):
        r = runner.invoke(app, args, env={"MYOSCOPE_DATABASE_URL": url, "MYOSCOPE_USER": "corpus"})
        assert r.exit_code == 0, r.output
    return url


def test_the_corpus_is_large_enough() -> None:
    assert len(CASES) >= 60
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input(case: Case, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    for name, content in {**case.files, **EXTRA_FILES.get(case.id, {})}.items():
        p = tmp_path / name
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            p.write_text(content, "utf-8")
        else:
            p.write_bytes(content)
    before = {n: (tmp_path / n).read_bytes() for n in case.unchanged}
    env = {"MYOSCOPE_USER": "corpus"}
    if case.registry:
        env["MYOSCOPE_DATABASE_URL"] = request.getfixturevalue("registry_url")
    args = [a.replace("{d}", str(tmp_path)) for a in case.args]
    result = runner.invoke(app, args, input=case.stdin, env=env)

    assert result.exit_code == 2, (result.exit_code, result.output, result.stderr)
    assert "Traceback" not in result.output + result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
    assert errors, result.stderr
    for text in case.expect:
        assert text in result.stderr, (text, result.stderr)
    assert len(result.stderr) < 4000, "a message must never echo the input whole"
    for name in case.absent:
        assert not (tmp_path / name).exists(), name
    for name, content in before.items():
        assert (tmp_path / name).read_bytes() == content, f"{name} was changed"
    left = [p.name for p in tmp_path.rglob("*") if ".tmp" in p.name]
    assert not left, f"temporary files left behind: {left}"


def test_batch_assess_reports_every_bad_file_and_assesses_the_good_ones(tmp_path: Path) -> None:
    good = tmp_path / "a.yaml"
    good.write_text(RECORD)
    bad1 = tmp_path / "b.yaml"
    bad1.write_text("sex: male\nweight: 600\nweight: 60\n")
    bad2 = tmp_path / "c.json"
    bad2.write_text(json.dumps([{"sex": "male", "age": 70}, {"sex": "male", "grip_strength": 270}]))
    result = runner.invoke(app, ["assess", str(good), str(bad1), str(bad2), str(good), "-f", "json",
                                 "-d", "sdoc2020"])
    assert result.exit_code == 2
    assessed = json.loads(result.stdout)
    assert [a["record"]["age"] for a in assessed] == [80, 70, 80]
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
    assert errors[0].startswith(f"Error: cannot parse {bad1}: line 3")
    assert errors[1] == f"Error: invalid record {bad2}[1] (1 problem):"
    assert "grip_strength: 270 kg is implausible" in result.stderr
    assert errors[-1] == "Error: 2 bad record(s) or file(s), named above; 3 record(s) handled"


def test_assess_reads_standard_input() -> None:
    result = runner.invoke(app, ["assess", "-", "-f", "json", "-d", "sdoc2020"], input=RECORD.encode())
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["record"]["grip_strength"] == 24
    result = runner.invoke(app, ["assess", "-", "-", "-d", "sdoc2020"], input=RECORD.encode())
    assert result.exit_code == 2 and "standard input (-) can be read only once" in result.stderr


def test_version_and_option_conventions() -> None:
    from myoscope import __version__, load_knowledge

    assert runner.invoke(app, ["--version"]).stdout == f"myoscope {__version__}\n"
    assert runner.invoke(app, ["version"]).stdout == (
        f"myoscope {__version__}\nknowledge {load_knowledge().version}\n")
    for command in (["cohort"], ["synth"], ["plan"], ["simulate"]):
        text = runner.invoke(app, [*command, "--help"], env={"COLUMNS": "200"}).stdout
        assert "--output" in text and "-o" in text, command
    for command in (["patient", "list"], ["visit", "add"], ["import"], ["alerts"]):
        text = runner.invoke(app, [*command, "--help"], env={"COLUMNS": "200"}).stdout
        assert "-O" in text and " -o " not in text, command


def _all_commands() -> list[list[str]]:
    import typer.main

    group = typer.main.get_command(app)
    out: list[list[str]] = []

    def walk(cmd: object, path: list[str]) -> None:
        subs = getattr(cmd, "commands", None)
        if subs:
            for name, sub in subs.items():
                walk(sub, [*path, name])
        else:
            out.append(path)

    walk(group, [])
    return out


@pytest.mark.parametrize("command", _all_commands(), ids=lambda c: " ".join(c))
def test_help_has_no_python_types_and_every_option_is_explained(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for leak in ("<list[", "<bool>", "<str>", "<path>", "<int>", "<float>"):
        assert leak not in result.stdout, (command, leak)
    import typer.main

    cmd: object = typer.main.get_command(app)
    for name in command:
        cmd = cmd.commands[name]  # type: ignore[attr-defined]
    undocumented = [p.name for p in cmd.params if not getattr(p, "help", None)]  # type: ignore[attr-defined]
    assert not undocumented, (command, undocumented)


def test_unexpected_errors_are_one_line_not_a_traceback(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A bug still ends in ``Error:`` (status 1), and MYOSCOPE_DEBUG=1 brings the traceback back."""
    import importlib

    module = importlib.import_module("myoscope.pathway")  # what `assess` runs

    def broken(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(module, "run_pathway", broken)
    p = tmp_path / "r.yaml"
    p.write_text(RECORD)
    result = runner.invoke(app, ["assess", str(p)])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: internal error (ZeroDivisionError: boom)")
    result = runner.invoke(app, ["assess", str(p)], env={"MYOSCOPE_DEBUG": "1"})
    assert isinstance(result.exception, ZeroDivisionError)

