"""The polars compiler against the per-record engine: full truth tables for every node type, and
Compare's candidate, unsettled and unpublished cut-off rules, outcome by outcome, including the
order of the decisive measures."""

from __future__ import annotations

import itertools
from typing import Any

import polars as pl
import pytest

from myoscope.rules.compile_polars import SimpleColumns, compile_definition
from myoscope.rules.evaluate import Definition, Population
from myoscope.rules.nodes import (
    Compare,
    Composite,
    Context,
    Cutoff,
    Node,
    Ref,
    Score,
    ScoreItem,
    Source,
    conditions_from,
)

SRC = Source(ref="test", text="Test 2024")
VALUES = [True, False, None]


def leaf(measure: str) -> Compare:
    """A leaf whose truth is the Boolean column ``measure`` itself (null stays unknown)."""
    return Compare(measure, measure, "==", [Cutoff(True)], SRC, name=measure)


def definition(outcomes: list[tuple[str, Node]], components: dict[str, Node] | None = None) -> Definition:
    labels = [label for label, _ in outcomes]
    return Definition(
        id="t",
        title="test",
        version="1",
        source=SRC,
        population=Population("test", SRC),
        vocabulary=[*labels, "indeterminate"],
        components=components or {},
        outcomes=outcomes,
    )


def compare_with_engine(d: Definition, rows: list[dict[str, Any]], cols: SimpleColumns | None = None) -> None:
    """Every row: the compiled outcome, decided and decisive measures equal the Python engine's."""
    columns = cols or SimpleColumns()
    compiled = compile_definition(d, columns)
    names = sorted({k for r in rows for k in r})
    frame = pl.DataFrame({n: [r.get(n) for r in rows] for n in names}, strict=False)
    out = compiled.apply(frame.lazy()).collect()
    sigs = out.select(compiled.signature_columns).rows()
    for i, row in enumerate(rows):
        ctx = Context({k: v for k, v in row.items() if v is not None}, columns.derived_inputs)
        want = d.evaluate(ctx)
        got = (out[d.id][i], out[f"{d.id}_decided"][i], compiled.decisive(sigs[i]))
        assert got == (want.outcome, want.decided, want.decisive_measures), row


@pytest.mark.parametrize("kind", ["all", "any", "alternatives", "not", "at_least"])
def test_composite_truth_tables(kind: str) -> None:
    arity = 1 if kind == "not" else 3
    parts = [leaf(m) for m in "abc"[:arity]]
    node = Composite(kind, parts, n=2 if kind == "at_least" else None, name="x")
    d = definition([("yes", node), ("no", Composite("not", [Ref(node)]))], {"x": node})
    rows = [dict(zip("abc", combo, strict=False)) for combo in itertools.product(VALUES, repeat=arity)]
    compare_with_engine(d, rows)


def grip(comparator: str = "<", unconfirmed: str | None = None, female: float | None = 16) -> Compare:
    return Compare(
        "low grip",
        "grip_strength",
        comparator,
        [Cutoff(27, conditions_from({"sex": "male"})), Cutoff(female, conditions_from({"sex": "female"}))],
        SRC,
        unconfirmed_comparator=unconfirmed,
        name="low_grip",
    )


SEXES = ["male", "female", None]
GRIPS = [10.0, 15.9, 16.0, 20.0, 27.0, 30.0, None]


@pytest.mark.parametrize(("comparator", "unconfirmed"), [("<", None), ("<", "<="), ("<=", "<")])
def test_compare_candidates_and_unsettled_comparators(comparator: str, unconfirmed: str | None) -> None:
    node = grip(comparator, unconfirmed)
    d = definition([("low", node), ("normal", Composite("not", [Ref(node)]))], {"low_grip": node})
    compare_with_engine(d, [{"sex": s, "grip_strength": g} for s in SEXES for g in GRIPS])


def test_unpublished_cutoff_is_unknown_for_that_group_only() -> None:
    node = grip(female=None)
    d = definition([("low", node), ("normal", Composite("not", [Ref(node)]))], {"low_grip": node})
    compare_with_engine(d, [{"sex": s, "grip_strength": g} for s in SEXES for g in GRIPS])


def test_band_conditions_with_derived_inputs_and_unsettled_boundary() -> None:
    node = Compare(
        "low grip (BMI bands)",
        "grip_strength",
        "<=",
        [
            Cutoff(29, conditions_from({"bmi": {"le": 24}})),
            Cutoff(32, conditions_from({"bmi": {"gt": 24, "unsettled": True}})),
        ],
        SRC,
        name="g",
    )
    d = definition([("low", node), ("normal", Composite("not", [Ref(node)]))], {"g": node})
    cols = SimpleColumns(derived_inputs={"bmi": ("weight", "height")})
    rows = [
        {"grip_strength": g, "bmi": b, "weight": w, "height": 170.0}
        for g in (28.0, 30.0, 33.0, None)
        for b in (23.0, 24.0, 25.0, None)
        for w in (70.0, None)
    ]
    compare_with_engine(d, rows, cols)


def test_score_from_partial_answers() -> None:
    calf = Compare("low calf", "calf", "<", [Cutoff(31)], SRC, name="calf")
    score = Score(
        "total",
        "total",
        [ScoreItem(measure="q1", max=2), ScoreItem(measure="q2", max=2), ScoreItem(node=Ref(calf), max=10)],
        ">=",
        11,
        SRC,
        name="score",
    )
    d = definition(
        [("positive", score), ("negative", Composite("not", [Ref(score)]))], {"calf": calf, "score": score}
    )
    rows = [
        {"q1": a, "q2": b, "calf": c}
        for a in (0.0, 1.0, 2.0, None)
        for b in (0.0, 2.0, None)
        for c in (30.0, 31.0, None)
    ]
    compare_with_engine(d, rows)


def test_outcome_order_decides_and_lists_decisive_measures_in_order() -> None:
    a, b = leaf("a"), leaf("b")
    both = Composite("all", [Ref(a), Ref(b)], name="both")
    d = definition(
        [("both", both), ("only_a", Ref(a)), ("neither", Composite("not", [Ref(a)]))],
        {"a": a, "b": b, "both": both},
    )
    rows = [{"a": x, "b": y} for x in VALUES for y in VALUES]
    compare_with_engine(d, rows)


def test_the_compiled_plan_is_small() -> None:
    # every node is its own column: a plan that grew with repeated sub-expressions would make
    # large definitions (GLIM, Fried) take seconds to optimise
    node = grip()
    compiled = compile_definition(definition([("low", node)], {"low_grip": node}), SimpleColumns())
    assert sum(len(s) for s in compiled.stages) >= 3
    assert all(len(str(e)) < 4000 for s in compiled.stages for e in s)


def population_definition() -> Definition:
    """Adults only; established by Asian ancestry or a recorded cancer (a list condition)."""
    node = leaf("a")
    population = Population(
        "adults, Asian or with cancer",
        SRC,
        excludes=conditions_from({"age": {"lt": 18}}),
        exclusion_text="children",
        established_by=(
            conditions_from({"asian": True, "age": {"ge": 18}}),
            conditions_from({"conditions": {"includes": ["cancer", "copd"]}, "age": {"ge": 18}}),
        ),
        not_established_text="not shown",
    )
    return Definition(
        id="t",
        title="test",
        version="1",
        source=SRC,
        population=population,
        vocabulary=["yes", "no", "indeterminate", "not_applicable"],
        components={"a": node},
        outcomes=[("yes", node), ("no", Composite("not", [Ref(node)]))],
    )


#: every state of each condition: age missing, a child, at the bound, an adult; Asian ancestry
#: true, false, unrecorded; conditions unrecorded, none, the one named, others only
POPULATION_ROWS = [
    {"age": age, "asian": asian, "conditions": conditions, "a": a}
    for age in (None, 12.0, 17.9, 18.0, 40.0)
    for asian in (True, False, None)
    for conditions in (None, [], ["cancer"], ["hiv", "copd"], ["hiv"])
    for a in (True, None)
]


def test_in_population_equals_the_engine_in_every_state() -> None:
    d = population_definition()
    compiled = compile_definition(d, SimpleColumns())
    frame = pl.DataFrame(
        {n: [r[n] for r in POPULATION_ROWS] for n in ("age", "asian", "conditions", "a")},
        schema={"age": pl.Float64, "asian": pl.Boolean, "conditions": pl.List(pl.String), "a": pl.Boolean},
    )
    out = compiled.apply(frame.lazy()).collect()
    seen = set()
    for i, row in enumerate(POPULATION_ROWS):
        want = d.evaluate(Context({k: v for k, v in row.items() if v is not None}))
        got = (out["t"][i], out["t_in_population"][i])
        assert got == (want.outcome, want.in_population), row
        seen.add(want.in_population)
    assert seen == {True, False, None}


def test_no_established_by_means_in_population_unless_excluded() -> None:
    node = leaf("a")
    d = definition([("yes", node), ("no", Composite("not", [Ref(node)]))], {"a": node})
    out = compile_definition(d, SimpleColumns()).apply(pl.LazyFrame({"a": [True, None]})).collect()
    assert out["t_in_population"].to_list() == [True, True]
