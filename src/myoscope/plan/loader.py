"""Load and check ``knowledge/interventions.yaml``.

Refuses an item, rule or threshold without a citation (the schema requires one) and any cross-
reference that does not resolve: an unknown reference id, flag, cause, record condition or
measure. The result is cached for the embedded knowledge base, because a plan is made for every
assessed record and parsing YAML each time would dominate the cost.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import KnowledgeError
from ..knowledge.loader import knowledge_digest, load_references, read_spec
from ..knowledge.schema import Reference
from ..measures import Catalog, load_catalog
from .schema import CitationSpec, IncludesCriterionSpec, InterventionsFile, ThresholdSpec, WhenSpec

#: Flags the engine computes itself (the YAML must declare each one it uses under `flags`).
ENGINE_FLAGS = frozenset({
    "bed_bound", "icu", "hospital", "frail", "falls_risk", "sedentary", "start_low", "older_adult",
    "child", "obese", "obesity_unknown", "diabetes", "ckd", "ckd_severe", "ckd_severe_no_dialysis",
    "ckd_severity_unknown", "ckd_dialysis_unknown",
    "dialysis", "nyha_iv", "cancer_active_treatment", "refeeding_high_risk", "refeeding_extreme",
    "low_intake", "malnutrition", "disease", "cancer", "anorexia_nervosa", "no_standard_rt",
    "no_standard_aerobic", "reversible_cause", "progressive_cause", "variable_cause",
    "rt_prescribed", "finding", "indicated", "cardiac_unstable", "exercise_deferred",
    "ckd_3_to_5_no_dialysis", "metabolically_stable", "refractory_cachexia", "swallowing_difficulty",
})


@dataclass(frozen=True)
class Citation:
    """A resolved citation: the reference, where in it, and what the project read."""

    ref: str
    short: str
    full: str
    locator: str | None
    read_in: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"ref": self.ref, "text": self.short, "full": self.full, "locator": self.locator,
                "read_in": self.read_in}

    def __str__(self) -> str:
        return self.short + (f", {self.locator}" if self.locator else "")


@dataclass(frozen=True)
class PlanKnowledge:
    """The validated interventions file plus resolved references and the knowledge version."""

    spec: InterventionsFile
    references: dict[str, Reference]
    version: str
    _citations: dict[tuple[str, str | None], Citation] = field(
        default_factory=dict, compare=False, repr=False)
    #: per-item values derived once (engine.py), keyed by item id
    memo: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def cite(self, c: CitationSpec) -> Citation:
        """The resolved citation (memoised: a plan is made for every assessed record)."""
        key = (c.ref, c.locator)
        hit = self._citations.get(key)
        if hit is None:
            ref = self.references[c.ref]
            hit = self._citations[key] = Citation(c.ref, short_ref(ref), ref.full(), c.locator, ref.read_in)
        return hit


def short_ref(ref: Reference) -> str:
    """'Dent et al. 2018'; an organisation keeps its name, or its abbreviation when it gives one."""
    return f"{ref.author_label()} {ref.year}"



@cache
def _default() -> PlanKnowledge:
    return load_plan_knowledge_from(Path(str(resources.files("myoscope.knowledge"))))


def load_plan_knowledge(directory: str | Path | None = None) -> PlanKnowledge:
    """The embedded plan knowledge (cached), or the one in ``directory``.

    :raises KnowledgeError: for a malformed, uncited or inconsistent interventions file.
    """
    return _default() if directory is None else load_plan_knowledge_from(Path(directory))


def load_plan_knowledge_from(directory: Path) -> PlanKnowledge:
    path = directory / "interventions.yaml"
    spec = read_spec(path, InterventionsFile)
    declared, references = load_references(directory)
    _Checker(spec, references, load_catalog(), path.name).check()
    version = f"{declared or spec.version}+{knowledge_digest(directory)}"
    return PlanKnowledge(spec=spec, references=references, version=version)


class _Checker:
    """Every cross-reference in the file, reported all at once."""

    def __init__(self, spec: InterventionsFile, refs: dict[str, Reference], cat: Catalog, file: str):
        self.spec, self.refs, self.cat, self.file = spec, refs, cat, file
        self.problems: list[str] = []

    def check(self) -> None:
        s = self.spec
        unknown_flags = sorted(set(s.flags) - ENGINE_FLAGS)
        if unknown_flags:
            self.problems.append(f"flags: {', '.join(unknown_flags)} are not computed by the engine")
        missing = sorted(ENGINE_FLAGS - set(s.flags))
        if missing:
            self.problems.append(f"flags: undeclared engine flags {', '.join(missing)}")
        for name, t in s.thresholds.items():
            self.citation(t.citation, f"thresholds.{name}")
            self.measure(t.measure, f"thresholds.{name}")
        self.citation(s.disease_conditions.citation, "disease_conditions")
        bad = [c for c in s.disease_conditions.conditions if c not in self.cat.conditions]
        if bad:
            self.problems.append(f"disease_conditions: unknown record condition(s) {', '.join(bad)}")
        self.citation(s.refeeding.citation, "refeeding")
        for crit in [*s.refeeding.major, *s.refeeding.minor, *s.refeeding.extreme]:
            if isinstance(crit, ThresholdSpec):
                self.measure(crit.measure, "refeeding")
            elif isinstance(crit, IncludesCriterionSpec):
                field = s.constraint_fields.get(crit.constraint)
                if field is None or crit.includes not in field.values:
                    self.problems.append(f"refeeding: {crit.constraint} is not a constraint field with "
                                         f"the value {crit.includes!r}")
        self.citation(s.low_intake.citation, "low_intake")
        for group in s.low_intake.any_of:
            for t in group:
                self.measure(t.measure, "low_intake")
        self.citation(s.protein_per_meal.citation, "protein_per_meal")
        self.citation(s.refractory.citation, "refractory")
        for def_id, outs in s.refractory.outcomes.items():
            bad = [o for o in outs if o not in s.findings.get(def_id, [])]
            if bad:
                self.problems.append(f"refractory.{def_id}: {', '.join(bad)} not among its findings")
        for cid, cause in s.causes.items():
            for cond in cause.conditions:
                if cond not in self.cat.conditions:
                    self.problems.append(f"causes.{cid}: unknown record condition {cond!r}")
            self.flags(cause.flags, f"causes.{cid}")
        for kind, rules in (("protein_rules", s.protein_rules), ("energy_rules", s.energy_rules)):
            ids = [r.id for r in rules]
            if len(set(ids)) != len(ids):
                self.problems.append(f"{kind}: duplicate rule ids")
            if rules[-1].when != WhenSpec():
                self.problems.append(f"{kind}: the last rule must apply always (empty when)")
            for r in rules:
                self.citation(r.citation, f"{kind}.{r.id}")
                self.when(r.when, f"{kind}.{r.id}")
                if r.population is not None:
                    self.flags([r.population.flag], f"{kind}.{r.id}.population")
        for iid, item in s.items.items():
            self.citation(item.citation, f"items.{iid}")
            self.when(item.when, f"items.{iid}")
            if item.population is not None:
                self.flags([item.population.flag], f"items.{iid}.population")
            for m in item.repeat:
                self.measure(m, f"items.{iid}.repeat")
        for def_id in s.findings:
            if not def_id.replace("_", "").isalnum():
                self.problems.append(f"findings: bad definition id {def_id!r}")
        for def_id, outs in s.intermediate.items():
            both = sorted(set(outs) & set(s.findings.get(def_id, [])))
            if both:
                self.problems.append(f"intermediate.{def_id}: {', '.join(both)} also among its findings")
        if self.problems:
            lines = [f"{self.file}: {len(self.problems)} problem(s):", *[f"  - {p}" for p in self.problems]]
            raise KnowledgeError("\n".join(lines))

    def citation(self, c: CitationSpec | None, where: str) -> None:
        if c is None:
            self.problems.append(f"{where}: no citation")
        elif c.ref not in self.refs:
            self.problems.append(f"{where}: unknown reference {c.ref!r} (add it to references/plan.yaml)")

    def measure(self, m: str, where: str) -> None:
        if m in self.cat.measures or m in self.cat.derived or m in self.spec.constraint_fields:
            return
        self.problems.append(f"{where}: unknown measure {m!r}")

    def flags(self, flags: list[str], where: str) -> None:
        bad = [f for f in flags if f not in self.spec.flags]
        if bad:
            self.problems.append(f"{where}: unknown flag(s) {', '.join(bad)}")

    def when(self, w: WhenSpec, where: str) -> None:
        self.flags(w.flags(), where)
        bad = [c for c in w.causes() if c not in self.spec.causes]
        if bad:
            self.problems.append(f"{where}: unknown cause(s) {', '.join(bad)}")
