"""Trajectory simulator: where is this person's muscle heading, and what changes it.

``simulate(record, scenario)`` projects leg muscle mass and knee-extensor strength day by day
(or month by month) under ageing, disuse, disease and interventions, with a 5-95% band from
Monte Carlo draws over the cited parameter ranges (knowledge/trajectory.yaml). The person's
measured grip, ASM and ASM/height² anchor the start; a quantity not measured is not projected.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date
from typing import Any

from ..derive import derive
from ..errors import Problem, ScenarioValidationError, SimulationError, quote
from ..knowledge import Knowledge, load_knowledge
from ..record import Record, parse_record
from .crossings import CrossingTracker, crossing_specs, summarise
from .montecarlo import draw_table, run
from .parameters import TrajectoryKnowledge, fixed_parameters, load_trajectory
from .plan import STEPS, build_plan, horizon_days
from .projection import HistoryValue, Projection, Series
from .scenarios import Scenario, load_scenario, overlap, parse_scenario

DEFAULT_YEARS = 10.0
DEFAULT_DEFINITIONS = ("ewgsop2",)
MAX_DRAWS = 1_000_000


def _anchors(
    kb: TrajectoryKnowledge, know: Knowledge, values: dict[str, Any]
) -> tuple[dict[str, str], dict[str, float], dict[str, str]]:
    """Which record measures anchor a projection, and why the others are not projected."""
    projected: dict[str, str] = {}
    anchors: dict[str, float] = {}
    not_projected: dict[str, str] = {}
    for q in kb.spec.quantities.values():
        m = q.measure
        if m is None:
            continue
        if q.follows == "none":
            not_projected[m] = q.caveat or "not modelled"
        elif values.get(m) is None:
            derived = know.catalog.derived.get(m)
            missing = [i for i in (derived.inputs if derived else (m,)) if values.get(i) is None]
            not_projected[m] = (
                f"not measured ({', '.join(missing)} missing); a missing value is unknown, so it "
                "is not projected (the relative indices are)"
            )
        else:
            projected[m], anchors[m] = q.follows, float(values[m])
    return projected, anchors, not_projected


def _history(
    scenario: Scenario, start: date | None, anchors: dict[str, float], height: float | None
) -> list[HistoryValue]:
    out: list[HistoryValue] = []
    problems: list[Problem] = []
    for i, h in enumerate(scenario.history):
        day = h.day
        if day is None:
            assert h.on is not None
            if start is None:
                problems.append(
                    Problem(
                        f"history_points[{i}].date",
                        "needs a start date (the record's date or the scenario's start_date); or give day",
                    )
                )
                continue
            day = float((h.on - start).days)
            if day > 0:
                problems.append(Problem(f"history_points[{i}].date", f"{h.on} is after the start {start}"))
                continue
        for m, v in h.values.items():
            out.append(HistoryValue(m, day, v))
            if m == "asm" and height and "asmi" in anchors:
                out.append(HistoryValue("asmi", day, round(v / (height / 100) ** 2, 2)))
    if problems:
        raise ScenarioValidationError(problems, scenario.source)
    return out


def simulate(
    record: Record | Mapping[str, Any],
    scenario: Scenario | Mapping[str, Any] | list[Any] | str | None = None,
    years: float | None = None,
    draws: int = 1000,
    seed: int | None = 0,
    step: str = "day",
    definitions: list[str] | None = None,
    fixed: Collection[str] | str = (),
    knowledge: Knowledge | None = None,
    trajectory: TrajectoryKnowledge | None = None,
) -> Projection:
    """Project ``record`` under ``scenario`` (a Scenario, its data, or a file path; None: ageing only).

    ``fixed`` holds named parameters or groups (or ``"all"``) at their central value, which narrows
    the band to the uncertainty of the rest; an unknown name is refused, not ignored. Same seed,
    same result.

    :raises RecordValidationError: for an invalid record given as data.
    :raises ScenarioValidationError: naming every bad field of the scenario.
    :raises SimulationError: when the projection cannot be made as asked (e.g. age missing).
    """
    kb = trajectory or load_trajectory()
    know = knowledge or load_knowledge()
    rec = record if isinstance(record, Record) else parse_record(record)
    # an unknown name to fix is reported with the scenario's problems (it is one of its settings)
    fixed, fix_problems = fixed_parameters(kb, fixed, "fixed")
    if isinstance(scenario, Scenario | str):
        if fix_problems:
            raise ScenarioValidationError(
                fix_problems, scenario if isinstance(scenario, str) else scenario.source
            )
        scen = scenario if isinstance(scenario, Scenario) else load_scenario(scenario, kb)
    else:
        scen = parse_scenario(scenario, knowledge=kb, problems=fix_problems)
    problems = []
    if isinstance(draws, bool) or not isinstance(draws, int) or not 1 <= draws <= MAX_DRAWS:
        problems.append(f"draws must be a whole number from 1 to {MAX_DRAWS}, got {quote(draws)}")
    # numpy refuses a negative seed with a bare ValueError; None (fresh entropy) is allowed
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or seed < 0):
        problems.append(f"seed must be a whole number 0 or more, got {quote(seed)}")
    if step not in STEPS:
        problems.append(f"step must be one of {', '.join(STEPS)}, got {step!r}")
    horizon_years = years if years is not None else (scen.years or DEFAULT_YEARS)
    if (
        isinstance(horizon_years, bool)
        or not isinstance(horizon_years, int | float)
        or not 0 < horizon_years <= 100
    ):
        problems.append(f"years must be a number in (0, 100], got {horizon_years!r}")
    age, sex = rec.get("age"), rec.get("sex")
    if age is None:
        problems.append(
            "the record has no age (or birth_date with date); the ageing rates depend on the "
            "age band, and a missing age is unknown, not a default"
        )
    if problems:
        raise SimulationError("cannot project: " + "; ".join(problems))
    horizon = horizon_days(float(horizon_years))
    scen.check_horizon(horizon)
    start_date: date | None = rec.get("date") or scen.start_date

    values = dict(rec.values)
    for k, v in derive(rec, know.catalog).items():
        if v is not None:
            values.setdefault(k, v)
    projected, anchors, not_projected = _anchors(kb, know, values)
    specs = crossing_specs(know, list(definitions or DEFAULT_DEFINITIONS), values, projected, not_projected)

    _, steps = build_plan(scen, kb, float(age), horizon, step)
    table = draw_table(kb, str(sex), draws, seed, scen.parameters, fixed)
    trackers = {id(s): CrossingTracker(s, table.size) for s in specs if s.reason is None}
    result = run(steps, table, draws, trackers=list(trackers.values()))
    crossings = [summarise(trackers.get(id(s)), s, draws, float(horizon), start_date) for s in specs]

    series: dict[str, Series] = {}
    quantities = kb.spec.quantities
    for qid in ("muscle_mass", "strength"):
        arr = result.series[qid] * 100
        q = quantities[qid]
        series[qid] = Series(qid, q.label, q.unit, arr[:, 1], arr[:, 0], arr[:, 2], arr[:, 3])
    for m, follows in projected.items():
        q = next(qq for qq in quantities.values() if qq.measure == m)
        arr = result.series["mass_body" if follows == "mass" else "strength_body"] * anchors[m]
        precision = (
            know.catalog.derived[m].precision
            if m in know.catalog.derived
            else know.catalog.measures[m].precision
        )
        series[m] = Series(
            m,
            q.label,
            q.unit,
            arr[:, 1],
            arr[:, 0],
            arr[:, 2],
            arr[:, 3],
            start=anchors[m],
            caveat=q.caveat,
            decimals=precision if precision is not None else 2,
        )

    # a disease the scenario does not project comes first: it can outweigh everything below
    left_out = kb.conditions_left_out(rec.get("conditions") or [], (e.name for e in scen.states()))
    caveats = left_out + [q.caveat for q in quantities.values() if q.caveat and q.measure in projected]
    caveats += [kb.spec.states[e.name].note or "" for e in scen.states() if kb.spec.states[e.name].note]
    caveats.append(
        "The band is the spread of the evidence's parameter ranges (5-95% of draws), not the "
        "spread between people or of measurement error."
    )
    notes = [
        f"{kb.spec.interventions[e.name].label}: {kb.spec.interventions[e.name].note}"
        for e in scen.interventions()
        if kb.spec.interventions[e.name].note
    ]
    caveats += [
        kb.spec.interventions[i.name].caveat_with[s.name]
        for i in scen.interventions()
        for s in scen.states()
        if s.name in kb.spec.interventions[i.name].caveat_with and overlap(i, s)
    ]
    return Projection(
        record_source=rec.source,
        scenario=scen,
        days=result.times,
        series=series,
        crossings=crossings,
        settings={
            "draws": draws,
            "seed": seed,
            "step": step,
            "years": float(horizon_years),
            "horizon_days": horizon,
            "fixed": fixed if isinstance(fixed, str) else list(fixed),
            "definitions": list(definitions or DEFAULT_DEFINITIONS),
        },
        person={"sex": sex, "age": age},
        start_date=start_date,
        not_projected=not_projected,
        caveats=list(dict.fromkeys(c for c in caveats if c)),
        notes=list(dict.fromkeys(notes)),
        history=_history(scen, start_date, anchors, values.get("height")),
        knowledge_version=know.version,
        left_out=left_out,
    )


__all__ = ["DEFAULT_YEARS", "Projection", "Scenario", "load_scenario", "parse_scenario", "simulate"]
