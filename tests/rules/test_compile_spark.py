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
