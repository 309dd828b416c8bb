"""Cohort upload (researchers and admins): upload a table, watch it run, download the outputs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, RedirectResponse
from starlette.datastructures import UploadFile

from ...errors import Problem
from .. import cohort_jobs as jobs
from .. import cohort_mapping as cm
from ..accounts import SignedIn
from ..deps import CsrfChecked, DbSession, RequireRole, Settings, address_of
from ..forms import problems_by_field
from ..patients import Where
from ..settings import WebSettings
from .render import page

router = APIRouter(prefix="/cohort")
Researcher = Annotated[SignedIn, Depends(RequireRole("researcher", "admin"))]
CHUNK = 1 << 20
MEDIA = {".csv": "text/csv", ".txt": "text/plain", ".svg": "image/svg+xml", ".yaml": "application/yaml"}
_FIELDS = ("table", "mapping_mode", "mapping_file", "redcap_dictionary", "map", "map_id",
           *(f"map.{t.name}" for t in cm.targets()), *(f"unit.{t.name}" for t in cm.targets()),
           *(f"const.{t.name}" for t in cm.targets()))


def _where(request: Request, who: Researcher) -> Where:
    return Where(who, address_of(request), request.state.request_id)


def _cohort_page(request: Request, who: SignedIn, settings: WebSettings, status: int = 200,
                 **extra: Any) -> Response:
    ctx: dict[str, Any] = {
        "jobs": jobs.list_jobs(request.app.state.work_dir, who),
        "max_mb": settings.cohort_max_megabytes,
        "modes": cm.MODE_TEXT,
        "targets": cm.targets(),
        "values": {},
        "problems": {},
        "listed": [],
    }
    return page(request, "cohort.html", {**ctx, **extra}, status)


@router.get("")
def cohort_page(request: Request, who: Researcher, settings: Settings) -> Response:
    return _cohort_page(request, who, settings)


@router.post("", dependencies=[CsrfChecked])
async def upload(request: Request, db: DbSession, who: Researcher, settings: Settings) -> Response:
    work: Path = request.app.state.work_dir
    form = await request.form()
    file = form.get("table")
    values = {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}
    problems: list[Problem] = []
    if not isinstance(file, UploadFile) or not file.filename:
        problems.append(Problem("table", "choose a CSV, TSV or Parquet file to upload"))
    elif Path(file.filename).suffix.lower() not in jobs.SUFFIXES:
        expected = ", ".join(jobs.SUFFIXES)
        problems.append(Problem("table", f"{file.filename}: expected a table ending in {expected}"))
    choice = None
    map_file = form.get("mapping_file")
    data, map_name = None, ""
    if isinstance(map_file, UploadFile) and map_file.filename:
        data, map_name = await map_file.read(cm.MAX_MAPPING_BYTES + 1), map_file.filename
    dict_file = form.get("redcap_dictionary")
    dictionary: tuple[bytes | None, str] = (None, "")
    if isinstance(dict_file, UploadFile) and dict_file.filename:
        dictionary = (await dict_file.read(cm.MAX_DICTIONARY_BYTES + 1), dict_file.filename)
    try:
        choice = cm.choice_from_form(form, data, map_name, dictionary)
    except cm.MappingProblemsError as exc:
        problems += exc.problems
    if problems:
        return _refused(request, who, settings, problems, values, 422)
    assert isinstance(file, UploadFile) and choice is not None
    try:
        status, target = jobs.create_job(work, who, file.filename or "", mapping=choice.describe)
    except jobs.CohortJobError as exc:
        return _refused(request, who, settings, [Problem("table", str(exc))], values, 422)
    limit, size = settings.cohort_max_megabytes * CHUNK, 0
    with target.open("wb") as out:
        while chunk := await file.read(CHUNK):
            size += len(chunk)
            if size > limit:
                break
            out.write(chunk)
    if size > limit or size == 0:
        jobs.discard(work, status)
        mb = settings.cohort_max_megabytes
        error = "the file is empty" if size == 0 else f"the file is larger than {mb} MB"
        return _refused(request, who, settings, [Problem("table", error)], values, 413 if size else 422)
    try:
        header = await run_in_threadpool(jobs.header_of, target)
        if header is not None:
            cm.check_against_table(choice, header)
    except cm.MappingProblemsError as exc:
        jobs.discard(work, status)
        return _refused(request, who, settings, exc.problems, values, 422)
    _where(request, who).audit(
        db, action="create", entity="cohort_job", job=status.id, file=status.filename, bytes=size,
        mapping=choice.describe,
    )
    jobs.start(work, status, target, mapping=choice.mapping)
    return RedirectResponse(f"/cohort/{status.id}", status_code=303)


def _refused(request: Request, who: SignedIn, settings: WebSettings, problems: list[Problem],
             values: dict[str, str], status: int) -> Response:
    """The upload page again, every problem named in a summary and beside its field, the choices
    kept (a browser cannot refill a file input: the files are chosen again)."""
    by, other = problems_by_field(problems, (), extra=_FIELDS)
    labels = {"table": "Table", "mapping_mode": "Column mapping", "mapping_file": "Mapping file",
              "redcap_dictionary": "REDCap data dictionary",
              "map": "Picked columns", "map_id": "Row identifier column",
              **{f"{kind}.{t.name}": f"{t.label} ({what})" for t in cm.targets()
                 for kind, what in (("map", "column"), ("unit", "unit"), ("const", "every row"))}}
    listed = [(name, labels.get(name, name), msg) for name, msgs in by.items() for msg in msgs]
    listed += [("", "", msg) for msg in other]
    return _cohort_page(request, who, settings, status, values=values, problems=by, listed=listed)


@router.get("/{job_id}")
def job_page(request: Request, who: Researcher, job_id: str) -> Response:
    status = jobs.read_status(request.app.state.work_dir, job_id, who)
    return page(request, "cohort_job.html", {"job": status})


@router.get("/{job_id}/files/{name}")
def job_file(request: Request, db: DbSession, who: Researcher, job_id: str, name: str) -> Response:
    work: Path = request.app.state.work_dir
    status = jobs.read_status(work, job_id, who)
    path = jobs.output_file(work, status, name)
    _where(request, who).audit(db, action="read", entity="cohort_output", job=job_id, file=name)
    inline = path.suffix == ".svg"
    return FileResponse(
        path,
        media_type=MEDIA.get(path.suffix, "application/octet-stream"),
        filename=None if inline else f"{Path(status.filename).stem}.{name}",
    )
