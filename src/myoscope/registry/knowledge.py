"""Load ``knowledge/changes.yaml``: MCIDs, expected ageing rates and weight-loss windows.

The numbers that decide whether a change matters are clinical knowledge, so they live in a
cited data file, not here. This module gives them types, refuses unknown keys, refuses an entry
whose reference does not exist, and checks each measure against the catalog.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, model_validator

from ..errors import KnowledgeError
from ..knowledge.loader import load_references, read_spec
from ..knowledge.schema import Reference, SourceSpec, Strict
from ..measures import load_catalog


class McidLevel(Strict):
    level: str
    value: float = Field(gt=0)


class Mcid(Strict):
    better: Literal["higher", "lower"]
    levels: list[McidLevel] = Field(min_length=1)
    source: SourceSpec
    population: str
    note: str | None = None

    @model_validator(mode="after")
    def _ascending(self) -> Mcid:
        values = [lv.value for lv in self.levels]
        if values != sorted(values):
            raise ValueError("levels must be listed from the smallest to the largest change")
        return self


class AgeingBand(Strict):
    sex: Literal["male", "female", "any"]
    age_from: float
    age_to: float
    per_year: float | None = None
    percent_per_year: float | None = None
    source: SourceSpec
    note: str | None = None

    @model_validator(mode="after")
    def _one_rate(self) -> AgeingBand:
        if (self.per_year is None) == (self.percent_per_year is None):
            raise ValueError("give exactly one of per_year or percent_per_year")
        if self.age_to <= self.age_from:
            raise ValueError("age_to must be above age_from")
        return self

    def applies(self, sex: str, age: float) -> bool:
        return self.sex in ("any", sex) and self.age_from <= age < self.age_to


class TrajectoryLink(Strict):
    """Take the expected rate from the simulator's cited ageing parameters (trajectory.yaml)."""

    parameter: str
    women_multiplier: str | None = None


class ExpectedAgeing(Strict):
    """Either cited bands here or a link to the simulator's ageing parameter (exactly one)."""

    bands: list[AgeingBand] = Field(default_factory=list)
    trajectory: TrajectoryLink | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _one_source(self) -> ExpectedAgeing:
        if bool(self.bands) == (self.trajectory is not None):
            raise ValueError("give either bands or trajectory")
        return self


@dataclass(frozen=True)
class ExpectedRate:
    """The expected change with age alone for one person: per year or per cent per year."""

    per_year: float | None
    percent_per_year: float | None
    citation: str


class Rates(Strict):
    min_span_days: int = Field(ge=1)
    assumption: bool = False
    source: SourceSpec


class WeightCriterion(Strict):
    id: str
    label: str
    window_months: float = Field(gt=0)
    comparator: Literal[">", ">="]
    percent: float = Field(gt=0)
    bmi_below: float | None = None
    source: SourceSpec
    assumption: bool = False
    note: str | None = None
    cachexia: bool = False
    #: the definition whose criterion this is: an alert on it needs that definition's population
    #: (DESIGN §13: Fearon's weight criterion is cancer cachexia's, not anyone's)
    definition: str | None = None

    def met(self, loss_percent: float | None, bmi: float | None) -> bool | None:
        """Three-valued: None when the loss (or a BMI the criterion needs) is unknown."""
        if loss_percent is None:
            return None
        passed = loss_percent > self.percent if self.comparator == ">" else loss_percent >= self.percent
        if self.bmi_below is None:
            return passed
        if not passed:
            return False
        if bmi is None:
            return None
        return bmi < self.bmi_below


class Episodes(Strict):
    assumption: bool = False
    source: SourceSpec
    definition: str | None = None  # as WeightCriterion.definition


class ChangesFile(Strict):
    version: str
    mcid: dict[str, Mcid]
    expected_ageing: dict[str, ExpectedAgeing]
    rates: Rates
    weight_loss: list[WeightCriterion] = Field(min_length=1)
    episodes: Episodes


class ChangeRules(ChangesFile):
    """The validated rules plus the references they cite (for reports)."""

    references: dict[str, Reference] = Field(default_factory=dict)

    def cite(self, source: SourceSpec) -> str:
        ref = self.references[source.ref]
        return f"{ref.short()}, {source.locator}" if source.locator else ref.short()

    def expected_rate(self, measure: str, sex: str, age: float) -> ExpectedRate | None:
        """The cited rate for this sex and age, or None when no source gives one."""
        spec = self.expected_ageing.get(measure)
        if spec is None:
            return None
        if spec.trajectory is not None:
            return _from_trajectory(spec.trajectory, sex, age)
        band = next((b for b in spec.bands if b.applies(sex, age)), None)
        if band is None:
            return None
        return ExpectedRate(band.per_year, band.percent_per_year, self.cite(band.source))

    @property
    def window_months(self) -> list[float]:
        return sorted({c.window_months for c in self.weight_loss})


def _trajectory() -> Any:
    from ..simulate.parameters import load_trajectory

    return load_trajectory()


def _pick(values: list[Any], sex: str, age: float) -> Any:
    for v in values:
        if v.when.sex not in (None, sex):
            continue
        if v.when.age is None or v.when.age.contains(age):
            return v
    return None


def _from_trajectory(link: TrajectoryLink, sex: str, age: float) -> ExpectedRate | None:
    """The simulator's central ageing rate (a continuous %/yr loss) as a simple % change per year."""
    tk = _trajectory()
    value = _pick(list(tk.parameters[link.parameter].values), sex, age)
    if value is None:
        return None
    rate = value.central
    sources = list(value.sources)
    if link.women_multiplier and tk.applies(link.women_multiplier, sex, age):
        mult = _pick(list(tk.parameters[link.women_multiplier].values), sex, age)
        if mult is not None:
            rate *= mult.central
            sources += list(mult.sources)
    percent = -(1 - math.exp(-rate / 100)) * 100
    cited = "; ".join(dict.fromkeys(tk.cite(s) for s in sources))
    return ExpectedRate(None, percent, f"simulator ageing parameter {link.parameter} (central): {cited}")


def _check_trajectory(rules: ChangesFile) -> None:
    links = {m: e.trajectory for m, e in rules.expected_ageing.items() if e.trajectory is not None}
    if not links:
        return
    params = _trajectory().parameters
    for measure, link in links.items():
        for pid, unit in ((link.parameter, "%/yr"), (link.women_multiplier, "multiplier")):
            if pid is None:
                continue
            if pid not in params:
                raise KnowledgeError(f"changes.yaml: expected_ageing.{measure}: trajectory.yaml has no "
                                     f"parameter {pid!r}")
            if params[pid].unit != unit:
                raise KnowledgeError(f"changes.yaml: expected_ageing.{measure}: {pid} is in "
                                     f"{params[pid].unit}, expected {unit}")


def _sources(rules: ChangesFile) -> list[tuple[str, SourceSpec]]:
    out = [(f"mcid.{m}", spec.source) for m, spec in rules.mcid.items()]
    out += [(f"expected_ageing.{m}.bands[{i}]", b.source)
            for m, spec in rules.expected_ageing.items() for i, b in enumerate(spec.bands)]
    out += [("rates", rules.rates.source), ("episodes", rules.episodes.source)]
    out += [(f"weight_loss.{c.id}", c.source) for c in rules.weight_loss]
    return out


def load_change_rules(directory: str | Path | None = None) -> ChangeRules:
    """Load and check ``changes.yaml`` from the embedded knowledge (cached) or ``directory``."""
    if directory is None:
        return _default()
    return _load(Path(directory))


@cache
def _default() -> ChangeRules:
    return _load(Path(str(resources.files("myoscope.knowledge"))))


def _load(directory: Path) -> ChangeRules:
    path = directory / "changes.yaml"
    parsed = read_spec(path, ChangesFile)
    _, refs = load_references(directory)
    for where, source in _sources(parsed):
        if source.ref not in refs:
            raise KnowledgeError(f"changes.yaml: {where}: unknown reference {source.ref!r}")
    catalog = load_catalog()
    for measure in [*parsed.mcid, *parsed.expected_ageing]:
        if catalog.measures.get(measure) is None or catalog.measures[measure].kind != "quantity":
            raise KnowledgeError(f"changes.yaml: {measure!r} is not a measured quantity in the catalog")
    _check_trajectory(parsed)
    ids = [c.id for c in parsed.weight_loss]
    if len(ids) != len(set(ids)):
        raise KnowledgeError("changes.yaml: duplicate weight_loss id")
    return ChangeRules(**parsed.model_dump(), references=refs)
