"""Schema and loader of ``knowledge/trajectory.yaml``: the simulator's cited parameters.

Every number the simulator uses comes from this file. The schema forbids unknown keys and a
value without a source; the loader checks that every cited reference exists and that every
calibration row and claim refers to something that exists, so a typo fails at load time rather
than as a silently different projection.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..errors import KnowledgeError, Problem, quote
from ..knowledge.loader import load_references, read_spec
from ..knowledge.schema import Reference

Confidence = Literal["low", "low_medium", "medium", "medium_high", "high"]
Basis = Literal["evidence", "secondary", "converted", "fitted", "proposed", "assumption"]
Unit = Literal["%/yr", "%/d", "%/month", "%", "d", "ratio", "multiplier"]
Mode = Literal["low", "central", "high", "drawn"]
MODES: tuple[str, ...] = ("low", "central", "high", "drawn")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SourceRef(_Strict):
    ref: str
    locator: str | None = None


class AgeBand(_Strict):
    """``{ge: 40, lt: 50}``: the age band a value applies to (years, lower bound inclusive)."""

    ge: float | None = None
    lt: float | None = None

    def contains(self, age: float) -> bool:
        return (self.ge is None or age >= self.ge) and (self.lt is None or age < self.lt)


class When(_Strict):
    age: AgeBand | None = None
    sex: Literal["male", "female"] | None = None


class ValueSpec(_Strict):
    when: When = Field(default_factory=When)
    central: float
    range: tuple[float, float]
    confidence: Confidence
    basis: Basis
    sources: list[SourceRef] = Field(min_length=1)
    note: str | None = None

    @model_validator(mode="after")
    def _central_in_range(self) -> ValueSpec:
        lo, hi = self.range
        if not lo <= self.central <= hi:
            raise ValueError(f"central {self.central} is outside range [{lo}, {hi}]")
        return self


class ParameterSpec(_Strict):
    label: str
    unit: Unit
    description: str | None = None
    applies_when: When | None = None
    values: list[ValueSpec] = Field(min_length=1)


class StateSpec(_Strict):
    label: str
    kind: Literal["disuse", "disease"]
    scope: Literal["whole_body", "limb"]
    aliases: list[str] = Field(default_factory=list)
    #: the recorded conditions (measures.yaml ``conditions``) this state projects, with their names
    conditions: dict[str, str] = Field(default_factory=dict)
    note: str | None = None
    sources: list[SourceRef] = Field(min_length=1)


class InterventionSpec(_Strict):
    label: str
    modelled: bool
    not_during: list[str] = Field(default_factory=list)
    only_during: list[str] = Field(default_factory=list)
    note: str | None = None
    caveat_with: dict[str, str] = Field(default_factory=dict)  # state -> caveat when they overlap
    sources: list[SourceRef] = Field(min_length=1)


class QuantitySpec(_Strict):
    label: str
    unit: str
    follows: Literal["mass", "strength", "none"]
    measure: str | None = None
    note: str | None = None
    caveat: str | None = None
    sources: list[SourceRef] = Field(default_factory=list)


class Observed(_Strict):
    value: float | None = None
    low: float
    high: float
    spread: str


class MeasureSpec(_Strict):
    quantity: Literal["muscle_mass", "strength"]
    kind: Literal["loss_percent", "annual_loss_rate", "rate_ratio"]
    day: int = Field(gt=0)


class CalibrationSpec(_Strict):
    id: str
    label: str
    case: dict[str, Any]
    measure: MeasureSpec
    observed: Observed | None = None
    source: SourceRef
    role: Literal["check", "comparison", "illustration"]
    known_miss: str | None = None

    @model_validator(mode="after")
    def _observed(self) -> CalibrationSpec:
        if self.role != "illustration" and self.observed is None:
            raise ValueError(f"a {self.role} needs an observed value")
        return self


class ClaimSpec(_Strict):
    id: str
    claim: str
    cited_source: SourceRef
    verdict: Literal["supported", "high_end_only", "critical_illness_only", "not_supported"]
    summary: str
    sources: list[SourceRef] = Field(min_length=1)
    checks: list[str] = Field(default_factory=list)


class TrajectoryFile(_Strict):
    version: str
    compartment: str
    parameter_groups: dict[str, list[str]] = Field(default_factory=dict)
    parameters: dict[str, ParameterSpec]
    states: dict[str, StateSpec]
    interventions: dict[str, InterventionSpec]
    quantities: dict[str, QuantitySpec]
    calibration: list[CalibrationSpec]
    claims: list[ClaimSpec]
    #: recorded conditions that waste muscle and that no state projects, with their names
    conditions_not_modelled: dict[str, str] = Field(default_factory=dict)


@dataclass(frozen=True)
class Band:
    """One resolved value of a parameter for a person: the age band it covers and its numbers."""

    age_ge: float | None
    age_lt: float | None
    central: float
    low: float
    high: float

    def contains(self, age: float) -> bool:
        return (self.age_ge is None or age >= self.age_ge) and (self.age_lt is None or age < self.age_lt)


@dataclass
class TrajectoryKnowledge:
    """The validated trajectory knowledge plus the references it cites."""

    spec: TrajectoryFile
    references: dict[str, Reference]

    @property
    def parameters(self) -> dict[str, ParameterSpec]:
        return self.spec.parameters

    def cite(self, source: SourceRef) -> str:
        """``Di Girolamo et al. 2021 (doi:...), Table 1``."""
        text = self.references[source.ref].short()
        return f"{text}, {source.locator}" if source.locator else text

    def state_id(self, name: str) -> str | None:
        """The canonical state id for a name or alias (``cast`` -> ``immobilisation``)."""
        for sid, state in self.spec.states.items():
            if name == sid or name in state.aliases:
                return sid
        return None

    def conditions_left_out(self, conditions: Iterable[str], states: Iterable[str]) -> list[str]:
        """What a projection under ``states`` leaves out of a record that holds ``conditions``:
        one sentence per recorded condition that wastes muscle and that no state of the scenario
        projects (the ageing rates are those of cohorts of older adults, not of that disease)."""
        present = set(states)
        out = []
        for c in dict.fromkeys(conditions):
            if c in self.spec.conditions_not_modelled:
                out.append(f"{self.spec.conditions_not_modelled[c]} is recorded: this model has no "
                           "rates for it, so the projection leaves out its effect on muscle.")
                continue
            for sid, state in self.spec.states.items():
                if c in state.conditions and sid not in present:
                    out.append(f"{state.conditions[c]} is recorded, and this scenario does not add the "
                               f"state '{state.label}': the projection leaves out any effect of it on "
                               "muscle.")
        return out

    def expand(self, key: str) -> list[str]:
        """A parameter id or a group name (``ageing``) -> parameter ids; [] when unknown."""
        if key in self.spec.parameters:
            return [key]
        return list(self.spec.parameter_groups.get(key, []))

    def bands(self, parameter: str, sex: str) -> list[Band]:
        """The values of ``parameter`` that can apply to a person of ``sex``, by age band."""
        spec = self.spec.parameters[parameter]
        out: list[Band] = []
        for v in spec.values:
            if v.when.sex is not None and v.when.sex != sex:
                continue
            age = v.when.age
            out.append(
                Band(age.ge if age else None, age.lt if age else None, v.central, v.range[0], v.range[1])
            )
        if not out:
            raise KnowledgeError(f"trajectory.yaml: parameter {parameter!r} has no value for sex {sex!r}")
        return out

    def applies(self, parameter: str, sex: str, age: float) -> bool:
        """Whether a conditional parameter (the women's multipliers) applies at this age."""
        cond = self.spec.parameters[parameter].applies_when
        if cond is None:
            return True
        if cond.sex is not None and cond.sex != sex:
            return False
        return cond.age is None or cond.age.contains(age)


#: at most this many unknown names are quoted in a message (the rest are counted)
_NAMES_SHOWN = 10


def fixed_parameters(
    kb: TrajectoryKnowledge, fixed: Collection[str] | str | None, field: str = "fix"
) -> tuple[tuple[str, ...] | str, list[Problem]]:
    """The parameters ``fixed`` holds at their central value: ``"all"``, or parameter ids.

    ``fixed`` is ``"all"``, comma-separated names (as ``--fix`` takes them) or a collection of
    names; a name is a parameter id or a group (``ageing``), as in a scenario's ``parameters``.
    A name that is neither is a problem (named with every one that can be given), not a silent
    no-op: the projection would otherwise claim to hold a parameter it draws like the others.
    """
    if not fixed:
        return (), []
    names = fixed.split(",") if isinstance(fixed, str) else [str(f) for f in fixed]
    names = [n.strip() for n in names if n.strip()]
    if "all" in names:
        return "all", []
    ids: set[str] = set()
    unknown: list[str] = []
    for name in names:
        expanded = kb.expand(name)
        if expanded:
            ids.update(expanded)
        elif name not in unknown:
            unknown.append(name)
    if not unknown:
        return tuple(sorted(ids)), []
    shown = ", ".join(quote(n) for n in unknown[:_NAMES_SHOWN])
    more = f" and {len(unknown) - _NAMES_SHOWN} more" if len(unknown) > _NAMES_SHOWN else ""
    groups = ", ".join(kb.spec.parameter_groups) or "none"
    return (), [
        Problem(
            field,
            f"unknown parameter(s) {shown}{more} (expected all, a group: {groups}; "
            f"or parameter ids: {', '.join(kb.parameters)})",
        )
    ]


def _check_refs(spec: TrajectoryFile, refs: dict[str, Reference]) -> list[str]:
    """Every cross-reference in the file, checked; returns the problems found."""
    problems: list[str] = []

    def need(src: SourceRef, where: str) -> None:
        if src.ref not in refs:
            problems.append(f"{where}: unknown reference {src.ref!r}")

    for pid, p in spec.parameters.items():
        for i, v in enumerate(p.values):
            for s in v.sources:
                need(s, f"parameters.{pid}.values[{i}]")
    for group, ids in spec.parameter_groups.items():
        problems += [
            f"parameter_groups.{group}: unknown parameter {x!r}" for x in ids if x not in spec.parameters
        ]
    for sid, st in spec.states.items():
        for s in st.sources:
            need(s, f"states.{sid}")
    for iid, iv in spec.interventions.items():
        for s in iv.sources:
            need(s, f"interventions.{iid}")
        problems += [
            f"interventions.{iid}: unknown state {x!r}"
            for x in [*iv.not_during, *iv.only_during, *iv.caveat_with]
            if x not in spec.states
        ]
    for qid, q in spec.quantities.items():
        for s in q.sources:
            need(s, f"quantities.{qid}")
        if q.follows != "none" and q.measure is not None and not q.sources:
            problems.append(f"quantities.{qid}: a projected measure needs a source for its caveat")
    ids = [c.id for c in spec.calibration]
    problems += [f"calibration: duplicate id {x!r}" for x in {i for i in ids if ids.count(i) > 1}]
    for c in spec.calibration:
        need(c.source, f"calibration.{c.id}")
    for cl in spec.claims:
        need(cl.cited_source, f"claims.{cl.id}")
        for s in cl.sources:
            need(s, f"claims.{cl.id}")
        problems += [f"claims.{cl.id}: unknown calibration check {x!r}" for x in cl.checks if x not in ids]
    return problems


def load_trajectory_from(directory: Path) -> TrajectoryKnowledge:
    """Load and validate ``trajectory.yaml`` in a knowledge directory.

    :raises KnowledgeError: naming every problem (schema or cross-reference) at once.
    """
    path = directory / "trajectory.yaml"
    spec = read_spec(path, TrajectoryFile)
    _, refs = load_references(directory)
    problems = _check_refs(spec, refs)
    if problems:
        raise KnowledgeError("trajectory.yaml: " + "; ".join(problems))
    return TrajectoryKnowledge(spec=spec, references=refs)


@cache
def load_trajectory() -> TrajectoryKnowledge:
    """The embedded trajectory knowledge (cached)."""
    return load_trajectory_from(Path(str(resources.files("myoscope.knowledge"))))


__all__ = [
    "MODES",
    "Band",
    "TrajectoryKnowledge",
    "fixed_parameters",
    "load_trajectory",
    "load_trajectory_from",
]
