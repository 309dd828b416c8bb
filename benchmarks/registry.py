"""Registry benchmark: CSV import against in-process assessment, stored size per visit, and
registry-wide alerts (full pass and one page), on SQLite and PostgreSQL.

    .venv/bin/python benchmarks/registry.py [--import-patients 200] [--import-visits 4]
                                            [--patients 20000] [--visits 10] [--baseline 500]
                                            [--repeat 3] [--import-only]

Import (what ``myoscope import`` does): a synthetic CSV of patients x visits (weight, height,
grip, gait, chair stands, calf, ASM by DXA, CRP, albumin, SARC-F), imported into a fresh
registry. The baseline, measured in the same run on the same records: assessing each record in
one process with ``myoscope.assess`` (the whole pathway, as ``myoscope assess`` does) and with
the definitions only (what the registry stores). Reported: visits/s, the ratio import /
baseline, and the stored size per visit (SQLite: the file; PostgreSQL: every table with its
indexes and TOAST).

Alerts: bulk-load synthetic patients (grip, gait speed and weight at every visit, height at the
first, 0.5 % of values corrected so that the "current version" filter has work to do), then
time ``compute_alerts`` over everyone, the first page (``myoscope alerts`` shows 100 alerts a
page), and a naive per-patient ORM loop over ``--baseline`` patients, extrapolated. Both must
give the same alerts for those patients; the script checks it.

PostgreSQL is the server in ``MYOSCOPE_TEST_DATABASE_URL`` (default: the machine's
postgres@127.0.0.1:5432/test), in throw-away schemas; it is skipped with a note if unreachable.
Data are generated with fixed seeds; figures are wall-clock seconds on this machine.
"""

from __future__ import annotations

import argparse
import csv
import os
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import Engine, create_engine, event, select, text
from sqlalchemy.engine import make_url

from myoscope.assess import assess
from myoscope.pathway import run_pathway
from myoscope.record import parse_record
from myoscope.registry import db
from myoscope.registry.alerts import compute_alerts, iter_series
from myoscope.registry.assessing import load_visits
from myoscope.registry.changes import current_alerts, patient_changes
from myoscope.registry.imports import import_csv, read_rows, row_to_record
from myoscope.registry.models import Patient
from myoscope.registry.repo import series_of

PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
#: statements sent and commits made by the last import, per backend
ROUND_TRIPS: dict[str, tuple[int, int]] = {}
STAMP = "2025-01-01 00:00:00.000000"
EPOCH = date(2016, 1, 1)

VISIT_COLS = ("id", "patient_id", "visit_date", "setting", "source", "content_hash", "created_at",
              "created_by")
MEAS_COLS = ("id", "visit_id", "measure_id", "value_num", "unit", "unit_entered", "source", "entered_by",
             "entered_at", "version", "supersedes_id")


def generate(n_patients: int, n_visits: int, chunk: int = 10_000, seed: int = 7) -> Iterator[
        tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[tuple[Any, ...]]]]:
    """Chunks of (patients, visits, measurements) rows, deterministic for a seed."""
    rng = np.random.default_rng(seed)
    visit_id = meas_id = 0
    for start in range(0, n_patients, chunk):
        n = min(chunk, n_patients - start)
        male = rng.random(n) < 0.45
        born = rng.integers(0, 25 * 365, n)
        grip0 = np.where(male, rng.normal(34, 7, n), rng.normal(21, 5, n)).clip(6, 70)
        weight0 = np.where(male, rng.normal(80, 12, n), rng.normal(66, 11, n)).clip(38, 160)
        gait0 = rng.normal(1.0, 0.2, n).clip(0.3, 1.7)
        height = np.where(male, rng.normal(174, 7, n), rng.normal(161, 6, n)).clip(140, 200)
        gaps = rng.integers(60, 200, (n, n_visits))
        grip_steps = rng.normal(-0.3, 1.2, (n, n_visits))
        weight_steps = rng.normal(-0.1, 1.0, (n, n_visits))
        gait_steps = rng.normal(-0.01, 0.04, (n, n_visits))
        fix = rng.random((n, n_visits)) < 0.005
        patients, visits, meas = [], [], []
        for i in range(n):
            pid = start + i + 1
            sex = "male" if male[i] else "female"
            patients.append((pid, 1, f"BENCH-{pid:06d}", sex,
                             (date(1935, 1, 1) + timedelta(days=int(born[i]))).isoformat(), STAMP, "bench"))
            day = int(rng.integers(0, 365))
            grip, weight, gait = grip0[i], weight0[i], gait0[i]
            for j in range(n_visits):
                day += int(gaps[i, j])
                visit_id += 1
                on = (EPOCH + timedelta(days=day)).isoformat()
                visits.append((visit_id, pid, on, None, "bench", f"bench-{visit_id}", STAMP, "bench"))
                grip = max(2.0, grip + grip_steps[i, j])
                weight = max(30.0, weight + weight_steps[i, j])
                gait = min(2.0, max(0.1, gait + gait_steps[i, j]))
                values = [("grip_strength", round(grip, 1), "kg"), ("weight", round(weight, 1), "kg"),
                          ("gait_speed", round(gait, 2), "m/s")]
                if j == 0:
                    values.append(("height", round(float(height[i]), 1), "cm"))
                for k, (mid, value, unit) in enumerate(values):
                    meas_id += 1
                    meas.append((meas_id, visit_id, mid, value, unit, unit, "bench", "bench", STAMP, 1, None))
                    if k == 0 and fix[i, j]:  # a correction: version 2 supersedes the row above
                        meas_id += 1
                        meas.append((meas_id, visit_id, mid, round(value + 0.5, 1), unit, unit, "correction",
                                     "bench", STAMP, 2, meas_id - 1))
        yield patients, visits, meas


PATIENT_COLS = ("id", "organisation_id", "pseudonym", "sex", "birth_date", "created_at", "created_by")


def load_sqlite(path: Path, n_patients: int, n_visits: int) -> int:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("INSERT INTO organisations (id, name, created_at) VALUES (1, 'bench', ?)", (STAMP,))
    rows = 0
    for patients, visits, meas in generate(n_patients, n_visits):
        for table, cols, data in (("patients", PATIENT_COLS, patients), ("visits", VISIT_COLS, visits),
                                  ("measurements", MEAS_COLS, meas)):
            conn.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                             data)
            rows += len(data)
    conn.commit()
    conn.execute("ANALYZE")
    conn.close()
    return rows


def load_postgres(url: str, n_patients: int, n_visits: int) -> int:
    import psycopg

    u = make_url(url)
    conninfo = psycopg.conninfo.make_conninfo(host=u.host, port=u.port or 5432, user=u.username,
                                              dbname=u.database, password=u.password or "",
                                              options=u.query.get("options"))
    rows = 0
    with psycopg.connect(conninfo) as conn, conn.cursor() as cur:
        cur.execute("INSERT INTO organisations (id, name, created_at) VALUES (1, 'bench', %s)", (STAMP,))
        for patients, visits, meas in generate(n_patients, n_visits):
            for table, cols, data in (("patients", PATIENT_COLS, patients), ("visits", VISIT_COLS, visits),
                                      ("measurements", MEAS_COLS, meas)):
                with cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
                    for row in data:
                        copy.write_row(row)
                rows += len(data)
        for table in ("patients", "visits", "measurements"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))")
        conn.commit()
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("ANALYZE patients, visits, measurements")
    return rows


def naive_alerts(factory: Any, patient_ids: list[int]) -> dict[str, list[str]]:
    """The baseline: one patient at a time through the ORM, as a first implementation would."""
    out: dict[str, list[str]] = {}
    with factory() as s:
        for pid in patient_ids:
            patient = s.get(Patient, pid)
            result = patient_changes(series_of(patient, load_visits(s, pid)))
            out[patient.pseudonym] = [a.message for a in current_alerts(result)]
    return out


def bench(name: str, url: str, n_patients: int, n_visits: int, n_baseline: int,
          load: Any) -> dict[str, float]:
    engine = db.make_engine(url)
    db.upgrade(engine)
    t0 = time.perf_counter()
    rows = load(url, n_patients, n_visits)
    t_load = time.perf_counter() - t0
    factory = db.session_factory(engine)

    with factory() as s:
        t0 = time.perf_counter()
        n_series = sum(1 for _ in iter_series(s))
        t_fetch = time.perf_counter() - t0
    with factory() as s:
        t0 = time.perf_counter()
        report = compute_alerts(s, actor="bench")
        t_alerts = time.perf_counter() - t0
        s.rollback()  # the benchmark's audit row is not kept

    with factory() as s:
        t0 = time.perf_counter()
        page = compute_alerts(s, limit=100, actor="bench")
        t_page = time.perf_counter() - t0
        s.rollback()

    step = max(1, n_patients // n_baseline)
    subset = list(range(1, n_patients + 1, step))[:n_baseline]
    t0 = time.perf_counter()
    naive = naive_alerts(factory, subset)
    t_naive = (time.perf_counter() - t0) * n_patients / len(subset)
    streamed: dict[str, list[str]] = {p: [] for p in naive}
    for a in report.alerts:
        if a.pseudonym in streamed:
            streamed[a.pseudonym].append(a.message)
    assert streamed == naive, "the streaming pass and the naive loop disagree"
    engine.dispose()

    print(f"\n{name}: {n_patients:,} patients x {n_visits} visits ({rows:,} rows loaded in {t_load:.1f} s)")
    print(f"  fetch only (streaming query, {n_series:,} series): {t_fetch:.1f} s")
    print(f"  compute_alerts (fetch + changes + alerts): {t_alerts:.1f} s "
          f"({n_patients / t_alerts:,.0f} patients/s; {len(report.alerts):,} alerts)")
    print(f"  first page (alerts --limit 100): {t_page:.2f} s ({len(page.alerts)} alerts, "
          f"{page.patients:,} patients scanned)")
    print(f"  baseline, naive per-patient ORM loop over {len(subset):,} patients, extrapolated: "
          f"{t_naive:.1f} s")
    print(f"  ratio baseline / compute_alerts: {t_naive / t_alerts:.1f}x")
    return {"load": t_load, "fetch": t_fetch, "alerts": t_alerts, "naive": t_naive, "page": t_page}


IMPORT_COLUMNS = ("patient", "sex", "birth_date", "date", "weight", "height", "grip_strength", "gait_speed",
                  "chair_stand_time", "calf_circumference", "asm", "asm_method", "crp", "albumin",
                  "sarc_f_strength", "sarc_f_assistance_walking", "sarc_f_rise_from_chair",
                  "sarc_f_climb_stairs", "sarc_f_falls")


def visits_csv(path: Path, n_patients: int, n_visits: int, seed: int = 11) -> int:
    """A CSV of n_patients x n_visits plausible visits, each patient's in date order."""
    rng = np.random.default_rng(seed)
    with path.open("w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(IMPORT_COLUMNS)
        for p in range(n_patients):
            male = bool(rng.random() < 0.45)
            born = date(1935, 1, 1) + timedelta(days=int(rng.integers(0, 25 * 365)))
            height = rng.normal(174 if male else 161, 6)
            weight, grip, gait = rng.normal(80 if male else 66, 11), rng.normal(34 if male else 21, 6), 1.0
            day = date(2023, 1, 1) + timedelta(days=int(rng.integers(0, 200)))
            for v in range(n_visits):
                weight = max(35.0, weight + rng.normal(-0.8, 1.5))
                grip = max(4.0, grip + rng.normal(-0.5, 1.5))
                gait = min(1.8, max(0.2, gait + rng.normal(-0.02, 0.05)))
                out.writerow([f"P{p:05d}", "M" if male else "F", born.isoformat(), day.isoformat(),
                              f"{weight:.1f}", f"{height:.1f}" if v == 0 else "", f"{grip:.1f}",
                              f"{gait:.2f}",
                              f"{rng.uniform(8, 18):.1f}", f"{rng.uniform(28, 38):.1f}",
                              f"{weight * (0.3 if male else 0.25):.1f}", "dxa", f"{rng.uniform(1, 30):.1f}",
                              f"{rng.uniform(2.8, 4.5):.1f}", *[int(x) for x in rng.integers(0, 3, 5)]])
                day += timedelta(days=int(rng.integers(60, 150)))
    return n_patients * n_visits


def import_records(path: Path) -> list[dict[str, Any]]:
    return [{**row_to_record({k: v for k, v in r.items() if k != "patient"}), "id": r["patient"]}
            for r in read_rows(path)]


def assess_seconds(records: list[dict[str, Any]], *, whole: bool) -> tuple[float, float]:
    """Wall and CPU seconds to assess every record in one process: the whole pathway, or the
    definitions only."""
    t0, c0 = time.perf_counter(), time.process_time()
    for r in records:
        if whole:  # what ``myoscope assess`` runs: definitions, cause work-up and plan
            run_pathway(parse_record(r))
        else:
            assess(parse_record(r))
    return time.perf_counter() - t0, time.process_time() - c0


def stored_bytes(url: str) -> int:
    """Bytes the registry takes: the SQLite file, or every table of the schema with indexes and TOAST."""
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        assert u.database
        return Path(u.database).stat().st_size
    engine = create_engine(url)
    with engine.connect() as conn:
        size = conn.execute(text("SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c "
                                 "JOIN pg_namespace n ON n.oid = c.relnamespace "
                                 "WHERE n.nspname = current_schema() "
                                 "AND c.relkind = 'r'")).scalar_one()
    engine.dispose()
    return int(size)


def import_once(url: str, path: Path, n: int) -> tuple[tuple[float, float], int]:
    """Wall and CPU seconds (this process) to import ``path`` into a fresh registry at ``url``,
    and the bytes it then takes."""
    engine = db.make_engine(url)
    db.upgrade(engine)
    calls = {"statements": 0, "commits": 0}

    def statement(*_args: Any) -> None:
        calls["statements"] += 1

    def commit(*_args: Any) -> None:
        calls["commits"] += 1

    event.listen(engine, "before_cursor_execute", statement)
    event.listen(engine, "commit", commit)
    t0, c0 = time.perf_counter(), time.process_time()
    with db.session_factory(engine)() as s:
        result = import_csv(s, path=path, actor="bench")
    took = time.perf_counter() - t0, time.process_time() - c0
    engine.dispose()
    ROUND_TRIPS[make_url(url).get_backend_name()] = (calls["statements"], calls["commits"])
    assert result.created == n, result
    return took, stored_bytes(url)


def bench_import(tmp: Path, admin: Engine | None, pg_url: str, n_patients: int, n_visits: int,
                 repeat: int) -> None:
    """Import against in-process assessment, each measured ``repeat`` times, interleaved, best kept
    (on a machine shared with other work the best of several is the least disturbed)."""
    path = tmp / "visits.csv"
    n = visits_csv(path, n_patients, n_visits)
    records = import_records(path)
    assess(parse_record(records[0]))  # knowledge loaded before timing, as import loads it once too
    times: dict[str, list[tuple[float, float]]] = {"whole": [], "definitions": [], "SQLite": [],
                                                   "PostgreSQL": []}
    sizes: dict[str, int] = {}
    for r in range(repeat):
        times["whole"].append(assess_seconds(records, whole=True))
        times["definitions"].append(assess_seconds(records, whole=False))
        t, sizes["SQLite"] = import_once(f"sqlite:///{tmp / f'import-{r}.sqlite'}", path, n)
        times["SQLite"].append(t)
        if admin is not None:
            with pg_schema(admin, pg_url) as url:
                t, sizes["PostgreSQL"] = import_once(url, path, n)
            times["PostgreSQL"].append(t)
    def best(key: str, which: int) -> float:
        return min(t[which] for t in times[key])

    whole, defs = best("whole", 0), best("definitions", 0)
    print(f"\nimport of {n:,} visits ({n_patients:,} patients), best of {repeat}; baseline, in-process "
          f"assessment of the same records: {whole:.2f} s (whole pathway: definitions, work-up, plan), "
          f"{defs:.2f} s (definitions only); CPU {best('whole', 1):.2f} s and {best('definitions', 1):.2f} s")
    for name in ("SQLite", "PostgreSQL"):
        if not times[name]:
            continue
        t, cpu = best(name, 0), best(name, 1)
        print(f"  {name}: {t:.2f} s ({n / t:,.0f} visits/s); ratio to in-process assessment "
              f"{t / whole:.2f}x (whole pathway), {t / defs:.2f}x (definitions only); "
              f"stored {sizes[name] / 1024 / n:.1f} KiB per visit")
        print(f"    CPU in this process {cpu:.2f} s: {cpu / best('whole', 1):.2f}x the whole pathway's, "
              f"{cpu / best('definitions', 1):.2f}x the definitions' (the server's CPU not counted)")
        sent, commits = ROUND_TRIPS.get("sqlite" if name == "SQLite" else "postgresql", (0, 0))
        print(f"    {sent} statements and {commits} commits ({sent / n_patients:.1f} and "
              f"{commits / n_patients:.2f} per patient)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--import-patients", type=int, default=200)
    parser.add_argument("--import-visits", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=3, help="import runs (the best is kept)")
    parser.add_argument("--patients", type=int, default=20_000)
    parser.add_argument("--visits", type=int, default=10)
    parser.add_argument("--baseline", type=int, default=500, help="patients in the naive baseline")
    parser.add_argument("--postgres", default=os.environ.get("MYOSCOPE_TEST_DATABASE_URL", PG_DEFAULT))
    parser.add_argument("--import-only", action="store_true", help="skip the alerts benchmark")
    args = parser.parse_args()
    print(f"myoscope registry benchmark; python {sys.version.split()[0]}, {os.cpu_count()} CPU(s)")

    pg_ok = True
    admin = create_engine(args.postgres)
    try:
        with admin.connect() as conn:
            conn.execute(select(1))
    except Exception as exc:  # any failure to connect means "skip"
        print(f"(PostgreSQL skipped, server not reachable at {args.postgres}: {exc.__class__.__name__})")
        pg_ok = False

    with tempfile.TemporaryDirectory() as tmp:
        bench_import(Path(tmp), admin if pg_ok else None, args.postgres, args.import_patients,
                     args.import_visits, args.repeat)

        if args.import_only:
            admin.dispose()
            return 0
        path = Path(tmp) / "bench.sqlite"
        bench("SQLite", f"sqlite:///{path}", args.patients, args.visits, args.baseline,
              lambda _url, n, v: load_sqlite(path, n, v))
        print(f"  (file size {path.stat().st_size / 1e6:,.0f} MB)")
    if pg_ok:
        with pg_schema(admin, args.postgres) as url:
            bench("PostgreSQL", url, args.patients, args.visits, args.baseline, load_postgres)
    admin.dispose()
    return 0


@contextmanager
def pg_schema(admin: Engine, base_url: str) -> Iterator[str]:
    """A URL of a new, empty schema on the server, dropped afterwards."""
    schema = f"myo_bench_{uuid.uuid4().hex[:8]}"
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        u = make_url(base_url)
        url = u.set(query={**u.query, "options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


if __name__ == "__main__":
    raise SystemExit(main())
