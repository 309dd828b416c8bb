"""``patient list`` and ``alerts`` are paged by key, and every query they run uses an index."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import Engine, event, text
from sqlalchemy.orm import Session, sessionmaker

from myoscope.registry import repo
from myoscope.registry.alerts import compute_alerts


def add_declining(factory: sessionmaker[Session], names: list[str], organisation: str = "default") -> None:
    with factory.begin() as s:
        for i, name in enumerate(names):
            repo.add_patient(s, pseudonym=name, sex="F", birth_date="1950-01-01", organisation_name=organisation,
                             actor="t")
            for k, day in enumerate(("2025-01-10", "2025-05-10")):
                repo.add_visit(s, pseudonym=name, organisation_name=organisation, actor="t",
                               data={"date": day, "grip_strength": 24 - 7 * k - i % 2, "weight": 60})


def test_pages_of_patients_cover_everyone_once_in_order(factory: sessionmaker[Session]) -> None:
    with factory.begin() as s:
        for org, names in (("b-site", ["Z", "a b", "M"]), ("a-site", ["Y", "X"])):
            for n in names:
                repo.add_patient(s, pseudonym=n, sex="F", organisation_name=org, actor="t")
    seen: list[tuple[str, str]] = []
    after = None
    with factory() as s:
        while True:
            page = repo.list_patients(s, limit=2, after=after, actor="t")
            seen += [(r.organisation, r.pseudonym) for r in page]
            assert len(page) <= 2
            after = page.next_after
            if after is None:
                break
        everyone = [(r.organisation, r.pseudonym) for r in repo.list_patients(s, actor="t")]
        one_site = repo.list_patients(s, organisation_name="b-site", limit=2, actor="t")
        assert [r.pseudonym for r in one_site] == ["M", "Z"] and one_site.next_after
        rest = repo.list_patients(s, organisation_name="b-site", limit=2, after=one_site.next_after, actor="t")
        assert [r.pseudonym for r in rest] == ["a b"] and rest.next_after is None
    assert seen == everyone == [("a-site", "X"), ("a-site", "Y"), ("b-site", "M"), ("b-site", "Z"),
                                ("b-site", "a b")]


def test_pages_of_alerts_add_up_to_the_full_pass(factory: sessionmaker[Session]) -> None:
    add_declining(factory, [f"D{i}" for i in range(5)])
    with factory() as s:
        full = compute_alerts(s, actor="t")
        assert full.next_after is None and full.patients == 5
        paged: list[str] = []
        after = None
        pages = 0
        while True:
            page = compute_alerts(s, limit=1, after=after, actor="t")
            paged += [f"{a.pseudonym} {a.message}" for a in page.alerts]
            pages += 1
            after = page.next_after
            if after is None:
                break
    assert paged == [f"{a.pseudonym} {a.message}" for a in full.alerts] and len(paged) >= 5
    assert pages in (5, 6)  # one patient per page, and perhaps a last, empty page


BULK = [
    "INSERT INTO organisations (name, created_at) VALUES ('bulk', now())",
    "INSERT INTO patients (organisation_id, pseudonym, sex, birth_date, created_at, created_by) "
    "SELECT (SELECT id FROM organisations WHERE name = 'bulk'), 'B' || lpad(g::text, 6, '0'), "
    "CASE WHEN g % 2 = 0 THEN 'male' ELSE 'female' END, date '1940-01-01' + g % 9000, now(), 'bulk' "
    "FROM generate_series(1, 30000) g",
    "INSERT INTO visits (patient_id, visit_date, content_hash, created_at, created_by) "
    "SELECT p.id, date '2024-01-01' + v * 100, md5(p.id || '-' || v), now(), 'bulk' "
    "FROM patients p, generate_series(0, 2) v",
    "INSERT INTO measurements (visit_id, measure_id, value_num, unit, unit_entered, entered_by, entered_at, "
    "version) SELECT v.id, m.id, m.base - 3 * ((v.visit_date - date '2024-01-01') / 100), m.unit, m.unit, "
    "'bulk', now(), 1 FROM visits v, (VALUES ('weight', 70.0, 'kg'), ('grip_strength', 26.0, 'kg')) "
    "AS m(id, base, unit)",
    "ANALYZE",
]


def explained(engine: Engine, run: Any) -> list[str]:
    """The plans of every SELECT that ``run`` sends, explained with its own parameters."""
    sent: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            sent.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        run()
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    plans = []
    with engine.connect() as conn:
        for statement, parameters in sent:
            rows = conn.exec_driver_sql("EXPLAIN " + statement, parameters).all()
            plans.append("\n".join(r[0] for r in rows))
    return plans


def test_paged_queries_use_indexes_on_100k_scale_tables(factory: sessionmaker[Session], engine: Engine) -> None:
    """30 000 patients, 90 000 visits, 180 000 values: a page must not scan a whole table."""
    if engine.dialect.name != "postgresql":
        pytest.skip("the plan of PostgreSQL's planner (SQLite has one writer and no statistics to speak of)")
    with engine.begin() as conn:
        for sql in BULK:
            conn.execute(text(sql))
    results: dict[str, Any] = {}

    def pages() -> None:
        with factory() as s:
            first = repo.list_patients(s, organisation_name="bulk", limit=50, actor="t")
            results["list"] = repo.list_patients(s, limit=50, after=first.next_after, actor="t")
            alerts = compute_alerts(s, organisation_name="bulk", limit=20, actor="t")
            results["alerts"] = compute_alerts(s, limit=20, after=alerts.next_after, actor="t")
            s.rollback()

    plans = explained(engine, pages)
    assert [r.pseudonym for r in results["list"]][:2] == ["B000051", "B000052"]
    assert len(results["alerts"].alerts) >= 20 and results["alerts"].next_after
    assert len(plans) >= 8
    big = re.compile(r"Seq Scan on (patients|visits|measurements)\b")
    for plan in plans:
        assert not big.search(plan), plan
    joined = "\n".join(plans)
    for index in ("uq_patients_org_pseudonym", "pk_patients", "ix_visits_patient_date",
                  "ix_measurements_visit_measure"):
        assert index in joined, joined
