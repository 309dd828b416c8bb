"""The public self-check's and guide's knowledge (``selfcheck.yaml``, ``guide.yaml``), validated.

Both files hold words, not rules: the questions in plain language and how each answer becomes a
record field; plain texts on treatment and speed of loss. Everything they point at must exist —
a reference, a history field with the work-up's patient wording, a red flag, a plan item, a cause,
a trajectory parameter or claim — and every cause the work-up knows must have a guide entry, so a
new cause cannot ship without its page. The loader refuses the files otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..errors import KnowledgeError
from ..knowledge import load_knowledge
from ..measures import load_catalog
from ..plan.loader import load_plan_knowledge
from ..simulate.parameters import load_trajectory
from ..workup.loader import workup_knowledge
from ..yamlio import load_yaml


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Cite(Strict):
    ref: str = Field(min_length=1)
    locator: str = Field(min_length=1)


class Plain(Strict):
    """A plain-language text and the source that supports it."""

    text: str = Field(min_length=1)
    source: Cite


class Ask(Strict):
    """One question: the record field it fills (its wording is the work-up's patient wording
    unless ``question`` is given) and how it is answered."""

    field: str
    kind: Literal["yes_no", "choice", "number", "weight"]
    choices: list[str] = Field(default_factory=list)
    months: list[int] = Field(default_factory=list)
    question: str | None = None


class Trigger(Strict):
    field: str
    values: list[Any] = Field(alias="in", min_length=1)
    looks_for: str


class SarcFAnswer(Strict):
    answer: str | int
    text: str


class SarcFItem(Strict):
    id: str
    question: str
    hint: str | None = None
    falls_count: bool = False
    answers: list[SarcFAnswer] = Field(min_length=2)


class SarcF(Strict):
    source: Cite
    items: list[SarcFItem]


class Calf(Strict):
    question: str
    steps: list[Plain] = Field(min_length=1)


class HomeTest(Strict):
    field: str
    question: str
    safety: str
    source: Cite
    distance_m: float | None = None


class SelfCheckFile(Strict):
    version: str
    intro: Plain
    story: list[Ask]
    choice_words: dict[str, str]
    ask_warning_signs_when: list[Trigger]
    warning_signs: list[Ask]
    sarc_f: SarcF
    calf: Calf
    about_you: list[Ask]
    tests_at_home: dict[Literal["chair", "walk"], HomeTest]
    verdicts: dict[str, dict[str, str]]
    verdict_sources: dict[str, Cite]
    next_tests: list[Plain]
    helps: dict[str, str]
    helps_protein: str
    helps_cause: str
    helps_cause_source: Cite
    tell_the_doctor: str


class Figure(Strict):
    parameter: str
    age: float | None = None
    text: str


class GuideCause(Strict):
    treatment: Plain
    speed: Plain
    figures: list[Figure] = Field(default_factory=list)
    claims: list[str] = Field(default_factory=list)


class GuideIntro(Strict):
    title: str
    paragraphs: list[Plain] = Field(min_length=1)


class GuideFile(Strict):
    version: str
    intro: GuideIntro
    verdict_words: dict[str, str]
    claims: dict[str, str]
    causes: dict[str, GuideCause]


#: the record fields (beyond the work-up's history) that the self-check may fill
RECORD_FIELDS = (
    "age", "sex", "weight", "height", "weight_before", "calf_circumference", "chair_stand_time", "gait_time",
)


@dataclass(frozen=True)
class PublicKnowledge:
    check: SelfCheckFile
    guide: GuideFile


def _read(path: Path, model: type[Strict]) -> Any:
    try:
        return model.model_validate(load_yaml(path.read_text("utf-8")))
    except ValidationError as exc:
        raise KnowledgeError(f"{path.name}: {exc}") from None


class _Checker:
    def __init__(self, check: SelfCheckFile, guide: GuideFile) -> None:
        self.check, self.guide = check, guide
        self.refs = load_knowledge().references
        self.wk = workup_knowledge()
        self.problems: list[str] = []

    def fail(self, msg: str) -> None:
        self.problems.append(msg)

    def cite(self, c: Cite, where: str) -> None:
        if c.ref not in self.refs:
            self.fail(f"{where}: unknown reference {c.ref!r}")

    def ask(self, a: Ask, where: str) -> None:
        questions = self.wk.spec.questions
        if a.field.startswith("history."):
            if a.field.removeprefix("history.") not in self.wk.history_paths:
                self.fail(f"{where}: {a.field} is not a history field")
        elif a.field not in RECORD_FIELDS:
            self.fail(f"{where}: {a.field} is not a field the self-check fills")
        if a.question is None and a.field not in questions:
            self.fail(f"{where}: {a.field} has no patient wording in causes.yaml questions")
        for c in a.choices:
            if c not in self.check.choice_words and a.field != "sex":
                self.fail(f"{where}: choice {c!r} has no plain words (choice_words)")

    def run(self) -> None:
        c, g = self.check, self.guide
        self.cite(c.intro.source, "intro")
        for i, a in enumerate([*c.story, *c.warning_signs, *c.about_you]):
            self.ask(a, f"question {i + 1} ({a.field})")
        for t in c.ask_warning_signs_when:
            if t.looks_for not in self.wk.spec.red_flags:
                self.fail(f"ask_warning_signs_when: unknown red flag {t.looks_for!r}")
            if t.field not in {a.field for a in c.story}:
                self.fail(f"ask_warning_signs_when: {t.field} is not a story question")
        cat = load_catalog()
        if [i.id for i in c.sarc_f.items] != list(cat.sarc_f.items):
            self.fail(f"sarc_f: items must be {', '.join(cat.sarc_f.items)} in that order")
        for item in c.sarc_f.items:
            points = []
            for ans in item.answers:
                if item.falls_count:
                    points.append(cat.sarc_f.points_for_falls(int(ans.answer)))
                elif str(ans.answer) not in cat.sarc_f.answers:
                    self.fail(f"sarc_f.{item.id}: {ans.answer!r} is not a SARC-F answer word")
                else:
                    points.append(cat.sarc_f.answers[str(ans.answer)])
            lo, hi = cat.sarc_f.item_range
            if points and sorted(set(points)) != list(range(lo, hi + 1)):
                self.fail(f"sarc_f.{item.id}: the answers must cover every score once")
        self.cite(c.sarc_f.source, "sarc_f")
        for s in c.calf.steps:
            self.cite(s.source, "calf")
        for name, test in c.tests_at_home.items():
            self.cite(test.source, f"tests_at_home.{name}")
        for did, src in c.verdict_sources.items():
            self.cite(src, f"verdict_sources.{did}")
            if did not in load_knowledge().definitions:
                self.fail(f"verdict_sources: unknown definition {did!r}")
        if set(c.verdicts) != set(c.verdict_sources):
            self.fail("verdicts and verdict_sources must name the same definitions")
        for p in c.next_tests:
            self.cite(p.source, "next_tests")
        items = load_plan_knowledge().spec.items
        for iid in c.helps:
            if iid not in items:
                self.fail(f"helps: unknown plan item {iid!r}")
        self.cite(c.helps_cause_source, "helps_cause_source")
        # the guide
        for p in g.intro.paragraphs:
            self.cite(p.source, "guide intro")
        missing = set(self.wk.spec.causes) - set(g.causes)
        if missing:
            self.fail(f"guide: no entry for the causes {', '.join(sorted(missing))}")
        traj = load_trajectory()
        claim_ids = {cl.id for cl in traj.spec.claims}
        for cid, entry in g.causes.items():
            if cid not in self.wk.spec.causes:
                self.fail(f"guide: unknown cause {cid!r}")
            self.cite(entry.treatment.source, f"guide {cid} treatment")
            self.cite(entry.speed.source, f"guide {cid} speed")
            for f in entry.figures:
                if f.parameter not in traj.parameters:
                    self.fail(f"guide {cid}: unknown trajectory parameter {f.parameter!r}")
            for cl in entry.claims:
                if cl not in claim_ids or cl not in g.claims:
                    self.fail(f"guide {cid}: claim {cl!r} is not in trajectory.yaml and guide claims")
        for claim in traj.spec.claims:
            if claim.verdict not in g.verdict_words:
                self.fail(f"guide: no words for the verdict {claim.verdict!r}")


def load_public_knowledge_from(directory: Path) -> PublicKnowledge:
    check = _read(directory / "selfcheck.yaml", SelfCheckFile)
    guide = _read(directory / "guide.yaml", GuideFile)
    checker = _Checker(check, guide)
    checker.run()
    if checker.problems:
        raise KnowledgeError("selfcheck.yaml / guide.yaml: " + "; ".join(checker.problems))
    return PublicKnowledge(check, guide)


@cache
def public_knowledge() -> PublicKnowledge:
    """The packaged files, loaded and checked once per process."""
    return load_public_knowledge_from(Path(str(resources.files("myoscope.knowledge"))))
