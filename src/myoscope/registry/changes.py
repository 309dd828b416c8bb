"""Change over time for one patient: between visits, per year, weight-loss windows, episodes, alerts.

Everything here is a pure function of a patient's stored series and the cited rules in
``knowledge/changes.yaml``; nothing touches the database, so the numbers can be checked by hand
(tests do) and the same code serves one patient on screen and 100 000 in a batch.

Conventions shared with the rest of myoscope: values are canonical units; a change is rounded
to the measure's reporting precision before it is compared with an MCID (DESIGN §7); weight
loss is measured from the highest weight recorded within the window, exactly as
``myoscope.derive`` does for a record's weight history; a month is 30.436875 days (the mean
Gregorian month, as ``myoscope.record``); missing is unknown, never "no change".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from itertools import pairwise
from typing import Any

from ..derive import round_to
from ..measures import Catalog, load_catalog
from .knowledge import ChangeRules, load_change_rules

MONTH_DAYS = 30.436875
YEAR_DAYS = 365.2425


@dataclass(frozen=True, slots=True)
class VisitValues:
    """One visit's numeric values (canonical units) of the measures change is followed for."""

    visit_id: int
    date: date
    values: Mapping[str, float]


@dataclass(frozen=True)
class PatientSeries:
    patient_id: int
    pseudonym: str
    sex: str
    birth_date: date | None
    visits: Sequence[VisitValues]  # in date order

    def age_at(self, on: date) -> float | None:
        if self.birth_date is not None:
            return (on - self.birth_date).days / YEAR_DAYS
        ages = [(v.date, v.values["age"]) for v in self.visits if "age" in v.values]
        if not ages:
            return None
        known_on, age = min(ages, key=lambda a: abs((a[0] - on).days))
        return age + (on - known_on).days / YEAR_DAYS


@dataclass(slots=True)
class Change:
    """The change of one measure between two consecutive visits where it was measured."""

    measure: str
    from_date: date
    to_date: date
    from_value: float
    to_value: float
    change: float
    direction: str  # improvement | decline | no change
    level: str | None  # highest MCID level reached, None if below every level
    mcid: float  # the smallest MCID level (the threshold of "meaningful")
    citation: str

    @property
    def meaningful_decline(self) -> bool:
        return self.direction == "decline" and self.level is not None


@dataclass(slots=True)
class Rate:
    """Annualised change over the whole span of a measure, against the expected ageing rate."""

    measure: str
    from_date: date
    to_date: date
    per_year: float
    percent_per_year: float | None
    expected_per_year: float | None
    faster_than_expected: bool | None
    meaningful: bool | None  # total change reaches the MCID in the direction of decline
    citation: str | None


@dataclass(slots=True)
class WeightStatus:
    """Weight loss at one visit over each window, and which cited criteria it meets."""

    date: date
    weight: float
    bmi: float | None
    loss_percent: dict[float, float | None]  # window (months) -> loss %, None if no earlier weight
    reference_months_ago: dict[float, float | None]
    criteria: dict[str, bool | None]


@dataclass(slots=True)
class Episode:
    """A run of visits meeting the cachexia weight criterion (Fearon); end None = ongoing."""

    start: date
    end: date | None
    peak_loss_percent: float


@dataclass(slots=True)
class Alert:
    pseudonym: str
    date: date
    kind: str  # decline | weight_loss | cachexia_episode | rate
    measure: str
    message: str
    citation: str

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["date"] = self.date.isoformat()
        return d


@dataclass
class PatientChanges:
    """Everything the registry says about one patient's course."""

    series: PatientSeries
    changes: list[Change] = field(default_factory=list)
    rates: list[Rate] = field(default_factory=list)
    weight: list[WeightStatus] = field(default_factory=list)
    episodes: list[Episode] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)

    @property
    def summary(self) -> list[dict[str, Any]]:
        """One row per alert: date, kind, message."""
        return [{"date": a.date.isoformat(), "kind": a.kind, "message": a.message} for a in self.alerts]

    def to_dict(self) -> dict[str, Any]:
        def plain(obj: Any) -> Any:
            d = asdict(obj)
            for k, v in d.items():
                if isinstance(v, date):
                    d[k] = v.isoformat()
                elif isinstance(v, dict):
                    d[k] = {str(kk): vv for kk, vv in v.items()}
            return d

        return {
            "patient": self.series.pseudonym,
            "changes": [plain(c) for c in self.changes],
            "rates": [plain(r) for r in self.rates],
            "weight": [plain(w) for w in self.weight],
            "episodes": [plain(e) for e in self.episodes],
            "alerts": [a.to_dict() for a in self.alerts],
        }

    def __str__(self) -> str:
        lines = [f"Change over time: {self.series.pseudonym} ({len(self.series.visits)} visits)"]
        lines += [f"  {c.measure} {c.from_date} → {c.to_date}: {c.change:+g} ({c.direction}"
                  + (f", {c.level}" if c.level else ", below MCID") + ")" for c in self.changes]
        for r in self.rates:
            exp = ("no expected rate" if r.expected_per_year is None
                   else f"expected {r.expected_per_year:+.2f}/yr")
            lines.append(f"  {r.measure}: {r.per_year:+.2f}/yr ({exp})")
        for e in self.episodes:
            lines.append(f"  cachexia weight criterion: {e.start} → {e.end or 'ongoing'}")
        lines += [f"  ALERT {a.date}: {a.message}" for a in self.alerts] or ["  no alerts"]
        return "\n".join(lines)


def short_label(catalog: Catalog, measure: str) -> str:
    return catalog.label_of(measure).split(" (")[0]


def points(series: PatientSeries, measure: str) -> list[tuple[date, float]]:
    return [(v.date, float(v.values[measure])) for v in series.visits if v.values.get(measure) is not None]


def visit_changes(series: PatientSeries, rules: ChangeRules, catalog: Catalog) -> list[Change]:
    out: list[Change] = []
    for measure, mcid in rules.mcid.items():
        precision = catalog.precision_of(measure) or 0
        citation = rules.cite(mcid.source)
        for (d0, v0), (d1, v1) in pairwise(points(series, measure)):
            delta = round_to(v1 - v0, precision)
            signed = delta if mcid.better == "higher" else -delta
            direction = "improvement" if signed > 0 else "decline" if signed < 0 else "no change"
            reached = [lv.level for lv in mcid.levels if abs(delta) >= lv.value]
            out.append(Change(measure, d0, d1, v0, v1, delta, direction, reached[-1] if reached else None,
                              mcid.levels[0].value, citation))
    return out


def annual_rates(series: PatientSeries, rules: ChangeRules, catalog: Catalog) -> list[Rate]:
    out: list[Rate] = []
    for measure in dict.fromkeys([*rules.mcid, *rules.expected_ageing]):
        pts = points(series, measure)
        if len(pts) < 2:
            continue
        (d0, v0), (d1, v1) = pts[0], pts[-1]
        days = (d1 - d0).days
        if days < rules.rates.min_span_days:
            continue
        per_year = (v1 - v0) / (days / YEAR_DAYS)
        percent = per_year / v0 * 100 if v0 else None
        age = series.age_at(d0 + (d1 - d0) / 2)
        band = rules.expected_rate(measure, series.sex, age) if age is not None else None
        expected: float | None = None
        if band is not None:
            expected = band.per_year if band.per_year is not None else v0 * (band.percent_per_year or 0) / 100
        mcid = rules.mcid.get(measure)
        lower_is_worse = mcid is None or mcid.better == "higher"
        faster = None if expected is None else (
            per_year < expected if lower_is_worse else per_year > expected)
        meaningful: bool | None = None
        if mcid is not None:
            total = round_to(v1 - v0, catalog.precision_of(measure) or 0)
            meaningful = (-total if lower_is_worse else total) >= mcid.levels[0].value
        out.append(Rate(measure, d0, d1, round_to(per_year, 3),
                        None if percent is None else round_to(percent, 2),
                        None if expected is None else round_to(expected, 3), faster, meaningful,
                        band.citation if band else None))
    return out


def loss_from_peak(current: float, history: Sequence[tuple[float, float]], window: float,
                   decimals: int) -> tuple[float | None, float | None]:
    """(loss %, months ago of the reference) from the highest weight within ``window`` months.

    ``history`` holds (months_ago, weight) of earlier weights. Same rule as ``derive._loss``:
    only weights strictly before the visit count; a gain is a negative loss.
    """
    inside = [(m, w) for m, w in history if 0 < m <= window]
    if not inside:
        return None, None
    months, ref = max(inside, key=lambda mw: (mw[1], mw[0]))
    return round_to((ref - current) / ref * 100, decimals), months


def weight_statuses(series: PatientSeries, rules: ChangeRules, catalog: Catalog) -> list[WeightStatus]:
    decimals = catalog.precision_of("weight_loss_percent") or 2
    bmi_decimals = catalog.precision_of("bmi") or 2
    windows = rules.window_months
    out: list[WeightStatus] = []
    earlier: list[tuple[date, float]] = []
    height: float | None = None
    for v in series.visits:
        if v.values.get("height") is not None:
            height = float(v.values["height"])
        w = v.values.get("weight")
        if w is None:
            continue
        w = float(w)
        history = [(round((v.date - d).days / MONTH_DAYS, 2), ww) for d, ww in earlier]
        losses: dict[float, float | None] = {}
        refs: dict[float, float | None] = {}
        for window in windows:
            losses[window], refs[window] = loss_from_peak(w, history, window, decimals)
        bmi = round_to(w / (height / 100) ** 2, bmi_decimals) if height else None
        criteria = {c.id: c.met(losses[c.window_months], bmi) for c in rules.weight_loss}
        out.append(WeightStatus(v.date, w, bmi, losses, refs, criteria))
        earlier.append((v.date, w))
    return out


def cachexia_episodes(statuses: Sequence[WeightStatus], rules: ChangeRules) -> list[Episode]:
    ids = [c.id for c in rules.weight_loss if c.cachexia]
    windows = {c.window_months for c in rules.weight_loss if c.cachexia}
    out: list[Episode] = []
    start: date | None = None
    peak = 0.0
    for s in statuses:
        values = [s.criteria[i] for i in ids]
        met = True if any(x is True for x in values) else False if all(x is False for x in values) else None
        if met is True:
            loss = max((s.loss_percent[w] or 0.0) for w in windows)
            if start is None:
                start, peak = s.date, loss
            else:
                peak = max(peak, loss)
        elif met is False and start is not None:
            out.append(Episode(start, s.date, peak))
            start = None
    if start is not None:
        out.append(Episode(start, None, peak))
    return out


def _span(d0: date, d1: date) -> str:
    days = (d1 - d0).days
    months = days / MONTH_DAYS
    return f"{days} days" if months < 1.5 else f"{months:.0f} months"


def _alerts(result: PatientChanges, rules: ChangeRules, catalog: Catalog,
            in_population: Callable[[str], bool] | None) -> list[Alert]:
    name = result.series.pseudonym

    def usable(definition: str | None) -> bool:
        """A criterion that belongs to a definition counts only within its population."""
        return definition is None or (in_population is not None and in_population(definition))

    windows = rules.window_months
    out: list[Alert] = []
    for c in result.changes:
        if c.meaningful_decline:
            verb = "fell" if c.change < 0 else "rose"
            unit = catalog.unit_of(c.measure) or ""
            out.append(Alert(name, c.to_date, "decline", c.measure,
                             f"{short_label(catalog, c.measure)} {verb} {abs(c.change):g} {unit} in "
                             f"{_span(c.from_date, c.to_date)} (MCID {c.mcid:g} {unit})", c.citation))
    by_id = {c.id: c for c in rules.weight_loss}
    for s in result.weight:
        if not any(ok is True for ok in s.criteria.values()):
            continue
        for window in windows:
            met = [by_id[i] for i, ok in s.criteria.items()
                   if ok is True and by_id[i].window_months == window and usable(by_id[i].definition)]
            loss, months = s.loss_percent[window], s.reference_months_ago[window]
            if met and loss is not None and months is not None:
                span = f"{months:.0f} months" if months >= 1.5 else f"{months * MONTH_DAYS:.0f} days"
                out.append(Alert(name, s.date, "weight_loss", "weight",
                                 f"weight −{loss:g}% in {span} ({'; '.join(c.label for c in met)})",
                                 "; ".join(rules.cite(c.source) for c in met)))
    for e in result.episodes if usable(rules.episodes.definition) else []:
        if e.end is None:
            out.append(Alert(name, result.series.visits[-1].date, "cachexia_episode", "weight",
                             f"weight criterion of cachexia met since {e.start} (ongoing; peak loss "
                             f"{e.peak_loss_percent:g}%)", rules.cite(rules.episodes.source)))
    for r in result.rates:
        if r.faster_than_expected and r.meaningful and r.expected_per_year is not None:
            unit = catalog.unit_of(r.measure) or ""
            out.append(Alert(name, r.to_date, "rate", r.measure,
                             f"{short_label(catalog, r.measure)} changing {r.per_year:+.2f} {unit}/year "
                             f"since {r.from_date}, faster than the {r.expected_per_year:+.2f} {unit}/year "
                             "expected with age", r.citation or ""))
    return sorted(out, key=lambda a: (a.date, a.kind, a.measure))


def patient_changes(series: PatientSeries, rules: ChangeRules | None = None,
                    catalog: Catalog | None = None,
                    in_population: Callable[[str], bool] | None = None) -> PatientChanges:
    """Compute every change, rate, weight window, episode and alert for one patient.

    A criterion that belongs to a definition (Fearon's weight criterion of cancer cachexia) raises
    an alert only when ``in_population(definition)`` says the patient's stored verdict under it is
    within its population (DESIGN §13); without that knowledge it raises none. The weight series
    and episodes themselves are still computed and shown."""
    rules = rules or load_change_rules()
    catalog = catalog or load_catalog()
    result = PatientChanges(series)
    result.changes = visit_changes(series, rules, catalog)
    result.rates = annual_rates(series, rules, catalog)
    result.weight = weight_statuses(series, rules, catalog)
    result.episodes = cachexia_episodes(result.weight, rules)
    result.alerts = _alerts(result, rules, catalog, in_population)
    return result


def verdicts_in_population(verdicts: Mapping[str, Any] | None) -> Callable[[str], bool]:
    """``in_population`` for :func:`patient_changes` from one stored assessment's verdicts."""
    stored = verdicts or {}
    return lambda definition: (stored.get(definition) or {}).get("in_population") is True


def current_alerts(result: PatientChanges) -> list[Alert]:
    """Alerts raised at the patient's latest visit (what a clinician acts on now)."""
    if not result.series.visits:
        return []
    last = result.series.visits[-1].date
    return [a for a in result.alerts if a.date == last]


def tracked_measures(rules: ChangeRules | None = None) -> list[str]:
    """Measures the change computations read (fetch only these when computing alerts)."""
    rules = rules or load_change_rules()
    return list(dict.fromkeys([*rules.mcid, *rules.expected_ageing, "weight", "height", "age"]))
