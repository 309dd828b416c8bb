"""Load and check ``knowledge/causes.yaml`` into compiled, cross-checked work-up knowledge.

Refuses (``KnowledgeError``): an unknown key anywhere; an item without a citation; a citation of a
reference that does not exist; a missing required cause id; a finding, test or criterion that is
referred to but not defined (or defined and never used); a fact that is neither a history field,
a record or derived measure, nor a declared assessment result; an askable fact without a question.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, cached_property
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import KnowledgeError
from ..knowledge import Knowledge, load_knowledge
from ..knowledge.loader import read_spec
from ..knowledge.schema import Reference
from ..measures import load_catalog
from .compiled import CompiledCause, CompiledRedFlag, compile_causes, compile_red_flags
from .history import load_history_schema
from .predicates import Combine, Leaf, Not, Outcome, Overlaps, Predicate, PredicateError, compile_predicate
from .schema import CausesFile, Cite, CriteriaSpec

# the C loader when libyaml is present (10x faster on the large knowledge files)

#: The cause ids the rest of myoscope (the treatment plan) relies on: stable, never renamed.
REQUIRED_CAUSES: tuple[str, ...] = (
    "age_related_sarcopenia", "disuse_atrophy", "icu_acquired_weakness", "malnutrition",
    "anorexia_nervosa", "cancer_cachexia", "heart_failure_cachexia", "copd_cachexia", "ckd_cachexia",
    "sepsis_related_wasting", "als", "muscular_dystrophy", "spinal_muscular_atrophy",
    "multiple_sclerosis", "inflammatory_myopathy", "hyperthyroidism", "glucocorticoid_myopathy",
    "peripheral_neuropathy",
)


@dataclass(frozen=True)
class WorkupKnowledge:
    """The parsed causes file, its compiled predicates and the references it cites."""

    spec: CausesFile
    findings: dict[str, Predicate]
    red_flags: dict[str, Predicate]
    #: ``possible_when`` of the flags that declare one
    possible: dict[str, Predicate]
    criteria: dict[str, list[Predicate]]
    #: ``support.when`` of the causes that state one
    supports: dict[str, Predicate]
    references: dict[str, Reference]
    version: str
    history_paths: frozenset[str]

    def cite(self, ref: str, locator: str) -> str:
        """A citation as shown to users: short reference plus the locator used."""
        return f"{self.shorts[ref]}, {locator}"

    def cite_source(self, c: Cite) -> str:
        return self.cite(c.ref, c.locator)

    # Prepared once (frozen dataclass + cached_property): the per-record path only looks things up.
    @cached_property
    def shorts(self) -> dict[str, str]:
        return {rid: short_citation(r) for rid, r in self.references.items()}

    @cached_property
    def full_references(self) -> dict[str, str]:
        return {rid: r.full() for rid, r in self.references.items()}

    @cached_property
    def causes(self) -> dict[str, CompiledCause]:
        return compile_causes(self)

    @cached_property
    def flags(self) -> tuple[CompiledRedFlag, ...]:
        return compile_red_flags(self)

    @cached_property
    def history_only(self) -> dict[str, Outcome]:
        """Findings that read only ``history.*`` facts, evaluated once for a record with no history
        block: their outcome (unknown, and what to ask) is then the same for every such record."""
        pure: dict[str, bool] = {}

        def is_pure(fid: str) -> bool:
            if fid not in pure:
                pred = self.findings[fid]
                pure[fid] = all(f.startswith("history.") for f in _facts_of(pred)) and all(
                    is_pure(g) for g in pred.findings())
            return pure[fid]

        memo: dict[str, Outcome] = {}

        def lookup(fid: str) -> Outcome:
            if fid not in memo:
                memo[fid] = self.findings[fid].evaluate({}, lookup)
            return memo[fid]

        return {fid: lookup(fid) for fid in self.findings if is_pure(fid)}

    @cached_property
    def ask_map(self) -> dict[str, tuple[str, ...]]:
        """A missing fact -> the facts to ask for (a derived measure is asked through its inputs)."""
        cat = load_catalog()
        out: dict[str, tuple[str, ...]] = {}
        for d in cat.derived.values():
            if d.id not in cat.measures:
                out[d.id] = d.inputs
        return out


def _facts_of(pred: Predicate) -> list[str]:
    if isinstance(pred, Combine):
        return [f for p in pred.parts for f in _facts_of(p)]
    if isinstance(pred, Not):  # Unless is a Not
        return _facts_of(pred.part)
    return pred.facts()


_PERSON = re.compile(r"^([^,(;]+?)\s+([A-Z]{1,2})(,|$|\s\()")
_ABBREV = re.compile(r"\(([A-Z][A-Za-z]+)\)")


def short_citation(ref: Reference) -> str:
    """``Turner 2022, doi:...``; ``Fan et al. 2014``; ``NICE 2016``: readable for people and bodies."""
    ident = f", doi:{ref.doi}" if ref.doi else (f", PMID {ref.pmid}" if ref.pmid else "")
    return f"{ref.author_label()} {ref.year}{ident}"


@cache
def _default() -> WorkupKnowledge:
    path = Path(str(resources.files("myoscope.knowledge"))) / "causes.yaml"
    return load_workup_knowledge(path, load_knowledge())


def workup_knowledge(path: str | Path | None = None, knowledge: Knowledge | None = None) -> WorkupKnowledge:
    """The embedded work-up knowledge (cached), or a causes file at ``path`` (tests use this)."""
    if path is None and knowledge is None:
        return _default()
    kb = knowledge or load_knowledge()
    return load_workup_knowledge(Path(path) if path else Path(str(resources.files("myoscope.knowledge")))
                                 / "causes.yaml", kb)


def load_workup_knowledge(path: Path, kb: Knowledge) -> WorkupKnowledge:
    spec = read_spec(path, CausesFile)
    return _Checker(spec, kb, path.name).run()


class _Checker:
    def __init__(self, spec: CausesFile, kb: Knowledge, file: str) -> None:
        self.spec, self.kb, self.file = spec, kb, file
        self.history = frozenset(load_history_schema().paths())
        self.used: set[str] = set()

    def fail(self, where: str, msg: str) -> KnowledgeError:
        return KnowledgeError(f"{self.file}: {where}: {msg}")

    def ref(self, ref: str, where: str) -> None:
        if ref not in self.kb.references:
            raise self.fail(where, f"unknown reference {ref!r} (add it to knowledge/references/workup.yaml)")

    def compile(self, when: dict[str, Any], where: str) -> Predicate:
        try:
            pred = compile_predicate(when)
        except PredicateError as exc:
            raise self.fail(where, str(exc)) from exc
        self.check_facts(pred, where)
        for fid in pred.findings():
            if fid not in self.spec.findings:
                raise self.fail(where, f"unknown finding {fid!r}")
            self.used.add(fid)
        return pred

    def check_facts(self, pred: Predicate, where: str) -> None:
        if isinstance(pred, Combine):
            for part in pred.parts:
                self.check_facts(part, where)
        elif isinstance(pred, Not):  # Unless is a Not
            self.check_facts(pred.part, where)
        elif isinstance(pred, Leaf | Overlaps):
            for fact in pred.facts():
                self.check_fact(fact, where)
        if isinstance(pred, Leaf) and pred.fact.startswith("result.") and pred.op in ("is", "in"):
            allowed = self.spec.results[pred.fact.removeprefix("result.")]
            values = pred.value if pred.op == "in" else [pred.value]
            bad = [v for v in values if v not in allowed]
            if bad:
                raise self.fail(where, f"{pred.fact}: unknown outcome(s) {bad} (declared: {allowed})")

    def check_fact(self, fact: str, where: str) -> None:
        cat = self.kb.catalog
        if fact.startswith("history."):
            if fact.removeprefix("history.") not in self.history:
                raise self.fail(where, f"unknown history field {fact!r} (see knowledge/history.yaml)")
        elif fact.startswith("result."):
            rid = fact.removeprefix("result.")
            if rid not in self.spec.results:
                raise self.fail(where, f"{fact}: declare the definition's outcomes under results:")
            d = self.kb.definitions.get(rid)
            if d is not None and not set(self.spec.results[rid]) <= set(d.vocabulary):
                raise self.fail(where, f"{fact}: outcomes {self.spec.results[rid]} not in {d.vocabulary}")
        elif fact not in cat.measures and fact not in cat.derived:
            raise self.fail(where, f"unknown fact {fact!r}")
        for asked in self.askable(fact):
            if asked not in self.spec.questions:
                raise self.fail(where, f"no question for {asked!r} (add it under questions:)")

    def askable(self, fact: str) -> list[str]:
        """The facts a user is asked for to learn ``fact`` (a derived measure asks for its inputs)."""
        if fact.startswith("result."):
            return []  # results come from measurements asked for through their raw alternatives
        cat = self.kb.catalog
        if fact in cat.derived and fact not in cat.measures:
            return list(cat.derived[fact].inputs)
        return [fact]

    def run(self) -> WorkupKnowledge:
        spec = self.spec
        missing = [c for c in REQUIRED_CAUSES if c not in spec.causes]
        if missing:
            raise self.fail("causes", f"missing required cause(s) {missing}")
        cat = self.kb.catalog
        for q in spec.questions:
            known = q.removeprefix("history.") in self.history if q.startswith("history.") \
                else q in cat.measures
            if not known:
                raise self.fail(f"questions.{q}", "not a history field or record measure")
        findings = {fid: self.compile(f.when, f"findings.{fid}") for fid, f in spec.findings.items()}
        for fid, f in spec.findings.items():
            self.ref(f.source.ref, f"findings.{fid}.source")
        for tid, test in spec.tests.items():
            self.ref(test.source.ref, f"tests.{tid}.source")
        criteria = {cid: self.criteria(cid, c) for cid, c in spec.criteria.items()}
        used_tests: set[str] = set()
        used_criteria: set[str] = set()
        supports: dict[str, Predicate] = {}
        for cid, cause in spec.causes.items():
            where = f"causes.{cid}"
            for c in (cause.source, cause.course_source, cause.reversible_source):
                self.ref(c.ref, where)
            for fid in cause.gate:
                if fid not in spec.findings:
                    raise self.fail(f"{where}.gate", f"unknown finding {fid!r}")
                self.used.add(fid)
            seen: set[str] = set()
            for kind, links in (("for", cause.supports), ("against", cause.against)):
                for i, link in enumerate(links):
                    if link.finding not in spec.findings:
                        raise self.fail(f"{where}.{kind}[{i}]", f"unknown finding {link.finding!r}")
                    if link.finding in seen:
                        raise self.fail(f"{where}.{kind}[{i}]", f"finding {link.finding!r} listed twice")
                    seen.add(link.finding)
                    self.used.add(link.finding)
                    self.ref(link.ref, f"{where}.{kind}[{i}]")
            for i, t in enumerate(cause.tests):
                if t.test not in spec.tests:
                    raise self.fail(f"{where}.tests[{i}]", f"unknown test {t.test!r}")
                used_tests.add(t.test)
                self.ref(t.ref, f"{where}.tests[{i}]")
            if cause.diagnosed_by is not None:
                if cause.diagnosed_by not in spec.findings:
                    raise self.fail(f"{where}.diagnosed_by", f"unknown finding {cause.diagnosed_by!r}")
                self.used.add(cause.diagnosed_by)
            elif any(t.confirms for t in cause.tests):
                raise self.fail(f"{where}.tests", "a test that confirms the diagnosis needs diagnosed_by")
            for crit in cause.criteria:
                if crit not in spec.criteria:
                    raise self.fail(f"{where}.criteria", f"unknown criteria {crit!r}")
                used_criteria.add(crit)
            if cause.support_rule is not None:
                supports[cid] = self.compile(cause.support_rule.when, f"{where}.support")
                self.ref(cause.support_rule.source.ref, f"{where}.support.source")
        red_flags, possible = {}, {}
        for rid, rf in spec.red_flags.items():
            red_flags[rid] = self.compile(rf.when, f"red_flags.{rid}")
            if rf.possible_when is not None:
                possible[rid] = self.compile(rf.possible_when, f"red_flags.{rid}.possible_when")
            self.ref(rf.source.ref, f"red_flags.{rid}.source")
        for kind, defined, used in (("finding", spec.findings, self.used), ("test", spec.tests, used_tests),
                                    ("criteria", spec.criteria, used_criteria)):
            unused = sorted(set(defined) - used)
            if unused:
                raise self.fail(f"{kind}s", f"defined but never used: {unused}")
        bands = [b.min for b in spec.confidence_bands]
        if bands != sorted(bands, reverse=True) or bands[-1] != 0:
            raise self.fail("confidence_bands", "list bands from the highest min down to min 0")
        return WorkupKnowledge(spec=spec, findings=findings, red_flags=red_flags, possible=possible,
                               criteria=criteria, supports=supports,
                               references=dict(self.kb.references), version=self.kb.version,
                               history_paths=self.history)

    def criteria(self, cid: str, c: CriteriaSpec) -> list[Predicate]:
        where = f"criteria.{cid}"
        self.ref(c.source.ref, where)
        if c.kind == "all":
            if not c.parts or c.items:
                raise self.fail(where, "kind all needs parts (and no items)")
            return [self.compile(p.when, f"{where}.parts[{i}]") for i, p in enumerate(c.parts)]
        if not c.items or not c.bands or c.parts:
            raise self.fail(where, "kind score needs items and bands (and no parts)")
        mins = [b.min for b in c.bands]
        if mins != sorted(mins, reverse=True):
            raise self.fail(where, "list bands from the highest min down")
        return [self.compile(it.when, f"{where}.items[{i}]") for i, it in enumerate(c.items)]
