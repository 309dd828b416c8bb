"""``POST /assess``, ``/workup``, ``/plan``, ``/simulate``: a record in, the CLI's JSON out.

Each returns the document ``myoscope <command> --format json`` prints for the same record (one
function makes both: :mod:`myoscope.payloads`). Nothing is stored; the pathway runs in a worker
thread, so a long projection does not hold the event loop.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Response
from starlette.concurrency import run_in_threadpool

from ... import payloads
from ...record import parse_record
from ..deps import Clinical
from ..errors import ERROR_RESPONSES
from ..http import DocumentResponse
from ..schemas import (
    EXAMPLE_RECORD,
    RECORD_HELP,
    AssessmentOut,
    PlanOut,
    SimulateIn,
    SimulationOut,
    WorkupOut,
)

router = APIRouter(tags=["pathway"])
Record = Annotated[dict[str, Any], Body(description=RECORD_HELP, examples=[EXAMPLE_RECORD])]
SOURCE = "request body"


def _record(data: dict[str, Any]) -> Any:
    return parse_record(data, source=SOURCE)


@router.post("/assess", operation_id="assess", responses={200: {"model": AssessmentOut}, **ERROR_RESPONSES})
async def assess(
    who: Clinical, record: Record,
    definitions: Annotated[str | None, Query(max_length=500, description="Comma-separated definition ids "
                                             "(default: all).")] = None,
) -> Response:
    """Assess a record under every consensus definition, work up the causes and make the plan."""
    ids = [d.strip() for d in definitions.split(",") if d.strip()] if definitions else None
    return DocumentResponse(await run_in_threadpool(payloads.assess_json, _record(record), ids))


@router.post("/workup", operation_id="workup", responses={200: {"model": WorkupOut}, **ERROR_RESPONSES})
async def workup(who: Clinical, record: Record) -> Response:
    """The cause work-up: ranked causes, red flags by urgency, next tests and questions."""
    return DocumentResponse(await run_in_threadpool(payloads.workup_json, _record(record)))


@router.post("/plan", operation_id="plan", responses={200: {"model": PlanOut}, **ERROR_RESPONSES})
async def plan(who: Clinical, record: Record) -> Response:
    """The treatment plan, every item cited (gated by red flags)."""
    return DocumentResponse(await run_in_threadpool(payloads.plan_json, _record(record)))


@router.post("/simulate", operation_id="simulate", responses={200: {"model": SimulationOut},
                                                               **ERROR_RESPONSES})
async def simulate(who: Clinical, body: SimulateIn) -> Response:
    """Project muscle mass and strength under a scenario, with a 5–95% band and crossing dates."""

    def run() -> dict[str, Any]:
        projection = payloads.projection_of(
            _record(body.record), scenario=body.scenario, scenario_name="request scenario",
            scenario_source="request body", events=body.events, ageing=body.ageing, years=body.years,
            draws=body.draws, seed=body.seed, step=body.step, definitions=body.definitions,
            fixed=body.fix or ())  # "all", ids or groups (a list, or comma-separated as on the CLI)
        return payloads.simulate_json(projection, evidence=body.evidence, seed=body.seed)

    return DocumentResponse(await run_in_threadpool(run))
