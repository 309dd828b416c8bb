"""Schema of the knowledge files. Unknown keys are errors; citations are required.

pydantic checks the shape; ``loader.py`` checks what refers to what (references, measures,
components) and compiles the rule trees.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Comparator = Literal["<", "<=", ">", ">=", "=="]


def _is_initials(word: str) -> bool:
    return word.isupper() and len(word) <= 3 and word.replace("-", "").isalpha()


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

    def author_label(self) -> str:
        """The first author as citations name it: "Di Girolamo et al." (initials dropped), a body
        by its abbreviation or name ("NICE"), or the journal when the authors were not visible.
        The one formatter every area uses, so that a reference reads the same everywhere."""
        a = self.authors.strip()
        if a.lower().startswith("authors not"):
            return self.journal or "Unknown authors"
        first = re.sub(r"\([^)]*\)?", "", a.split(",")[0]).strip().strip('"')
        words = first.split() or [a]
        # a body's name may end in an acronym ("Cure SMA"); a person's initials come with a list
        # of authors or are at most two letters
        if len(words) > 1 and _is_initials(words[-1]) and ("," in a or len(words[-1]) <= 2):
            while len(words) > 1 and _is_initials(words[-1]):
                words = words[:-1]  # "Dal Bello-Haas V" -> "Dal Bello-Haas"
            name = " ".join(words)
            return f"{name} et al." if ("," in a or "et al" in a) else name
        abbrev = re.search(r"\(([A-Z][A-Za-z]{1,9})\)", a)
        return abbrev.group(1) if abbrev else first

    def identifier(self) -> str:
        return f"doi:{self.doi}" if self.doi else (f"PMID {self.pmid}" if self.pmid else str(self.url))

    def short(self) -> str:
        return f"{self.author_label()} {self.year} ({self.identifier()})"

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


class PopulationSpec(Strict):
    """Who the definition was made for (DESIGN §13), with the source that says so.

    ``excludes``: conditions (all true) that put a record outside it -> ``not_applicable``.
    ``established_by``: alternatives, any of which shows membership; otherwise a caveat and the
    plan and alerts do not rest on the verdict.
    """

    text: str
    source: SourceSpec
    excludes: dict[str, Any] = Field(default_factory=dict)
    exclusion: str | None = None  # the caveat of a not_applicable result
    established_by: list[dict[str, Any]] = Field(default_factory=list)
    not_established: str | None = None  # the caveat when membership is not shown

    @model_validator(mode="after")
    def _texts(self) -> PopulationSpec:
        if self.excludes and not self.exclusion:
            raise ValueError("population.excludes needs the exclusion text")
        if self.established_by and not self.not_established:
            raise ValueError("population.established_by needs the not_established text")
        return self


class DefinitionSpec(Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str
    version: str
    kind: Literal["diagnosis", "screening", "staging"] = "diagnosis"
    order: int = 100  # position in reports and in the default list
    source: SourceSpec
    population: PopulationSpec
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
