"""Load, validate and compile the knowledge base.

Refuses any entry without a citation, any unknown key, any reference to a measure, reference or
component that does not exist. The knowledge version recorded in every assessment is the
declared version plus a digest of the files, so two different rule sets never share a version.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from ..errors import KnowledgeError, UnknownDefinitionError
from ..measures import Catalog, load_catalog
from ..rules.evaluate import INDETERMINATE, NOT_APPLICABLE, Caveat, Definition, Population
from ..rules.nodes import (
    Compare,
    Composite,
    Cutoff,
    Node,
    Ref,
    Score,
    ScoreItem,
    Source,
    conditions_from,
)
from ..yamlio import YAMLError, load_yaml
from .schema import DefinitionSpec, Expr, NodeSpec, Reference, ReferencesFile, SourceSpec

M = TypeVar("M", bound=BaseModel)


@dataclass
class Knowledge:
    """The loaded knowledge base: references and compiled definitions."""

    version: str
    references: dict[str, Reference]
    definitions: dict[str, Definition]
    catalog: Catalog

    def definition(self, definition_id: str) -> Definition:
        try:
            return self.definitions[definition_id]
        except KeyError:
            raise UnknownDefinitionError(
                f"unknown definition {definition_id!r} (known: {', '.join(self.definitions)})"
            ) from None

    def default_ids(self) -> list[str]:
        """Definitions assessed by default: all except variants."""
        return [d.id for d in self.definitions.values() if d.variant_of is None]

    def select(self, ids: list[str] | None) -> list[Definition]:
        return [self.definition(i) for i in (ids or self.default_ids())]


def _read_yaml(path: Path) -> Any:
    try:
        return load_yaml(path.read_text("utf-8"))
    except OSError as exc:
        raise KnowledgeError(f"{path.name}: cannot read: {exc.strerror}") from exc
    except YAMLError as exc:
        raise KnowledgeError(f"{path.name}: not valid YAML: {exc}") from exc


def read_spec(path: Path, model: type[M]) -> M:
    """Read one knowledge file and validate it against its schema ``model`` (unknown keys are
    errors), naming every problem at once. Every area's loader starts here.

    :raises KnowledgeError:
    """
    try:
        return model.model_validate(_read_yaml(path))
    except ValidationError as exc:
        raise KnowledgeError(_fmt_validation(path.name, exc)) from exc


def _fmt_validation(name: str, exc: ValidationError) -> str:
    lines = [f"{name}: {len(exc.errors())} problem(s):"]
    for e in exc.errors():
        loc = ".".join(str(x) for x in e["loc"])
        lines.append(f"  - {loc}: {e['msg']}")
    return "\n".join(lines)


@cache
def _default() -> Knowledge:
    return load_knowledge_from(Path(str(resources.files("myoscope.knowledge"))))


def load_knowledge(directory: str | Path | None = None) -> Knowledge:
    """The embedded knowledge base (cached), or one from ``directory``."""
    return _default() if directory is None else load_knowledge_from(Path(directory))


def load_references(directory: Path) -> tuple[str, dict[str, Reference]]:
    """``references.yaml`` plus every ``references/*.yaml`` (one file per area, so that areas
    add references without touching each other's files). Returns (declared version, references)."""
    refs: dict[str, Reference] = {}
    version = ""
    files = [directory / "references.yaml", *sorted((directory / "references").glob("*.yaml"))]
    for path in files:
        if not path.exists():
            continue
        parsed = read_spec(path, ReferencesFile)
        if path.name == "references.yaml" and path.parent == directory:
            if not parsed.version:
                raise KnowledgeError("references.yaml: version is required")
            version = parsed.version
        for rid, ref in parsed.references.items():
            if rid in refs and refs[rid] != ref:
                raise KnowledgeError(f"{path.name}: reference {rid!r} is defined twice, differently")
            refs[rid] = ref
    return version, refs


def knowledge_digest(directory: Path) -> str:
    """Digest of every knowledge data file, so that any change gives a new knowledge version."""
    digest = hashlib.sha256()
    for path in sorted(directory.rglob("*.yaml")):
        digest.update(str(path.relative_to(directory)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:8]


def load_knowledge_from(directory: Path) -> Knowledge:
    catalog = load_catalog()
    declared, references = load_references(directory)

    definitions: dict[str, Definition] = {}
    for path in sorted((directory / "definitions").glob("*.yaml")):
        spec = read_spec(path, DefinitionSpec)
        if spec.id in definitions:
            raise KnowledgeError(f"{path.name}: duplicate definition id {spec.id!r}")
        definitions[spec.id] = _Compiler(spec, references, catalog, path.name).compile()
    for d in definitions.values():
        if d.variant_of and d.variant_of not in definitions:
            raise KnowledgeError(f"{d.id}: variant_of unknown definition {d.variant_of!r}")
    definitions = dict(sorted(definitions.items(), key=lambda kv: (kv[1].order, kv[0])))
    version = f"{declared}+{knowledge_digest(directory)}"
    return Knowledge(version=version, references=references, definitions=definitions,
                     catalog=catalog)


class _Compiler:
    """Turns one validated definition spec into nodes, checking every cross-reference."""

    def __init__(self, spec: DefinitionSpec, refs: dict[str, Reference], catalog: Catalog, file: str):
        self.spec = spec
        self.refs = refs
        self.catalog = catalog
        self.file = file
        self.built: dict[str, Node] = {}
        self.building: set[str] = set()

    def fail(self, where: str, msg: str) -> KnowledgeError:
        return KnowledgeError(f"{self.file}: {where}: {msg}")

    def source(self, s: SourceSpec, where: str) -> Source:
        ref = self.refs.get(s.ref)
        if ref is None:
            raise self.fail(where, f"unknown reference {s.ref!r} (add it to references.yaml)")
        return Source(ref=s.ref, text=ref.short(), locator=s.locator)

    def check_measure(self, measure: str, where: str) -> None:
        head, _, item = measure.partition(".")
        if head in self.catalog.derived or head in self.catalog.measures:
            if item and head == "sarc_f" and item not in self.catalog.sarc_f.items:
                raise self.fail(where, f"unknown SARC-F item {item!r}")
            return
        raise self.fail(where, f"unknown measure {measure!r}")

    def compile(self) -> Definition:
        spec = self.spec
        for name in spec.components:
            self.component(name)
        vocab = list(spec.outcomes)
        outcomes: list[tuple[str, Node]] = []
        for i, rule in enumerate(spec.rules):
            if rule.outcome not in vocab:
                raise self.fail(f"rules[{i}]", f"outcome {rule.outcome!r} is not in outcomes {vocab}")
            outcomes.append((rule.outcome, self.expr(rule.when, f"rules[{i}]")))
        unused = set(vocab) - {o for o, _ in outcomes}
        if unused:
            raise self.fail("outcomes", f"no rule gives {sorted(unused)}")
        caveats = []
        for i, c in enumerate(spec.caveats):
            for m in c.when:
                self.check_measure(m, f"caveats[{i}]")
            caveats.append(Caveat(conditions_from(c.when), c.text,
                                  self.source(c.source, f"caveats[{i}]") if c.source else None))
        return Definition(
            id=spec.id,
            title=spec.title,
            version=spec.version,
            source=self.source(spec.source, "source"),
            population=self.population(),
            vocabulary=[*vocab, INDETERMINATE, *([NOT_APPLICABLE] if spec.population.excludes else [])],
            components={name: self.built[name] for name in spec.components},
            outcomes=outcomes,
            caveats=caveats,
            notes=list(spec.notes),
            variant_of=spec.variant_of,
            kind=spec.kind,
            order=spec.order,
        )

    def population(self) -> Population:
        pop = self.spec.population
        for i, cond in enumerate([pop.excludes, *pop.established_by]):
            for m in cond:
                self.check_measure(m, f"population[{i}]")
        return Population(
            text=pop.text, source=self.source(pop.source, "population.source"),
            excludes=conditions_from(pop.excludes), exclusion_text=pop.exclusion or "",
            established_by=tuple(conditions_from(alt) for alt in pop.established_by),
            not_established_text=pop.not_established or "")

    def component(self, name: str) -> Node:
        if name in self.built:
            return self.built[name]
        if name not in self.spec.components:
            raise self.fail(name, "unknown component")
        if name in self.building:
            raise self.fail(name, "component refers to itself")
        self.building.add(name)
        node = self.node(self.spec.components[name], f"components.{name}", name)
        self.building.discard(name)
        self.built[name] = node
        return node

    def expr(self, e: Expr, where: str) -> Node:
        if isinstance(e, str):
            return Ref(self.component(e))
        return self.node(e, where, None)

    def node(self, spec: NodeSpec, where: str, name: str | None) -> Node:
        label = spec.label or (name or "").replace("_", " ")
        if spec.compare is not None:
            c = spec.compare
            assert spec.source is not None
            self.check_measure(c.measure, where)
            cutoffs = []
            for j, cut in enumerate(c.cutoffs):
                for m in cut.when:
                    self.check_measure(m, f"{where}.cutoffs[{j}]")
                try:
                    when = conditions_from(cut.when)
                except ValueError as exc:
                    raise self.fail(f"{where}.cutoffs[{j}]", str(exc)) from exc
                cutoffs.append(Cutoff(cut.value, when, cut.caveat))
            return Compare(label, c.measure, c.comparator, cutoffs, self.source(spec.source, where),
                           unit=self.catalog.unit_of(c.measure.partition(".")[0]),
                           unconfirmed_comparator=c.unconfirmed_comparator, note=c.note, name=name)
        if spec.score is not None:
            s = spec.score
            assert spec.source is not None
            items = []
            for j, it in enumerate(s.items):
                if it.measure is not None:
                    self.check_measure(it.measure, f"{where}.items[{j}]")
                    items.append(ScoreItem(measure=it.measure, min=it.min, max=it.max))
                else:
                    assert it.node is not None
                    items.append(ScoreItem(node=Ref(self.component(it.node)), min=0, max=it.max))
            return Score(label, s.total_measure, items, s.comparator, s.cutoff,
                         self.source(spec.source, where), name=name)
        if spec.not_ is not None:
            return Composite("not", [self.expr(spec.not_, where)], label, name=name)
        if spec.at_least is not None:
            parts = [self.expr(x, f"{where}.at_least") for x in spec.at_least.of]
            return Composite("at_least", parts, label, n=spec.at_least.n, name=name)
        for kind in ("alternatives", "all", "any"):
            items_ = getattr(spec, kind)
            if items_ is not None:
                parts = [self.expr(x, f"{where}.{kind}[{k}]") for k, x in enumerate(items_)]
                return Composite(kind, parts, label, name=name)
        raise self.fail(where, "empty node")  # unreachable: the schema requires one type
