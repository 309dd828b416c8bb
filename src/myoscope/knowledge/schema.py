"""Schema of the knowledge files. Unknown keys are errors; citations are required.

pydantic checks the shape; ``loader.py`` checks what refers to what (references, measures,
components) and compiles the rule trees.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Comparator = Literal["<", "<=", ">", ">=", "=="]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Reference(Strict):
    """A bibliographic reference. At least one stable identifier (DOI, PMID or URL) is required."""

    authors: str
    year: int
    title: str
    journal: str | None = None
    citation: str | None = None  # volume(issue):pages
    doi: str | None = None
    pmid: str | None = None
    pmcid: str | None = None
    url: str | None = None
    read_in: str | None = None  # where the project read the numbers (criteria.md provenance)

    @model_validator(mode="after")
    def _identifier(self) -> Reference:
        if not (self.doi or self.pmid or self.url):
            raise ValueError("a reference needs a doi, pmid or url")
        return self

    def short(self) -> str:
        # "Di Girolamo FG, ..." -> "Di Girolamo": the first author without the initials; an
        # institutional author ("National Institute for Health and Care Excellence") stays whole
        authors = [a.strip() for a in self.authors.split(",") if a.strip()]
        parts = authors[0].split() if authors else ["Anonymous"]
        first = " ".join(parts[:-1]) if len(parts) > 1 and parts[-1].isupper() else " ".join(parts)
        if len(authors) > 1:
            first += " et al."
        ident = f"doi:{self.doi}" if self.doi else (f"PMID {self.pmid}" if self.pmid else self.url)
        return f"{first} {self.year} ({ident})"

    def full(self) -> str:
        parts = [f"{self.authors.rstrip('.')}. {self.title}."]
        if self.journal:
            parts.append(f"{self.journal} {self.year}" + (f";{self.citation}" if self.citation else "") + ".")
        if self.doi:
            parts.append(f"doi:{self.doi}")
        elif self.pmid:
            parts.append(f"PMID {self.pmid}")
        elif self.url:
            parts.append(self.url)
        return " ".join(parts)


class SourceSpec(Strict):
    ref: str
    locator: str | None = None


class CutoffSpec(Strict):
    # null (written explicitly): the source publishes no cut-off for this group -> unknown
    value: float | bool | str | None
    when: dict[str, Any] = Field(default_factory=dict)
    caveat: str | None = None


class CompareSpec(Strict):
    measure: str
    comparator: Comparator
    cutoffs: list[CutoffSpec] = Field(min_length=1)
    unconfirmed_comparator: Comparator | None = None
    note: str | None = None


class ScoreItemSpec(Strict):
    measure: str | None = None
    node: str | None = None
    min: float = 0
    max: float

    @model_validator(mode="after")
    def _one(self) -> ScoreItemSpec:
        if (self.measure is None) == (self.node is None):
            raise ValueError("a score item names exactly one of measure or node")
        return self


class ScoreSpec(Strict):
    total_measure: str
    items: list[ScoreItemSpec] = Field(min_length=1)
    comparator: Comparator
    cutoff: float


class AtLeastSpec(Strict):
    n: int = Field(ge=1)
    of: list[Expr]


class NodeSpec(Strict):
    """Exactly one of the node types, with an optional label and (for leaves) a source."""

    label: str | None = None
    source: SourceSpec | None = None
    compare: CompareSpec | None = None
    score: ScoreSpec | None = None
    alternatives: list[Expr] | None = None
    all: list[Expr] | None = None
    any: list[Expr] | None = None
    not_: Expr | None = Field(default=None, alias="not")
    at_least: AtLeastSpec | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> NodeSpec:
        kinds = [k for k in ("compare", "score", "alternatives", "all", "any", "not_", "at_least")
                 if getattr(self, k) is not None]
        if len(kinds) != 1:
            raise ValueError(f"a node has exactly one type, found {kinds or 'none'}")
        if kinds[0] in ("compare", "score") and self.source is None:
            raise ValueError(f"a {kinds[0]} node needs a source (citation)")
        return self


Expr = str | NodeSpec


class RuleSpec(Strict):
    outcome: str
    when: Expr


class CaveatSpec(Strict):
    when: dict[str, Any]
    text: str
    source: SourceSpec | None = None


class DefinitionSpec(Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str
    version: str
    kind: Literal["diagnosis", "screening", "staging"] = "diagnosis"
    order: int = 100  # position in reports and in the default list
    source: SourceSpec
    population: str
    outcomes: list[str] = Field(min_length=1)
    components: dict[str, NodeSpec]
    rules: list[RuleSpec] = Field(min_length=1)
    caveats: list[CaveatSpec] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    variant_of: str | None = None


class ReferencesFile(Strict):
    version: str | None = None  # required in the main references.yaml only
    references: dict[str, Reference]


AtLeastSpec.model_rebuild()
NodeSpec.model_rebuild()
RuleSpec.model_rebuild()
