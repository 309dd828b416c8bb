"""Three-valued predicates over a record's facts: the "when" of every finding and red flag.

A predicate is written in ``causes.yaml`` as a small mapping (``{fact: age, ge: 50}``,
``{any: [...]}``, ``{finding: umn_signs}``) and compiled once. Evaluating it gives a truth value
(true, false, or ``None`` when an input is missing) and, when unknown, the facts whose absence keeps
it unknown: those become the questions to ask. Missing is never read as normal or abnormal.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ..rules.logic import Truth, all3, alternatives3, any3, not3

Facts = Mapping[str, Any]
Outcome = tuple[Truth, tuple[str, ...]]
#: resolves ``{finding: id}`` during one evaluation (the engine memoises findings)
FindingLookup = Callable[[str], Outcome]

_NUMERIC = {"gt": float.__gt__, "ge": float.__ge__, "lt": float.__lt__, "le": float.__le__}
_LEAF_OPS = {"is", "in", "includes", "present", "above", "below", "count_ge", "not_recorded_as", *_NUMERIC}
_SYMBOLS = {"gt": ">", "ge": ">=", "lt": "<", "le": "<=", "above": ">", "below": "<"}


class PredicateError(ValueError):
    """A predicate mapping that is not of the documented form (the loader adds the location)."""


class Predicate:
    """Base class: ``evaluate`` returns (truth, facts missing when the truth is unknown)."""

    def evaluate(self, facts: Facts, finding: FindingLookup) -> Outcome:
        raise NotImplementedError

    def facts(self) -> list[str]:
        """Every fact path read, for the loader's cross-checks."""
        return []

    def findings(self) -> list[str]:
        return []

    def describe(self) -> str:
        raise NotImplementedError


def _merge(parts: Sequence[Outcome]) -> tuple[str, ...]:
    out: list[str] = []
    for truth, missing in parts:
        if truth is None:
            out += [m for m in missing if m not in out]
    return tuple(out)


class Leaf(Predicate):
    def __init__(self, fact: str, op: str, value: Any, times: float = 1.0) -> None:
        self.fact, self.op, self.value, self.times = fact, op, value, times
        if times != 1.0 and op not in ("above", "below"):
            raise PredicateError("times scales the other fact of above or below only")
        if isinstance(times, bool) or not isinstance(times, int | float) or times <= 0:
            raise PredicateError(f"times needs a positive number, got {times!r}")
        if op in _NUMERIC and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise PredicateError(f"{op} needs a number, got {value!r}")
        if op in ("above", "below") and not isinstance(value, str):
            raise PredicateError(f"{op} needs the path of another fact, got {value!r}")
        if op == "count_ge" and (isinstance(value, bool) or not isinstance(value, int)):
            raise PredicateError(f"count_ge needs a whole number, got {value!r}")
        if op in ("in", "includes") and not isinstance(value, list):
            raise PredicateError(f"{op} needs a list, got {value!r}")
        if op == "present" and not isinstance(value, bool):
            raise PredicateError(f"present needs true or false, got {value!r}")

    def facts(self) -> list[str]:
        return [self.fact, self.value] if self.op in ("above", "below") else [self.fact]

    def evaluate(self, facts: Facts, finding: FindingLookup) -> Outcome:
        v = facts.get(self.fact)
        op = self.op
        if op in ("above", "below"):
            other = facts.get(self.value)
            if v is None or other is None:
                return None, tuple(f for f, x in ((self.fact, v), (self.value, other)) if x is None)
            # "CK more than 5 times the upper limit": the other fact scaled by the cited multiple
            limit = float(other) * self.times
            return (float(v) > limit if op == "above" else float(v) < limit), ()
        if op == "not_recorded_as":  # a safety flag holds unless the record says otherwise
            return (self.value not in v if isinstance(v, list) else v != self.value), ()
        if v is None:
            return None, (self.fact,)
        if op == "is":
            return v == self.value, ()
        if op == "in":
            return v in self.value, ()
        if op == "includes":
            items = v if isinstance(v, list) else [v]
            return any(x in items for x in self.value), ()
        if op == "present":
            present = v is True or (isinstance(v, list) and len(v) > 0)
            return present == self.value, ()
        if op == "count_ge":
            if v is True:  # present, but the regions were not recorded
                return (True, ()) if self.value <= 1 else (None, (self.fact,))
            n = len(v) if isinstance(v, list) else 0
            return n >= self.value, ()
        return _NUMERIC[op](float(v), float(self.value)), ()

    def describe(self) -> str:
        sym = _SYMBOLS.get(self.op)
        if sym:
            times = f"{self.times:g} x " if self.times != 1.0 else ""
            return f"{self.fact} {sym} {times}{self.value}"
        if self.op == "is":
            return f"{self.fact} is {str(self.value).lower()}"
        if self.op == "present":
            return f"{self.fact} {'present' if self.value else 'absent'}"
        if self.op == "not_recorded_as":
            return f"{self.fact} not recorded as {str(self.value).lower()}"
        if self.op == "count_ge":
            return f"{self.fact} in at least {self.value} regions"
        joined = ", ".join(map(str, self.value))
        return f"{self.fact} {'one of' if self.op == 'in' else 'includes any of'} [{joined}]"


class Overlaps(Predicate):
    """Two region lists share a region (Gold Coast: upper and lower motor neuron signs together)."""

    def __init__(self, a: str, b: str) -> None:
        self.a, self.b = a, b

    def facts(self) -> list[str]:
        return [self.a, self.b]

    def evaluate(self, facts: Facts, finding: FindingLookup) -> Outcome:
        va, vb = facts.get(self.a), facts.get(self.b)
        if va == [] or vb == [] or va is False or vb is False:
            return False, ()
        if isinstance(va, list) and isinstance(vb, list):
            return bool(set(va) & set(vb)), ()
        return None, tuple(f for f, v in ((self.a, va), (self.b, vb)) if not isinstance(v, list))

    def describe(self) -> str:
        return f"{self.a} and {self.b} share a region"


class Combine(Predicate):
    def __init__(self, kind: str, parts: list[Predicate]) -> None:
        self.kind, self.parts = kind, parts
        self._fn = {"all": all3, "any": any3, "alternatives": alternatives3}[kind]

    def facts(self) -> list[str]:
        return [f for p in self.parts for f in p.facts()]

    def findings(self) -> list[str]:
        return [f for p in self.parts for f in p.findings()]

    def evaluate(self, facts: Facts, finding: FindingLookup) -> Outcome:
        results = [p.evaluate(facts, finding) for p in self.parts]
        truth = self._fn(t for t, _ in results)
        return truth, (_merge(results) if truth is None else ())

    def describe(self) -> str:
        word = {"all": " and ", "any": " or ", "alternatives": " or (alternatives) "}[self.kind]
        return "(" + word.join(p.describe() for p in self.parts) + ")"


class Not(Predicate):
    def __init__(self, part: Predicate) -> None:
        self.part = part

    def facts(self) -> list[str]:
        return self.part.facts()

    def findings(self) -> list[str]:
        return self.part.findings()

    def evaluate(self, facts: Facts, finding: FindingLookup) -> Outcome:
        truth, missing = self.part.evaluate(facts, finding)
        return not3(truth), missing

    def describe(self) -> str:
        return f"not {self.part.describe()}"


class Unless(Not):
    """True unless the part is known true: "a safety flag holds unless the record says otherwise"
    (``not_recorded_as`` for one fact, this for a finding). So an exception to a red flag (a limb
    in a cast explains a focal weakness) removes the flag only when it is recorded, and a missing
    answer never silences it. Asks nothing: the flag's own facts are what to ask."""

    def evaluate(self, facts: Facts, finding: FindingLookup) -> Outcome:
        truth, _ = self.part.evaluate(facts, finding)
        return truth is not True, ()

    def describe(self) -> str:
        return f"unless {self.part.describe()}"


class NotRecorded(Predicate):
    """An item the record cannot hold (e.g. "investigations excluding other disease"): always
    unknown, and asks nothing, because no history answer could decide it."""

    def __init__(self, what: str) -> None:
        self.what = what

    def evaluate(self, facts: Facts, finding: FindingLookup) -> Outcome:
        return None, ()

    def describe(self) -> str:
        return f"not recorded: {self.what}"


class FindingRef(Predicate):
    def __init__(self, finding_id: str) -> None:
        self.finding_id = finding_id

    def findings(self) -> list[str]:
        return [self.finding_id]

    def evaluate(self, facts: Facts, finding: FindingLookup) -> Outcome:
        return finding(self.finding_id)

    def describe(self) -> str:
        return f"[{self.finding_id}]"


def compile_predicate(spec: Any) -> Predicate:
    """Compile one ``when`` mapping. :raises PredicateError: on anything not of the documented form."""
    if not isinstance(spec, Mapping):
        raise PredicateError(f"expected a mapping, got {spec!r}")
    keys = set(spec)
    for kind in ("all", "any", "alternatives"):
        if keys == {kind}:
            parts = spec[kind]
            if not isinstance(parts, list) or len(parts) < 2:
                raise PredicateError(f"{kind} needs a list of at least two predicates")
            return Combine(kind, [compile_predicate(p) for p in parts])
    if keys == {"not"}:
        return Not(compile_predicate(spec["not"]))
    if keys == {"unless"}:
        return Unless(compile_predicate(spec["unless"]))
    if keys == {"finding"}:
        if not isinstance(spec["finding"], str):
            raise PredicateError("finding needs a finding id")
        return FindingRef(spec["finding"])
    if keys == {"not_recorded"}:
        if not isinstance(spec["not_recorded"], str):
            raise PredicateError("not_recorded needs a description of what the record cannot hold")
        return NotRecorded(spec["not_recorded"])
    if keys == {"overlaps"}:
        pair = spec["overlaps"]
        if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(p, str) for p in pair)):
            raise PredicateError("overlaps needs two fact paths")
        return Overlaps(pair[0], pair[1])
    if "fact" in keys:
        ops = keys - {"fact", "times"}
        if len(ops) != 1 or not ops <= _LEAF_OPS:
            raise PredicateError(
                f"a fact test needs exactly one of {', '.join(sorted(_LEAF_OPS))}; got {sorted(ops)}")
        op = ops.pop()
        return Leaf(str(spec["fact"]), op, spec[op], spec.get("times", 1.0))
    raise PredicateError(f"unknown predicate keys {sorted(keys)}")
