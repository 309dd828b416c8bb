"""Full three-valued truth tables for every node type (cql-execution style)."""

from __future__ import annotations

import itertools

import pytest

from myoscope.rules.logic import Truth, all3, alternatives3, any3, at_least3, not3
from myoscope.rules.nodes import Composite, Context, Node

T, F, U = True, False, None
VALUES = [T, F, U]

AND = {(T, T): T, (T, F): F, (T, U): U, (F, T): F, (F, F): F, (F, U): F, (U, T): U, (U, F): F, (U, U): U}
OR = {(T, T): T, (T, F): T, (T, U): T, (F, T): T, (F, F): F, (F, U): U, (U, T): T, (U, F): U, (U, U): U}
# alternatives: several tests of one construct; unknown only when nothing was measured
ALT = {(T, T): T, (T, F): T, (T, U): T, (F, T): T, (F, F): F, (F, U): F, (U, T): T, (U, F): F, (U, U): U}


class Fixed(Node):
    """A leaf with a fixed truth, to drive composite nodes through every combination."""

    def __init__(self, value: Truth) -> None:
        super().__init__(f"fixed {value}")
        self.value = value

    def _evaluate(self, ctx: Context) -> Truth:
        return self.value


@pytest.mark.parametrize(("a", "b"), list(itertools.product(VALUES, VALUES)))
def test_binary_truth_tables(a: Truth, b: Truth) -> None:
    assert all3([a, b]) is AND[(a, b)]
    assert any3([a, b]) is OR[(a, b)]
    assert alternatives3([a, b]) is ALT[(a, b)]
    for kind, table in (("all", AND), ("any", OR), ("alternatives", ALT)):
        node = Composite(kind, [Fixed(a), Fixed(b)])
        assert node.evaluate(Context({})) is table[(a, b)], kind


@pytest.mark.parametrize(("a", "expected"), [(T, F), (F, T), (U, U)])
def test_not(a: Truth, expected: Truth) -> None:
    assert not3(a) is expected
    assert Composite("not", [Fixed(a)]).evaluate(Context({})) is expected


def brute_at_least(n: int, vals: tuple[Truth, ...]) -> Truth:
    """Reference: the set of outcomes over every completion of the unknowns."""
    unknown = [i for i, v in enumerate(vals) if v is None]
    outcomes = set()
    for fill in itertools.product([True, False], repeat=len(unknown)):
        full = list(vals)
        for i, f in zip(unknown, fill, strict=True):
            full[i] = f
        outcomes.add(sum(1 for v in full if v) >= n)
    return outcomes.pop() if len(outcomes) == 1 else None


@pytest.mark.parametrize("n", [1, 2, 3])
@pytest.mark.parametrize("vals", list(itertools.product(VALUES, repeat=3)))
def test_at_least_matches_every_completion(n: int, vals: tuple[Truth, ...]) -> None:
    assert at_least3(n, vals) is brute_at_least(n, vals)
    node = Composite("at_least", [Fixed(v) for v in vals], n=n)
    assert node.evaluate(Context({})) is brute_at_least(n, vals)


@pytest.mark.parametrize("vals", list(itertools.product(VALUES, repeat=3)))
def test_kleene_and_or_match_every_completion(vals: tuple[Truth, ...]) -> None:
    # Kleene AND/OR are exactly "decided when every completion agrees".
    assert all3(vals) is brute_at_least(3, vals)
    assert any3(vals) is brute_at_least(1, vals)


def test_empty() -> None:
    assert all3([]) is True
    assert any3([]) is False
    assert alternatives3([]) is None


def test_composite_validation() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        Composite("not", [Fixed(T), Fixed(F)])
    with pytest.raises(ValueError, match="needs n"):
        Composite("at_least", [Fixed(T)])
    with pytest.raises(ValueError, match="unknown node type"):
        Composite("xor", [Fixed(T)])
