"""Cohort upload (researchers and admins): upload a table, watch it run, download the outputs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import FileResponse, RedirectResponse
from starlette.datastructures import UploadFile

from .. import cohort_jobs as jobs
from ..accounts import SignedIn
from ..deps import CsrfChecked, DbSession, RequireRole, Settings, address_of
from ..patients import Where
from .render import page

router = APIRouter(prefix="/cohort")
Researcher = Annotated[SignedIn, Depends(RequireRole("researcher", "admin"))]
CHUNK = 1 << 20
MEDIA = {".csv": "text/csv", ".txt": "text/plain", ".svg": "image/svg+xml"}


def _where(request: Request, who: Researcher) -> Where:
    return Where(who, address_of(request), request.state.request_id)


@router.get("")
def cohort_page(request: Request, who: Researcher, settings: Settings) -> Response:
    return page(
        request,
        "cohort.html",
        {
            "jobs": jobs.list_jobs(request.app.state.work_dir, who),
            "error": "",
            "max_mb": settings.cohort_max_megabytes,
        },
    )


@router.post("", dependencies=[CsrfChecked])
async def upload(request: Request, db: DbSession, who: Researcher, settings: Settings) -> Response:
    work: Path = request.app.state.work_dir
    form = await request.form()
    file = form.get("table")
    error = ""
    if not isinstance(file, UploadFile) or not file.filename:
        error = "table: choose a CSV, TSV or Parquet file to upload"
    else:
        try:
            status, target = jobs.create_job(work, who, file.filename)
        except jobs.CohortJobError as exc:
            error = f"table: {exc}"
    if error:
        return page(
            request,
            "cohort.html",
            {"jobs": jobs.list_jobs(work, who), "error": error, "max_mb": settings.cohort_max_megabytes},
            422,
        )
    assert isinstance(file, UploadFile)
    limit, size = settings.cohort_max_megabytes * CHUNK, 0
    with target.open("wb") as out:
        while chunk := await file.read(CHUNK):
            size += len(chunk)
            if size > limit:
                break
            out.write(chunk)
    if size > limit or size == 0:
        target.unlink(missing_ok=True)
        status.state = "failed"
        status.error = (
            "the file is empty"
            if size == 0
            else f"the file is larger than {settings.cohort_max_megabytes} MB"
        )
        jobs._write(work / status.id, status)
        return page(
            request,
            "cohort.html",
            {
                "jobs": jobs.list_jobs(work, who),
                "error": f"table: {status.error}",
                "max_mb": settings.cohort_max_megabytes,
            },
            413 if size else 422,
        )
    _where(request, who).audit(
        db, action="create", entity="cohort_job", job=status.id, file=status.filename, bytes=size
    )
    jobs.start(work, status, target)
    return RedirectResponse(f"/cohort/{status.id}", status_code=303)


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
