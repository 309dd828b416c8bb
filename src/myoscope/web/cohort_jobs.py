"""Cohort uploads: run the cohort engine on an uploaded table in the background, keep the outputs.

A job is a folder under the work directory holding the upload, the classified table, the rejects,
the summary and ``status.json`` (owner, state, rows done of the total, the accounting). The
status lives in the file, not in a process, so every server worker sees the same job and a
page can show progress. Job ids are random; a job is visible to its owner and to the admins of
the owner's organisation only (anyone else gets "not found").
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import threading
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import MyoscopeError
from .accounts import SignedIn

if TYPE_CHECKING:
    from ..cohort.mapping import Mapping

SUFFIXES = (".csv", ".tsv", ".parquet")
STATES = ("queued", "running", "done", "failed")


class CohortJobError(MyoscopeError):
    """An upload that cannot be run (wrong kind of file, too large, empty)."""


class CohortJobNotFound(MyoscopeError):
    """No such job for this user."""


@dataclass
class JobStatus:
    id: str
    user_id: int
    username: str
    organisation_id: int | None
    filename: str
    created_at: str
    state: str = "queued"
    rows_done: int = 0
    rows_total: int | None = None
    accounting: str = ""
    error: str = ""
    files: dict[str, str] = field(default_factory=dict)  # label -> file name in the job folder
    mapping: str = ""  # how the columns were mapped (none, a shipped mapping, a file, the form)

    @property
    def percent(self) -> int | None:
        if not self.rows_total:
            return None
        return min(100, round(100 * self.rows_done / self.rows_total))


def _write(folder: Path, status: JobStatus) -> None:
    tmp = folder / "status.json.tmp"
    tmp.write_text(json.dumps(asdict(status)), "utf-8")
    os.replace(tmp, folder / "status.json")


def read_status(work: Path, job_id: str, who: SignedIn) -> JobStatus:
    """The job's status, if ``who`` may see it.

    :raises CohortJobNotFound: for an unknown id or another user's job (admins see their
        organisation's)."""
    if not job_id.replace("-", "").replace("_", "").isalnum():
        raise CohortJobNotFound(job_id)
    path = work / job_id / "status.json"
    if not path.exists():
        raise CohortJobNotFound(job_id)
    s = JobStatus(**json.loads(path.read_text("utf-8")))
    mine = s.user_id == who.user_id or (who.role == "admin" and s.organisation_id == who.organisation_id)
    if not mine:
        raise CohortJobNotFound(job_id)
    return s


def list_jobs(work: Path, who: SignedIn) -> list[JobStatus]:
    out = []
    for p in sorted(work.glob("*/status.json"), key=lambda p: p.stat().st_mtime, reverse=True):
        try:
            out.append(read_status(work, p.parent.name, who))
        except (CohortJobNotFound, ValueError, TypeError):
            continue
    return out


def create_job(work: Path, who: SignedIn, filename: str, mapping: str = "") -> tuple[JobStatus, Path]:
    """A new job folder; returns its status and where to write the upload."""
    suffix = Path(filename).suffix.lower()
    if suffix not in SUFFIXES:
        raise CohortJobError(f"{filename or 'the file'}: expected a table ending in {', '.join(SUFFIXES)}")
    job_id = secrets.token_urlsafe(12)
    folder = work / job_id
    folder.mkdir(parents=True)
    status = JobStatus(
        job_id,
        who.user_id,
        who.username,
        who.organisation_id,
        Path(filename).name,
        datetime.now(UTC).isoformat(timespec="seconds"),
        mapping=mapping,
    )
    _write(folder, status)
    return status, folder / f"input{suffix}"


def discard(work: Path, status: JobStatus) -> None:
    """Remove a job that was refused before it ran (its upload with it): nothing half-made stays."""
    shutil.rmtree(work / status.id, ignore_errors=True)


def header_of(upload: Path) -> list[str] | None:
    """The uploaded table's column names, or ``None`` when it cannot be read (the job then fails
    with the reader's own message)."""
    from ..cohort.io import scan

    try:
        return list(scan(upload).collect_schema())
    except Exception:  # an unreadable table is reported by the run, with its reason
        return None


def run_job(work: Path, status: JobStatus, upload: Path, mapping: Mapping | None = None) -> None:
    """Classify the upload (in a background thread); outputs and progress go to the job folder."""
    from ..cohort.run import run_cohort

    folder = work / status.id
    files: dict[str, str] = {}
    if mapping is not None:  # kept beside the outputs, in the --map format, to repeat the run
        from .cohort_mapping import as_yaml

        (folder / "mapping.yaml").write_text(as_yaml(mapping), "utf-8")
        files["column mapping (YAML, for --map)"] = "mapping.yaml"
        status.files = dict(files)  # downloadable even if the run fails
    status.state = "running"
    _write(folder, status)

    def total(n: int | None) -> None:
        status.rows_total = n
        _write(folder, status)

    def progress(n: int) -> None:
        status.rows_done += n
        _write(folder, status)

    try:
        result = run_cohort(
            upload, folder / "classified.csv", progress=progress, total=total, batch_size=50_000,
            mapping=mapping,
        )
        files = {"classified table (CSV)": "classified.csv", "rejects (CSV)": Path(result.rejects_path).name,
                 **files}
        if result.summary is not None:
            (folder / "summary.txt").write_text(str(result.summary) + "\n", "utf-8")
            files["summary (text)"] = "summary.txt"
            try:
                from ..report.cohort_chart import prevalence_chart
                from ..report.svg import svg_of

                svg = svg_of(
                    prevalence_chart(result.summary),
                    "Prevalence under each definition",
                    "Share of classified rows per outcome, indeterminate included.",
                )
                (folder / "prevalence.svg").write_text(svg, "utf-8")
                files["prevalence chart (SVG)"] = "prevalence.svg"
            except Exception as exc:  # a chart failure leaves the tables available
                (folder / "chart-error.txt").write_text(f"{type(exc).__name__}\n", "utf-8")
        status.files, status.accounting, status.state = files, result.accounting, "done"
    except MyoscopeError as exc:  # named as the user knows it, not by the server's file path
        status.state, status.error = "failed", str(exc).replace(str(upload), "the uploaded table")
    except Exception as exc:  # an unreadable table: say what kind of failure, not internals
        status.state, status.error = (
            "failed",
            f"the table could not be read or classified ({type(exc).__name__})",
        )
    finally:
        upload.unlink(missing_ok=True)
        _write(folder, status)


def start(work: Path, status: JobStatus, upload: Path, mapping: Mapping | None = None) -> threading.Thread:
    t = threading.Thread(target=run_job, args=(work, status, upload, mapping), name=f"cohort-{status.id}",
                         daemon=True)
    t.start()
    return t


def output_file(work: Path, status: JobStatus, name: str) -> Path:
    """A finished job's output file by name (only the files the job lists)."""
    if name not in status.files.values():
        raise CohortJobNotFound(name)
    return work / status.id / name


def describe(status: JobStatus) -> dict[str, Any]:
    return asdict(status) | {"percent": status.percent}
