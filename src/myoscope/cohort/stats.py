"""Prevalence with 95% confidence intervals (optionally survey-weighted) and Cohen's kappa.

Everything is computed from one small aggregate of the classified rows: counts and weight sums
per (sex, age band, [stratum, PSU], outcome of every definition). The aggregate of a billion
rows is as small as that of a thousand, so the summary costs nothing next to the classification.

* Unweighted prevalence: Wilson score interval.
* Weighted: the weighted proportion; its variance by Taylor linearisation (with-replacement
  PSUs within strata when given, else each row its own PSU); the interval is Wilson's on the
  effective sample size p(1-p)/var. Subgroups (sex, age band) are domains: PSUs without members
  of the domain still count.
* Agreement: Cohen's kappa between each pair of definitions on "case" vs "not a case" (the
  outcomes of each definition that mean the condition is present, from ``cases.yaml``), over rows
  where neither is indeterminate.
* Population: per definition, how many classified rows do not establish the population it was
  made for (``D_in_population`` unknown: no age, AWGS without Asian ancestry recorded) or rule it
  out (false: outside it, or every alternative false). Those rows keep their verdicts, with a
  caveat (DESIGN §13), and the prevalence above counts them as before: these figures say how many
  of its rows rest on a population not shown, without changing any estimate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import polars as pl
import yaml

from ..errors import KnowledgeError

if TYPE_CHECKING:
    from .kernel import Kernel

Z95 = 1.959963984540054  # standard normal 97.5th percentile
#: per definition: rows classified, and of them those whose population is unknown / false
POPULATION_SCHEMA = {
    "definition": pl.String,
    "n": pl.Int64,
    "not_established": pl.Int64,
    "ruled_out": pl.Int64,
}


def wilson(p: float, n: float, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a proportion ``p`` observed in ``n`` (possibly effective) rows."""
    if n <= 0 or math.isnan(p):
        return (math.nan, math.nan)
    z2 = z * z
    denom = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def band_expr(age: pl.Expr, bands: tuple[float, ...]) -> pl.Expr:
    """Age band labels: ``<60``, ``60–69``, ``70–79``, ``≥80`` for bands (60, 70, 80)."""
    labels = band_labels(bands)
    expr: Any = pl.when(age.is_null()).then(pl.lit("unknown"))
    edges = list(bands)
    expr = expr.when(age < edges[0]).then(pl.lit(labels[0]))
    for i in range(1, len(edges)):
        expr = expr.when(age < edges[i]).then(pl.lit(labels[i]))
    out: pl.Expr = expr.otherwise(pl.lit(labels[-1]))
    return out


def band_labels(bands: tuple[float, ...]) -> list[str]:
    def rng(lo: float, hi: float) -> str:
        if float(lo).is_integer() and float(hi).is_integer():
            return f"{lo:g}–{hi - 1:g}"
        return f"{lo:g}–<{hi:g}"

    b = list(bands)
    return [f"<{b[0]:g}"] + [rng(b[i - 1], b[i]) for i in range(1, len(b))] + [f"≥{b[-1]:g}"]


@cache
def case_outcomes() -> dict[str, tuple[str, ...]]:
    """Outcomes that mean "the condition is present", per definition (``cohort/cases.yaml``)."""
    raw = yaml.safe_load(resources.files("myoscope.cohort").joinpath("cases.yaml").read_text("utf-8"))
    out: dict[str, tuple[str, ...]] = {}
    for did, entry in raw["cases"].items():
        if not entry.get("basis"):
            raise KnowledgeError(f"cases.yaml: {did}: no basis given")
        out[did] = tuple(entry["outcomes"])
    return out


@dataclass
class Summary:
    """Prevalence per definition and outcome (overall, by sex, by age band) and agreement."""

    prevalence: pl.DataFrame
    agreement: pl.DataFrame
    weighted: bool
    design: str
    notes: list[str] = field(default_factory=list)
    #: per definition, the classified rows whose population is not established or ruled out
    #: (``POPULATION_SCHEMA``); the prevalence counts them all the same
    population: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=POPULATION_SCHEMA))

    @property
    def summary(self) -> pl.DataFrame:
        return self.prevalence.filter(pl.col("group") == "overall")

    def _repr_html_(self) -> str:
        from ..report.jupyter import cohort_summary_html

        return cohort_summary_html(self)

    def to_dict(self) -> dict[str, Any]:
        """As JSON can hold it: an estimate that is undefined (no weight in a domain, kappa of a
        constant) is None, where ``json.dumps`` wrote NaN, which strict JSON readers refuse."""
        return {
            "weighted": self.weighted,
            "design": self.design,
            "notes": self.notes,
            "prevalence": _defined(self.prevalence.to_dicts()),
            "agreement": _defined(self.agreement.to_dicts()),
            "population": self.population.to_dicts(),
        }

    def __str__(self) -> str:
        lines = [f"Prevalence (95% CI, {self.design}):"]
        for r in self.summary.iter_rows(named=True):
            if r["count"] == 0:
                continue
            estimate = (
                "   n/a (the weights sum to 0)"
                if math.isnan(r["prevalence"])
                else f"{100 * r['prevalence']:5.1f}% ({100 * r['ci_low']:.1f}–{100 * r['ci_high']:.1f})"
            )
            lines.append(f"  {r['definition']:<20} {r['outcome']:<32} {estimate}  n={r['n']:,}")
        if self.agreement.height:
            lines.append("Agreement (Cohen's kappa, case vs not a case):")
            for r in self.agreement.iter_rows(named=True):
                k = "n/a" if r["kappa"] is None or math.isnan(r["kappa"]) else f"{r['kappa']:.2f}"
                lines.append(f"  {r['definition_a']} vs {r['definition_b']}: {k} (n={r['n']:,})")
        if self.population.height:
            lines.append("Population of each definition (rows counted in the prevalence above):")
            for r in self.population.iter_rows(named=True):
                lines.append(
                    f"  {r['definition']:<20} not established {r['not_established']:,}, "
                    f"ruled out {r['ruled_out']:,} (n={r['n']:,})"
                )
        lines += [f"Note: {n}" for n in self.notes]
        return "\n".join(lines)


def _defined(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: None if isinstance(v, float) and math.isnan(v) else v for k, v in r.items()} for r in rows]


def population_counts(table: pl.DataFrame, ids: list[str]) -> pl.DataFrame:
    """``POPULATION_SCHEMA`` rows for the classified rows of ``table`` (which has the
    ``D_in_population`` columns of ``ids``): one pass of two sums per definition."""
    exprs: list[pl.Expr] = []
    for i, d in enumerate(ids):
        c = pl.col(f"{d}_in_population")
        exprs += [c.is_null().sum().alias(f"u{i}"), c.not_().sum().alias(f"f{i}")]
    got = table.select(exprs).row(0) if ids else ()
    return pl.DataFrame(
        {
            "definition": ids,
            "n": [table.height] * len(ids),
            "not_established": [int(x) for x in got[0::2]],
            "ruled_out": [int(x) for x in got[1::2]],
        },
        schema=POPULATION_SCHEMA,
    )


def merge_population(parts: list[pl.DataFrame], ids: list[str]) -> pl.DataFrame:
    """The sum of :func:`population_counts` over batches, in the order of ``ids``."""
    if not parts:
        return pl.DataFrame(schema=POPULATION_SCHEMA)
    total = pl.concat(parts).group_by("definition").agg(pl.all().sum())
    order = pl.DataFrame({"definition": ids}, schema={"definition": pl.String})
    return order.join(total, on="definition", how="left").fill_null(0).select(list(POPULATION_SCHEMA))


def summarise(
    groups: pl.DataFrame,
    kernel: Kernel,
    bands: tuple[float, ...],
    cases: dict[str, tuple[str, ...]] | None = None,
    population: pl.DataFrame | None = None,
) -> Summary:
    """Prevalence and agreement from the aggregate built by ``run._group``, and the population
    counts of :func:`population_counts` (carried as they are)."""
    ids = [c.id for c in kernel.compiled]
    cases = cases or case_outcomes()
    weighted = "__weight" in kernel.summary_columns()
    agreement = kappa_matrix(groups, ids, cases, weighted) if groups.height else None
    vocab = {c.id: c.vocabulary for c in kernel.compiled}
    return summarise_parts(dict.fromkeys(ids, groups), agreement, vocab, weighted, bands, cases, population)


def summarise_parts(
    parts: dict[str, pl.DataFrame],
    agreement: pl.DataFrame | None,
    vocab: dict[str, list[str]],
    weighted: bool,
    bands: tuple[float, ...],
    cases: dict[str, tuple[str, ...]],
    population: pl.DataFrame | None = None,
) -> Summary:
    """Prevalence from one aggregate per definition (columns: the definition's outcome, ``__sex``,
    ``__band``, optionally ``__strata`` and ``__psu``, and ``n``, ``w``, ``w2``), plus a ready
    agreement matrix. The Spark engine aggregates each definition separately, so that the
    aggregate grows with the number of definitions rather than with the product of their
    outcomes; the polars engine passes its one joint aggregate for every definition. The
    ``population`` counts (``POPULATION_SCHEMA``) are carried into the summary; they change no
    estimate."""
    pop = population if population is not None else pl.DataFrame(schema=POPULATION_SCHEMA)
    ids = list(parts)
    groups = parts[ids[0]] if ids else pl.DataFrame()
    has_design = "__strata" in groups.columns and "__psu" in groups.columns
    design = (
        "survey-weighted, linearised with strata and PSUs"
        if weighted and has_design
        else "survey-weighted, linearised"
        if weighted
        else "Wilson, unweighted"
    )
    notes: list[str] = []
    rows: list[dict[str, Any]] = []
    if groups.height == 0:
        return Summary(pl.DataFrame(), pl.DataFrame(), weighted, design, ["no rows classified"], pop)
    domains: list[tuple[str, str, pl.Expr]] = [("overall", "all", pl.lit(True))]
    for sex in groups.get_column("__sex").drop_nulls().unique().sort().to_list():
        domains.append(("sex", str(sex), pl.col("__sex") == sex))
    for label in [*band_labels(bands), "unknown"]:
        if (groups.get_column("__band") == label).any():
            domains.append(("age", label, pl.col("__band") == label))
    for d in ids:
        for group, level, where in domains:
            dom = parts[d].with_columns(where.fill_null(False).alias("__in"))
            for outcome in vocab[d]:
                rows.append(_proportion(dom, d, outcome, weighted, has_design, group, level, notes))
    prevalence = pl.DataFrame(rows)
    missing = [d for d in ids if d not in cases]
    if missing:
        notes.append(
            f"no case outcomes declared for {', '.join(missing)} (cohort/cases.yaml); "
            "left out of the agreement matrix"
        )
    assert agreement is not None
    return Summary(prevalence, agreement, weighted, design, list(dict.fromkeys(notes)), pop)


def _proportion(
    dom: pl.DataFrame,
    d: str,
    outcome: str,
    weighted: bool,
    design: bool,
    group: str,
    level: str,
    notes: list[str],
) -> dict[str, Any]:
    inside = dom.filter(pl.col("__in"))
    y = pl.col(d).cast(pl.String) == outcome
    n = int(inside.get_column("n").sum())
    count = int(inside.filter(y).get_column("n").sum())
    row: dict[str, Any] = {
        "definition": d,
        "group": group,
        "level": level,
        "outcome": outcome,
        "n": n,
        "count": count,
    }
    if not weighted:
        p = count / n if n else math.nan
        lo, hi = wilson(p, n)
        return {**row, "prevalence": p, "ci_low": lo, "ci_high": hi}
    w_all = float(inside.get_column("w").sum())
    w_yes = float(inside.filter(y).get_column("w").sum())
    p = w_yes / w_all if w_all else math.nan
    var = _linearised_variance(dom, y, p, w_all, design, notes)
    if var is not None and var > 0:
        n_eff = p * (1 - p) / var
    else:  # p is 0 or 1: Kish's effective size
        w2 = float(inside.get_column("w2").sum())
        n_eff = w_all * w_all / w2 if w2 else 0.0
    lo, hi = wilson(p, n_eff)
    return {
        **row,
        "weighted_count": w_yes,
        "prevalence": p,
        "ci_low": lo,
        "ci_high": hi,
        "effective_n": n_eff,
    }


def _linearised_variance(
    dom: pl.DataFrame, y: pl.Expr, p: float, w_dom: float, design: bool, notes: list[str]
) -> float | None:
    if not w_dom or math.isnan(p):
        return None
    if not design:
        # each row its own PSU: sum of squared z_i = w_i (y_i - p) / W over the domain
        inside = dom.filter(pl.col("__in"))
        w2_yes = float(inside.filter(y).get_column("w2").sum())
        w2_no = float(inside.filter(~y).get_column("w2").sum())
        n = int(dom.get_column("n").sum())
        if n < 2:
            return None
        return n / (n - 1) * ((1 - p) ** 2 * w2_yes + p * p * w2_no) / (w_dom * w_dom)
    z = dom.group_by("__strata", "__psu").agg(
        (
            pl.when(pl.col("__in") & y).then(pl.col("w")).otherwise(0.0).sum()
            - p * pl.when(pl.col("__in")).then(pl.col("w")).otherwise(0.0).sum()
        ).alias("z")
    )
    z = z.with_columns(pl.col("z") / w_dom)
    per = z.group_by("__strata").agg(
        pl.len().alias("k"), ((pl.col("z") - pl.col("z").mean()) ** 2).sum().alias("ss")
    )
    if (per.get_column("k") < 2).any():
        notes.append("strata with a single PSU contribute no variance")
    per = per.filter(pl.col("k") >= 2)
    return float((per.get_column("k") / (per.get_column("k") - 1) * per.get_column("ss")).sum())


def kappa_matrix(
    groups: pl.DataFrame, ids: list[str], cases: dict[str, tuple[str, ...]], weighted: bool
) -> pl.DataFrame:
    """Cohen's kappa for every pair of definitions that declare their case outcomes."""
    usable = [d for d in ids if d in cases]
    rows = []
    for i, a in enumerate(usable):
        for b in usable[i + 1 :]:
            rows.append(
                {"definition_a": a, "definition_b": b, **kappa(groups, a, b, cases[a], cases[b], weighted)}
            )
    schema = {
        "definition_a": pl.String,
        "definition_b": pl.String,
        "n": pl.Int64,
        "observed_agreement": pl.Float64,
        "kappa": pl.Float64,
    }
    return pl.DataFrame(rows, schema=schema)


def kappa(
    groups: pl.DataFrame,
    a: str,
    b: str,
    cases_a: tuple[str, ...],
    cases_b: tuple[str, ...],
    weighted: bool = False,
) -> dict[str, Any]:
    """Cohen's kappa of two definitions' case status, over rows where neither is indeterminate."""
    both = groups.filter(
        (pl.col(a).cast(pl.String) != "indeterminate") & (pl.col(b).cast(pl.String) != "indeterminate")
    )
    ca = pl.col(a).cast(pl.String).is_in(list(cases_a))
    cb = pl.col(b).cast(pl.String).is_in(list(cases_b))
    w = "w" if weighted else "n"
    t = both.select(
        (pl.when(ca & cb).then(pl.col(w)).otherwise(0)).sum().alias("yy"),
        (pl.when(ca & ~cb).then(pl.col(w)).otherwise(0)).sum().alias("yn"),
        (pl.when(~ca & cb).then(pl.col(w)).otherwise(0)).sum().alias("ny"),
        (pl.when(~ca & ~cb).then(pl.col(w)).otherwise(0)).sum().alias("nn"),
    ).row(0, named=True)
    return kappa_from_cells(t, int(both.get_column("n").sum()) if both.height else 0)


def kappa_from_cells(t: dict[str, Any], n: int) -> dict[str, Any]:
    """Cohen's kappa from the four cells ``yy``, ``yn``, ``ny``, ``nn`` (counts or weights) of
    two definitions' case status, over ``n`` rows where neither is indeterminate."""
    t = {k: t.get(k) or 0 for k in ("yy", "yn", "ny", "nn")}
    total = float(sum(t.values()))
    if not total:
        return {"n": n, "observed_agreement": None, "kappa": None}
    po = (t["yy"] + t["nn"]) / total
    pa, pb = (t["yy"] + t["yn"]) / total, (t["yy"] + t["ny"]) / total
    pe = pa * pb + (1 - pa) * (1 - pb)
    k = (po - pe) / (1 - pe) if pe < 1 else None
    return {"n": n, "observed_agreement": po, "kappa": k}


__all__ = [
    "POPULATION_SCHEMA",
    "Summary",
    "band_expr",
    "band_labels",
    "case_outcomes",
    "kappa",
    "kappa_from_cells",
    "kappa_matrix",
    "merge_population",
    "population_counts",
    "summarise",
    "summarise_parts",
    "wilson",
]
