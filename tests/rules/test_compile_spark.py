"""The Spark compiler's signature words: a slot's bit is set exactly when all its gates are true
(null is not true), and a gate that several slots share is tested once per word.

The outcomes and decisive measures of every definition against ``assess`` and polars are in
tests/cohort/test_parity_spark.py; this checks the word construction on its own truth table."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

pytest.importorskip("pyspark")

from myoscope.rules.compile_polars import WORD_BITS

GATES = ("g_shared", "g_left", "g_right", "g_alone")
#: (measure, gate names outermost first): the first, second and last share the first gate
SLOTS = [
    ("grip", ("g_shared", "g_left")),
    ("gait", ("g_shared", "g_right")),
    ("asm", ("g_alone",)),
    ("grip", ("g_shared",)),
    ("sex", ()),
]


def _slots(names: list[tuple[str, tuple[str, ...]]]) -> list[Any]:
    from pyspark.sql import functions as F

    from myoscope.rules.compile_spark import Slot

    cols = {g: F.col(g) for g in GATES}  # one Column object per gate, as the compiler shares them
    return [Slot(m, tuple(cols[g] for g in gates)) for m, gates in names]


def test_a_bit_is_set_exactly_when_every_gate_of_its_slot_is_true(spark: Any) -> None:
    from myoscope.rules.compile_spark import _signature

    rows = list(itertools.product([True, False, None], repeat=len(GATES)))
    frame = spark.createDataFrame(rows, ", ".join(f"{g} boolean" for g in GATES))
    (word,) = _signature(_slots(SLOTS))
    got = frame.select(*GATES, word.alias("w")).collect()
    assert len(got) == 3 ** len(GATES)
    for r in got:
        expected = sum(1 << b for b, (_, gates) in enumerate(SLOTS) if all(r[g] is True for g in gates))
        assert r["w"] == expected, r


def test_a_shared_gate_is_tested_once_per_word(spark: Any) -> None:
    from myoscope.rules.compile_spark import _signature

    many = SLOTS * (WORD_BITS // len(SLOTS) + 1)  # more slots than one word holds
    words = _signature(_slots(many))
    assert len(words) == 2
    for word in words:
        assert str(word).count("g_shared") == 1, str(word)


def test_chains_are_balanced_trees() -> None:
    """A chain of n operands would nest n calls deep, beyond what a Spark Connect client can send
    from about 50 on; the balanced tree nests log2(n) and keeps the operands' order."""
    from myoscope.rules.compile_spark import balanced

    def depth(tree: object) -> int:
        return 1 + max(depth(t) for t in tree) if isinstance(tree, tuple) else 0

    tree = balanced(lambda a, b: (a, b), list(range(200)))
    assert depth(tree) == 8

    def leaves(t: object) -> list[object]:
        return [x for s in t for x in leaves(s)] if isinstance(t, tuple) else [t]

    assert leaves(tree) == list(range(200))
    with pytest.raises(ValueError, match="at least one operand"):
        balanced(lambda a, b: a, [])


def test_in_population_and_its_code_equal_the_engine_in_every_state(spark: Any) -> None:
    """``in_population`` from the compiled column and decoded from the outcome code (the staged
    form) equal ``Population.established`` as the engine reports it, for every state."""
    from pyspark.sql import functions as F

    from myoscope.rules.compile_spark import SimpleSparkColumns, apply_all, compile_definition
    from myoscope.rules.nodes import Context

    from .test_compile_polars import POPULATION_ROWS, population_definition

    d = population_definition()
    compiled = compile_definition(d, SimpleSparkColumns())
    rows = [(i, r["age"], r["asian"], r["conditions"], r["a"]) for i, r in enumerate(POPULATION_ROWS)]
    frame = spark.createDataFrame(rows, "i int, age double, asian boolean, conditions array<string>, a boolean")
    applied = compiled.apply(frame)
    # run_spark's staged form: the code (with the signature words), decoded after staging
    staged = apply_all(frame, [compiled], ["i"], signature=True)
    decoded = compiled.decoded(F.col(compiled.code_column))
    codes = staged.select("i", *[e.alias(f"code_{n}") for n, e in decoded.items()])
    got = {r["i"]: r.asDict() for r in applied.join(codes, "i").collect()}
    for i, row in enumerate(POPULATION_ROWS):
        want = d.evaluate(Context({k: v for k, v in row.items() if v is not None}))
        g = got[i]
        assert (g["t"], g["t_decided"], g["t_in_population"]) == (want.outcome, want.decided, want.in_population)
        assert (g["code_t"], g["code_t_decided"], g["code_t_in_population"]) == (
            want.outcome,
            want.decided,
            want.in_population,
        ), row
