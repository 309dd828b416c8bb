"""A definition added as a knowledge file reaches every cohort output with no code change:
the classified table, the prevalence summary, the kappa matrix and the prevalence chart.

The test walks the knowledge base instead of naming definitions, so the next definition file is
covered the day it is added (AWGS 2025 was the first to arrive this way). Records come from the
golden cases, which reach every outcome of every definition.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest
import yaml

from myoscope import assess, load_knowledge, parse_record
from myoscope.cohort import classify, run_cohort
from myoscope.cohort.stats import case_outcomes
from myoscope.cohort.tables import record_to_row, row_to_record
from myoscope.knowledge.comparison import sarcopenia_ids

from .strategies import table_schema

GOLDEN = Path(__file__).parent.parent / "golden"


def golden_records() -> list[dict[str, Any]]:
    recs = []
    for path in sorted(GOLDEN.glob("*.yaml")):
        for case in yaml.safe_load(path.read_text()).get("cases", []):
            recs.append(case["record"])
    return recs


def golden_frame() -> tuple[pl.DataFrame, list[dict[str, Any]]]:
    """The golden records (canonical, tabular fields only) classified under every definition."""
    kb = load_knowledge()
    tabular = {
        m
        for m, spec in kb.catalog.measures.items()
        if spec.kind in ("quantity", "enum", "bool", "sarc_f", "weight_history", "conditions")
    }
    rows = []
    for i, rec in enumerate(golden_records()):
        values = parse_record(rec).values
        keep = {k: v for k, v in values.items() if k in tabular and k != "id"}
        rows.append({"id": str(i), **record_to_row(keep, kb.catalog)})
    schema = table_schema()
    df = pl.DataFrame({c: [r.get(c) for r in rows] for c in schema}, schema=schema, strict=False)
    records = [row_to_record({k: v for k, v in r.items() if k != "id"}, kb.catalog) for r in rows]
    return df, records


def classified() -> tuple[Any, list[dict[str, Any]]]:
    df, records = golden_frame()
    return classify(df, list(load_knowledge().definitions), id_column="id"), records


def summary(tmp_path: Path) -> Any:
    """The cohort summary (prevalence, kappa) of the golden records, as `myoscope cohort` makes it."""
    df, _ = golden_frame()
    df.write_parquet(tmp_path / "golden.parquet")
    run = run_cohort(tmp_path / "golden.parquet", tmp_path / "out.parquet", None, id_column="id")
    assert run.summary is not None
    return run.summary


def test_every_definition_has_its_columns_and_the_per_record_outcomes() -> None:
    kb = load_knowledge()
    result, recs = classified()
    assert result.rows_rejected == 0, result.rejects
    for def_id in kb.definitions:
        outputs = {def_id, f"{def_id}_decided", f"{def_id}_decisive", f"{def_id}_in_population"}
        assert outputs <= set(result.table.columns), def_id
    by_id = {r["id"]: r for r in result.table.to_dicts()}
    reached: dict[str, set[str]] = {d: set() for d in kb.definitions}
    for i, rec in enumerate(recs):
        results = assess(rec, list(kb.definitions)).results
        for def_id, r in results.items():
            assert by_id[str(i)][def_id] == r.outcome, (def_id, rec)
            reached[def_id].add(r.outcome)
    # the golden cases reach every outcome of every definition in the cohort engine too: a new
    # definition file must come with golden cases for each of its outcomes (issue 20)
    for d in kb.definitions.values():
        assert reached[d.id] == set(d.vocabulary), (d.id, set(d.vocabulary) - reached[d.id])


def test_every_definition_is_in_the_prevalence_and_the_kappa_matrix(tmp_path: Path) -> None:
    kb = load_knowledge()
    # every sarcopenia definition declares its case outcomes (cohort/cases.yaml is data too)
    assert set(sarcopenia_ids(kb)) <= set(case_outcomes()), "cohort/cases.yaml lacks an entry"
    s = summary(tmp_path)
    for d in kb.definitions.values():
        if d.variant_of:
            continue  # variants are classified on request only
        outcomes = set(
            s.prevalence.filter((pl.col("group") == "overall") & (pl.col("definition") == d.id))
            .get_column("outcome")
            .to_list()
        )
        assert outcomes == set(d.vocabulary), d.id
    pairs = {(r["definition_a"], r["definition_b"]) for r in s.agreement.to_dicts()}
    for def_id in case_outcomes():
        if not kb.definition(def_id).variant_of:
            assert any(def_id in p for p in pairs), f"{def_id} is not in the kappa matrix"


def test_the_prevalence_chart_shows_every_definition(tmp_path: Path) -> None:
    pytest.importorskip("altair")
    from myoscope.report.cohort_chart import prevalence_chart

    kb = load_knowledge()
    spec = prevalence_chart(summary(tmp_path)).to_dict()
    shown = {row["definition"] for row in spec["data"]["values"]}
    assert {d.id for d in kb.definitions.values() if not d.variant_of} <= shown
