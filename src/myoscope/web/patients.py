"""What the web pages show about patients, read from the registry and scoped to one organisation.

Every function takes the signed-in user and reads only their organisation's rows: a patient of
another organisation is "not found", exactly as one that does not exist (so an id reveals
nothing). Every read of patient data writes an audit row (who, what, from which address, the
request id) in the request's transaction. Verdicts, work-ups and plans are the stored pathway
results (``registry.assessing``); nothing here decides anything clinical.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..alarms import entries, order
from ..errors import PatientNotFoundError, RegistryError, quote
from ..plan import load_plan_knowledge
from ..registry import audit
from ..registry.assessing import current_measurements, load_visits, rebuild_row
from ..registry.changes import (
    Alert,
    PatientChanges,
    current_alerts,
    patient_changes,
    verdicts_in_population,
)
from ..registry.limits import text_problems
from ..registry.models import Assessment, Measurement, Patient, Visit
from ..registry.repo import series_of
from ..registry.views import decode_cursor, encode_cursor
from .accounts import SignedIn
from .page_cache import PageCache, assessment_key

#: red-flag urgencies, most urgent first (the work-up's vocabulary)
URGENCY_ORDER = ("emergency", "urgent", "soon", "routine")
SORTS = ("alert", "date", "pseudonym")


@dataclass(frozen=True)
class Where:
    """Who asks and from where: what every audit row of a web (or API) request carries."""

    who: SignedIn
    address: str | None
    request_id: str
    #: the face the request came through: ``web`` (pages), ``api`` (the HTTP API, a token) or
    #: ``fhir`` (``/fhir/$assess``, the same token)
    via: str = "web"

    def audit(
        self,
        session: Session,
        *,
        action: str,
        entity: str,
        entity_id: int | None = None,
        patient_id: int | None = None,
        **details: Any,
    ) -> None:
        audit.record(
            session,
            actor=self.who.username,
            action=action,
            entity=entity,
            entity_id=entity_id,
            patient_id=patient_id,
            organisation=self.who.organisation,
            address=self.address,
            request_id=self.request_id,
            via=self.via,
            **details,
        )


@cache
def finding_outcomes() -> dict[str, frozenset[str]]:
    """Outcomes that count as a muscle-wasting finding, per definition (interventions.yaml)."""
    return {k: frozenset(v) for k, v in load_plan_knowledge().spec.findings.items()}


@cache
def intermediate_outcomes() -> dict[str, frozenset[str]]:
    """Outcomes short of a finding that mark a stage of risk (prefrail), per definition."""
    return {k: frozenset(v) for k, v in load_plan_knowledge().spec.intermediate.items()}


def badge_kind(definition: str, outcome: str) -> str:
    """How a verdict badge is shown: ``finding``, ``intermediate``, ``undecided`` or ``none``
    (knowledge-driven): a prefrail verdict is not drawn as the green of a normal result."""
    if outcome in ("indeterminate", "not_applicable"):
        return "undecided"
    if outcome in finding_outcomes().get(definition, frozenset()):
        return "finding"
    return "intermediate" if outcome in intermediate_outcomes().get(definition, frozenset()) else "none"


def red_flags_of(result: dict[str, Any] | None) -> list[dict[str, Any]]:
    """A stored result's red flags, most urgent first."""
    flags = list(((result or {}).get("workup") or {}).get("red_flags") or [])
    rank = {u: i for i, u in enumerate(URGENCY_ORDER)}
    return sorted(flags, key=lambda f: rank.get(str(f.get("urgency")), len(rank)))


def referrals_of(stored: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """Stored plan referrals, most urgent first (None, a row from before they were stored: none)."""
    return sorted(stored or [], key=lambda f: order("referral", f.get("urgency")))


def top_urgency(flags: list[dict[str, Any]]) -> str | None:
    return str(flags[0].get("urgency")) if flags else None


def more_urgent(a: str | None, b: str | None) -> bool:
    """Whether urgency ``a`` comes before ``b`` (None: nothing, after every urgency)."""
    return order("", a) < order("", b)


def scoped_patient(session: Session, who: SignedIn, patient_id: int) -> Patient:
    """The patient with this id in the user's organisation.

    :raises PatientNotFoundError: for an unknown id or another organisation's patient (the same)."""
    p = session.scalar(
        select(Patient).where(Patient.id == patient_id, Patient.organisation_id == who.organisation_id)
    )
    if p is None or who.organisation_id is None:
        raise PatientNotFoundError(f"no patient {patient_id}")
    return p


def age_on(birth: date | None, on: date | None) -> int | None:
    if birth is None or on is None:
        return None
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


# --- the patient list ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ListRow:
    id: int
    pseudonym: str
    sex: str
    age: int | None
    visits: int
    last_visit: date | None
    outcomes: dict[str, str]
    red_flags: int
    urgency: str | None
    #: how many of ``red_flags`` are possible (not yet ruled out, a fact missing), not active
    possible_flags: int = 0
    #: "emergency" when the plan refers for a cause the same day (None: it does not, or not stored)
    referral_urgency: str | None = None
    #: whether the latest visit holds a history, so that red flags were looked for at all
    screened: bool = True

    @property
    def referral_first(self) -> bool:
        """Whether the plan's referral is more urgent than every red flag, so the list shows it."""
        return more_urgent(self.referral_urgency, self.urgency)

    @property
    def top(self) -> str | None:
        """The most urgent of the red flags and the plan's referrals: what the list sorts by."""
        return self.referral_urgency if self.referral_first else self.urgency


@dataclass(frozen=True)
class PatientList:
    rows: list[ListRow]
    total: int
    page: int
    pages: int
    query: str
    sort: str


Latest = tuple[dict[str, Any], Any, Any, bool]


def _latest_results(session: Session, patient_ids: list[int]) -> dict[int, Latest]:
    """The newest assessment of each patient's latest visit: its outcomes, stored red flags,
    stored plan referrals, and whether the visit holds a history (red flags looked for)."""
    if not patient_ids:
        return {}
    last_visit = (
        select(Visit.patient_id, func.max(Visit.visit_date).label("d"))
        .where(Visit.patient_id.in_(patient_ids))
        .group_by(Visit.patient_id)
        .subquery()
    )
    newest = (
        select(func.max(Assessment.id))
        .join(Visit, Visit.id == Assessment.visit_id)
        .join(
            last_visit, (last_visit.c.patient_id == Visit.patient_id) & (last_visit.c.d == Visit.visit_date)
        )
        .group_by(Visit.patient_id)
    )
    out: dict[int, Latest] = {}
    rows = session.execute(
        select(Assessment.outcomes, Assessment.red_flags, Assessment.referrals, Visit.patient_id, Visit.id)
        .join(Visit).where(Assessment.id.in_(newest))
    ).all()
    # whether the visit holds a history (its current row, not retracted): without one no red flag
    # was looked for, and the list says "not screened", not "none"
    by_visit: dict[int, list[Measurement]] = {}
    for m in session.scalars(select(Measurement).where(
            Measurement.visit_id.in_([r[4] for r in rows]), Measurement.measure_id == "history")):
        by_visit.setdefault(m.visit_id, []).append(m)
    for outcomes, red, referrals, pid, vid in rows:
        current = current_measurements(by_visit.get(vid, [])).get("history")
        out[pid] = (outcomes, red, referrals, current is not None and bool(current.value_json))
    return out


def _list_rows(session: Session, found: list[Any]) -> list[ListRow]:
    """List rows for (patient, visit count, last visit date) triples: each with its latest
    outcomes, stored red flags (most urgent first) and the urgency of its plan's referrals."""
    latest = _latest_results(session, [p.id for p, _, _ in found])
    rows = []
    for p, n, last in found:
        got = latest.get(p.id)
        flags = red_flags_of({"workup": {"red_flags": got[1]}} if got else None)
        rows.append(
            ListRow(
                p.id,
                p.pseudonym,
                p.sex,
                age_on(p.birth_date, last),
                int(n or 0),
                last,
                dict(got[0]) if got else {},
                len(flags),
                top_urgency(flags),
                sum(f.get("status") == "possible" for f in flags),
                top_urgency(referrals_of(got[2] if got else None)),
                bool(got and got[3]),
            )
        )
    return rows


@dataclass(frozen=True)
class PatientKeyPage:
    """One page of patients by pseudonym, and the token of the next (None on the last page)."""

    rows: list[ListRow]
    next_after: str | None
    birth_dates: dict[int, date | None] = field(default_factory=dict)


def page_patients(
    session: Session, where: Where, *, query: str = "", limit: int = 50, after: str | None = None
) -> PatientKeyPage:
    """The organisation's patients by pseudonym, one page, paged by key as the registry pages
    (``after`` is the previous page's ``next_after``; page 1 000 costs what page 1 does).

    Audited as one read naming the patients shown, as the web list is.
    :raises RegistryError: for a page token this code did not make."""
    cursor = decode_cursor(after) if after else None
    if cursor and (len(cursor) != 1 or text_problems("after", cursor[0])):
        raise RegistryError(f"{quote(after)} is not a page token of the patient list")
    ids = select(Patient).where(Patient.organisation_id == where.who.organisation_id)
    if query:
        ids = ids.where(Patient.pseudonym.ilike(f"%{query}%"))
    if cursor:
        ids = ids.where(Patient.pseudonym > cursor[0])
    found = list(session.scalars(ids.order_by(Patient.pseudonym).limit(limit + 1)))
    more, shown = len(found) > limit, found[:limit]
    stats: dict[int, tuple[int, date | None]] = {}
    if shown:
        stats = {pid: (int(n), last) for pid, n, last in session.execute(
            select(Visit.patient_id, func.count(Visit.id), func.max(Visit.visit_date))
            .where(Visit.patient_id.in_([p.id for p in shown])).group_by(Visit.patient_id))}
    rows = _list_rows(session, [(p, *stats.get(p.id, (0, None))) for p in shown])
    where.audit(session, action="read", entity="patient_list", query=query, after=after,
                patient_ids=[r.id for r in rows])
    return PatientKeyPage(rows, encode_cursor(shown[-1].pseudonym) if more and shown else None,
                          {p.id: p.birth_date for p in shown})


def list_patients(
    session: Session,
    where: Where,
    *,
    query: str = "",
    sort: str = "alert",
    page: int = 1,
    page_size: int = 50,
) -> PatientList:
    """The organisation's patients matching ``query`` (pseudonym contains), sorted, one page."""
    stats = (
        select(Visit.patient_id, func.count(Visit.id).label("n"), func.max(Visit.visit_date).label("last"))
        .group_by(Visit.patient_id)
        .subquery()
    )
    stmt = (
        select(Patient, stats.c.n, stats.c.last)
        .outerjoin(stats, stats.c.patient_id == Patient.id)
        .where(Patient.organisation_id == where.who.organisation_id)
    )
    if query:
        stmt = stmt.where(Patient.pseudonym.ilike(f"%{query}%"))
    rows = _list_rows(session, list(session.execute(stmt)))
    rank = {u: i for i, u in enumerate(URGENCY_ORDER)}
    if sort == "alert":
        rows.sort(key=lambda r: (rank.get(r.top or "", len(rank)), -r.red_flags, r.pseudonym))
    elif sort == "date":
        rows.sort(
            key=lambda r: (
                r.last_visit is None,
                -(r.last_visit.toordinal() if r.last_visit else 0),
                r.pseudonym,
            )
        )
    else:
        rows.sort(key=lambda r: r.pseudonym)
    pages = max(1, -(-len(rows) // page_size))
    page = min(max(page, 1), pages)
    shown = rows[(page - 1) * page_size : page * page_size]
    where.audit(
        session,
        action="read",
        entity="patient_list",
        query=query,
        page=page,
        patient_ids=[r.id for r in shown],
    )
    return PatientList(shown, len(rows), page, pages, query, sort)


# --- one patient ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class VisitEntry:
    id: int
    date: date
    setting: str | None
    values: list[tuple[str, Any, str | None, int]]  # (measure, value, unit, version)
    outcomes: dict[str, str]


@dataclass
class PatientPage:
    patient: Patient
    age: int | None
    visits: list[VisitEntry]
    latest: dict[str, Any] | None  # the latest visit's pathway result, rebuilt from stored inputs
    latest_visit: VisitEntry | None
    changes: PatientChanges
    alerts: list[Alert] = field(default_factory=list)
    red_flags: list[dict[str, Any]] = field(default_factory=list)
    #: why the latest visit's full result is not shown although it was assessed (the installed
    #: knowledge differs from the one that assessed it); its stored verdicts and red flags are
    stale: str | None = None
    #: what identifies the latest result (the assessment row and knowledge versions): the key
    #: under which what is derived from it may be cached
    latest_key: tuple[Any, ...] | None = None
    #: the latest assessment's stored same-day plan referrals
    referrals: list[dict[str, Any]] = field(default_factory=list)

    @property
    def alarms(self) -> list[dict[str, Any]]:
        """The red flags and the plan's same-day referrals, as the top of the page shows them."""
        return entries(self.red_flags, self.referrals)


def patient_page(
    session: Session, where: Where, patient_id: int, cache: PageCache | None = None
) -> PatientPage:
    """Everything the patient page shows; audited as one read of the patient.

    With ``cache``, the latest visit's full result is rebuilt once per assessment row (rows are
    never changed, so the cached result is the one a rebuild would give)."""
    p = scoped_patient(session, where.who, patient_id)
    visits = load_visits(session, p.id)
    # each visit's newest outcomes (small); the full stored result only for the latest visit
    newest: dict[int, tuple[int, dict[str, Any]]] = {}
    if visits:
        for aid, vid, outcomes in session.execute(
            select(Assessment.id, Assessment.visit_id, Assessment.outcomes)
            .where(Assessment.visit_id.in_([v.id for v in visits]))
            .order_by(Assessment.id)
        ):
            newest[vid] = (aid, outcomes)
    entries = []
    for v in visits:
        cur = sorted(current_measurements(v.measurements).values(), key=lambda m: m.measure_id)
        stored = newest.get(v.id)
        entries.append(
            VisitEntry(
                v.id,
                v.visit_date,
                v.setting,
                [(m.measure_id, m.value, m.unit, m.version) for m in cur],
                dict(stored[1]) if stored else {},
            )
        )
    last = visits[-1] if visits else None
    row = session.get(Assessment, newest[last.id][0]) if last is not None and last.id in newest else None
    # an alert that rests on a definition (Fearon) needs the stored verdict within its population
    changes = patient_changes(series_of(p, visits),
                              in_population=verdicts_in_population(row.verdicts if row else None))
    key = assessment_key(row) if row is not None else None
    if row is not None and key is not None and cache is not None:
        result, stale = cache.get_or_make(("result", *key), lambda: _full_result(row))
    else:
        result, stale = _full_result(row)
    where.audit(session, action="read", entity="patient", entity_id=p.id, patient_id=p.id, visits=len(visits))
    return PatientPage(
        p,
        age_on(p.birth_date, last.visit_date if last else None),
        entries,
        result,
        entries[-1] if entries else None,
        changes,
        current_alerts(changes),
        red_flags_of({"workup": {"red_flags": row.red_flags}} if row is not None else None),
        stale,
        key,
        referrals_of(row.referrals if row is not None else None),
    )


def _full_result(row: Assessment | None) -> tuple[dict[str, Any] | None, str | None]:
    """The latest visit's full result (traces, work-up, plan) rebuilt from its stored inputs, or
    why not: the installed knowledge is not the one that assessed it (the page then shows the
    stored verdicts and red flags, and says so)."""
    if row is None:
        return None, None
    try:
        return rebuild_row(row).to_dict(), None
    except RegistryError as exc:
        return None, f"{exc}. The stored verdicts (visits table) and red flags are shown; an " \
                     "administrator's `myoscope db reassess` (or correcting the visit) assesses it " \
                     "with this installation's knowledge."
