"""Derived measures as polars expressions, bit-for-bit equal to ``myoscope.derive``.

Adding a derived measure is one small function registered with :func:`deriver`. A derived
measure of the catalog that has no function here is still computed, row by row with
``derive.derive`` itself (:func:`fallback`): correct, slower, and reported by
:func:`unmirrored` so that someone writes its function.

Three details make the results identical to Python's, each proven by tests/cohort/test_derive_polars.py:

* ``round_to``: Python's ``round(x, d)`` rounds the exact binary value half to even; polars'
  ``round`` multiplies by 10^d first and is wrong on about one value in five near a tie. We
  compute the exact product x·10^d as a double plus its rounding error (Dekker's two-product),
  decide up or down from the sign of the exact remainder, then divide.
* Division by a constant: polars multiplies by the reciprocal instead (``x / 100`` becomes
  ``x * 0.01``, which differs in the last bit for about a third of values), so the constant is
  made a column first (:func:`_const_like`).
* Squares are one multiplication (``h * h``) in ``derive.py`` and here, never ``pow``: the C
  library's ``pow`` (CPython's ``**``) is not correctly rounded, and Spark's is another one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from ..measures import Catalog

_SPLIT = 134217729.0  # 2**27 + 1, Veltkamp's splitter for doubles


def _const_like(x: pl.Expr, value: float) -> pl.Expr:
    """``value`` as a real column (not a scalar), so polars keeps IEEE division and ``pow``."""
    return x * 0.0 + value


def true_div(x: pl.Expr, value: float) -> pl.Expr:
    """``x / value`` rounded once, as Python does (polars would use ``x * (1 / value)``)."""
    return x / _const_like(x, value)


def square(x: pl.Expr) -> pl.Expr:
    """``x * x``, as ``derive.py`` squares: one correctly rounded multiplication, the same in
    Python, polars and Spark (the C library's ``pow``, CPython's ``**``, is not correctly rounded
    and differs from it in the last bit for about one value in a thousand)."""
    x = x.cast(pl.Float64)
    return x * x


def _split(a: float) -> tuple[float, float]:
    c = a * _SPLIT
    hi = c - (c - a)
    return hi, a - hi


def round_to(x: pl.Expr, decimals: int) -> pl.Expr:
    """Python's ``round(x, decimals)`` (half to even on the exact binary value), vectorised."""
    s = float(10**decimals)
    s_hi, s_lo = _split(s)
    p = x * s
    cx = x * _SPLIT
    x_hi = cx - (cx - x)
    x_lo = x - x_hi
    err = ((x_hi * s_hi - p) + x_hi * s_lo + x_lo * s_hi) + x_lo * s_lo  # x*s == p + err exactly
    f = p.floor()
    r = (p - f) - 0.5  # exact: the remainder above the half, before the product's error
    odd = (f * 0.5).floor() * 2.0 != f
    up = (r > 0) | ((r == 0) & (err > 0)) | ((r == 0) & (err == 0) & odd)
    return true_div(f + up.cast(pl.Float64), s)


@dataclass
class DeriveContext:
    """What a deriving function sees: the record columns, the catalog's precisions, and shared
    intermediate columns (:meth:`shared`), each computed once in an earlier stage so that the
    expressions stay small (a polars plan grows with every repeated sub-expression)."""

    catalog: Catalog
    history: int  # number of weight-history pairs in the table
    levels: dict[str, int] = field(default_factory=dict)
    exprs: dict[str, pl.Expr] = field(default_factory=dict)

    def col(self, measure: str) -> pl.Expr:
        return pl.col(measure)

    def precision(self, measure: str) -> int:
        return self.catalog.derived[measure].precision

    def shared(self, name: str, build: Callable[[], pl.Expr]) -> pl.Expr:
        """A named intermediate column, built once and computed after the ones it uses."""
        key = f"__d_{name}"
        if key not in self.levels:
            expr = build()
            deps = [self.levels[r] for r in expr.meta.root_names() if r in self.levels]
            self.exprs[key] = expr.alias(key)
            self.levels[key] = 1 + max(deps, default=-1)
        return pl.col(key)

    def round(self, name: str, x: pl.Expr, measure: str) -> pl.Expr:
        """``round_to(x, precision of measure)``, with ``x`` first computed as its own column."""
        return round_to(self.shared(name, lambda: x), self.precision(measure))

    def stages(self) -> list[list[pl.Expr]]:
        out: dict[int, list[pl.Expr]] = {}
        for key, lvl in self.levels.items():
            out.setdefault(lvl, []).append(self.exprs[key])
        return [out[k] for k in sorted(out)]


Deriver = Callable[[DeriveContext], pl.Expr]
DERIVERS: dict[str, Deriver] = {}


def deriver(measure: str) -> Callable[[Deriver], Deriver]:
    """Register the polars form of a derived measure (mirror of its lines in ``derive.py``)."""

    def register(fn: Deriver) -> Deriver:
        DERIVERS[measure] = fn
        return fn

    return register


def _h_m2(c: DeriveContext) -> pl.Expr:
    """``h_m * h_m`` of derive.py: height in metres (``height / 100``), squared."""
    h_m = c.shared("h_m", lambda: true_div(c.col("height"), 100.0))
    return c.shared("h_m2", lambda: square(h_m))


def _bmi_raw(c: DeriveContext) -> pl.Expr:
    h_m2 = _h_m2(c)
    return c.shared("bmi_raw", lambda: c.col("weight") / h_m2)


@deriver("bmi")
def _bmi(c: DeriveContext) -> pl.Expr:
    return round_to(_bmi_raw(c), c.precision("bmi"))


@deriver("alm_bmi")
def _alm_bmi(c: DeriveContext) -> pl.Expr:
    return c.round("alm_bmi", c.col("asm") / _bmi_raw(c), "alm_bmi")


@deriver("grip_bmi")
def _grip_bmi(c: DeriveContext) -> pl.Expr:
    return c.round("grip_bmi", c.col("grip_strength") / _bmi_raw(c), "grip_bmi")


@deriver("asmi")
def _asmi(c: DeriveContext) -> pl.Expr:
    return c.round("asmi", c.col("asm") / _h_m2(c), "asmi")


@deriver("l3_smi")
def _l3_smi(c: DeriveContext) -> pl.Expr:
    return c.round("l3_smi", c.col("l3_muscle_area") / _h_m2(c), "l3_smi")


@deriver("gait_speed")
def _gait_speed(c: DeriveContext) -> pl.Expr:
    computed = c.round("gait_speed", c.col("gait_distance") / c.col("gait_time"), "gait_speed")
    return pl.coalesce(c.col("gait_speed"), computed)


def _pairs(c: DeriveContext) -> list[tuple[pl.Expr, pl.Expr]]:
    from .tables import history_names

    return [(pl.col(w), pl.col(m)) for w, m in (history_names(i) for i in range(1, c.history + 1))]


def _loss_from(c: DeriveContext, name: str, ref: pl.Expr, measure: str) -> pl.Expr:
    ref_col = c.shared(f"{name}_ref", lambda: ref)
    return c.round(name, ((ref_col - c.col("weight")) / ref_col) * 100.0, measure)


def _loss(c: DeriveContext, window: float | None, measure: str) -> pl.Expr:
    """``derive._loss``: from the highest weight within the window, or from the earliest weight."""
    pairs = _pairs(c)
    if not pairs:
        return pl.lit(None, pl.Float64)
    if window is not None:
        ref = pl.max_horizontal([pl.when((m > 0) & (m <= window)).then(w) for w, m in pairs])
    else:
        latest = c.shared(
            "earliest_months", lambda: pl.max_horizontal([pl.when(m > 0).then(m) for _, m in pairs])
        )
        ref = pl.coalesce([pl.when((m > 0) & (m == latest)).then(w) for w, m in pairs])
    return _loss_from(c, measure, ref, measure)


@deriver("weight_loss_percent")
def _wl(c: DeriveContext) -> pl.Expr:
    return _loss(c, None, "weight_loss_percent")


@deriver("weight_loss_percent_6m")
def _wl6(c: DeriveContext) -> pl.Expr:
    return _loss(c, 6.0, "weight_loss_percent_6m")


@deriver("weight_loss_percent_12m")
def _wl12(c: DeriveContext) -> pl.Expr:
    return _loss(c, 12.0, "weight_loss_percent_12m")


@deriver("weight_loss_percent_beyond_6m")
def _wl_beyond(c: DeriveContext) -> pl.Expr:
    pairs = _pairs(c)
    if not pairs:
        return pl.lit(None, pl.Float64)
    ref = pl.max_horizontal([pl.when(m > 6.0).then(w) for w, m in pairs])
    return _loss_from(c, "weight_loss_percent_beyond_6m", ref, "weight_loss_percent_beyond_6m")


@deriver("weight_loss_12m_documented")
def _documented(c: DeriveContext) -> pl.Expr:
    return pl.when(c.col("weight").is_not_null()).then(
        _loss(c, 12.0, "weight_loss_percent_12m").is_not_null()
    )


@deriver("sarc_f")
def _sarc_f(c: DeriveContext) -> pl.Expr:
    items = [pl.col(f"sarc_f_{i}").cast(pl.Float64) for i in c.catalog.sarc_f.items]
    total = items[0]
    for e in items[1:]:
        total = total + e  # null when any item is missing: derive.py needs all five
    return total


@deriver("sarc_calf")
def _sarc_calf(c: DeriveContext) -> pl.Expr:
    # derive.py leaves it None: the SARC-CalF score node works from the items itself
    return pl.lit(None, pl.Float64)


@deriver("mrc_sum_score")
def _mrc(c: DeriveContext) -> pl.Expr:
    grades = [c.col(g) for g in c.catalog.derived["mrc_sum_score"].inputs if g != "mrc_sum_score"]
    if not grades:
        return c.col("mrc_sum_score")
    total: pl.Expr = pl.lit(0.0)
    for g in grades:
        total = total + g  # null unless every grade is given
    return pl.coalesce(c.col("mrc_sum_score"), total)


@deriver("ffmi")
def _ffmi(c: DeriveContext) -> pl.Expr:
    return c.round("ffmi", c.col("fat_free_mass") / _h_m2(c), "ffmi")


# --- published-equation estimates (coefficients from knowledge/equations.yaml) -------------------


def _coefficients(equation_id: str) -> dict[str, float]:
    from .. import equations

    coefficients = equations.equation(equation_id).coefficients
    assert coefficients is not None
    return coefficients


def _sex_code(c: DeriveContext) -> pl.Expr:
    from ..equations import _SEX_CODE

    return c.col("sex").cast(pl.String).replace_strict(_SEX_CODE, default=None, return_dtype=pl.Float64)


def _kyle_asm(c: DeriveContext) -> pl.Expr:
    from .. import equations

    k = _coefficients("kyle2003_asm")
    span = equations.equation("kyle2003_asm").valid_age

    def build() -> pl.Expr:
        age = c.col("age")
        ok = c.col("asm").is_null() & (age.is_between(span[0], span[1]) if span else pl.lit(True))
        asm = (
            pl.lit(k["intercept"])
            + k["ht2_r"] * square(c.col("height")) / c.col("bia_resistance")
            + k["weight"] * c.col("weight")
            + k["sex"] * _sex_code(c)
            + k["age"] * age
            + k["reactance"] * c.col("bia_reactance")
        )
        return pl.when(ok).then(asm)

    return c.shared("kyle2003_asm", build)


@deriver("asm_kyle2003")
def _asm_kyle(c: DeriveContext) -> pl.Expr:
    return round_to(_kyle_asm(c), c.precision("asm_kyle2003"))


@deriver("asmi_kyle2003")
def _asmi_kyle(c: DeriveContext) -> pl.Expr:
    return c.round("asmi_kyle2003", _kyle_asm(c) / _h_m2(c), "asmi_kyle2003")


def _janssen_smm(c: DeriveContext) -> pl.Expr:
    k = _coefficients("janssen2000_smm")
    return c.shared(
        "janssen2000_smm",
        lambda: (
            square(c.col("height")) / c.col("bia_resistance") * k["ht2_r"]
            + _sex_code(c) * k["sex"]
            + c.col("age") * k["age"]
            + k["intercept"]
        ),
    )


@deriver("smm_janssen2000")
def _smm(c: DeriveContext) -> pl.Expr:
    return round_to(_janssen_smm(c), c.precision("smm_janssen2000"))


@deriver("smm_percent_weight_janssen2000")
def _smm_pct(c: DeriveContext) -> pl.Expr:
    return c.round("smm_pct", _janssen_smm(c) / c.col("weight") * 100.0, "smm_percent_weight_janssen2000")


@deriver("ffm_mourtzakis2008")
def _ffm(c: DeriveContext) -> pl.Expr:
    k = _coefficients("mourtzakis2008_ffm")
    return c.round("ffm", k["slope"] * c.col("l3_muscle_area") + k["intercept"], "ffm_mourtzakis2008")


@deriver("fm_mourtzakis2008")
def _fm(c: DeriveContext) -> pl.Expr:
    k = _coefficients("mourtzakis2008_fm")
    return c.round("fm", k["slope"] * c.col("l3_adipose_area") + k["intercept"], "fm_mourtzakis2008")


def unmirrored(catalog: Catalog) -> list[str]:
    """Derived measures of the catalog without a polars function (computed by :func:`fallback`)."""
    return [d for d in catalog.derived if d not in DERIVERS]


def fallback(
    measure: str,
    record_columns: list[str],
    to_values: Callable[[dict[str, Any]], Any],
    dtype: Any = pl.Float64,
) -> pl.Expr:
    """Compute ``measure`` row by row with ``derive.derive`` (correct but slow)."""
    from ..derive import derive
    from ..record import Record

    def one(row: dict[str, Any]) -> Any:
        return derive(Record(values=to_values(row)))[measure]

    return pl.struct(record_columns).map_elements(one, return_dtype=dtype)


def derive_stages(
    c: DeriveContext, record_columns: list[str], to_values: Callable[[dict[str, Any]], Any]
) -> list[list[pl.Expr]]:
    """Stages of ``with_columns``: shared intermediates (temporary columns named ``__d_*``), then
    every derived measure of the catalog, named by its id."""
    finals: list[pl.Expr] = []
    for measure, spec in c.catalog.derived.items():
        fn = DERIVERS.get(measure)
        dtype = pl.Boolean if spec.unit == "bool" else pl.Float64
        expr = fn(c) if fn else fallback(measure, record_columns, to_values, dtype)
        finals.append(expr.cast(dtype).alias(measure))
    return [*c.stages(), finals]


__all__ = [
    "DERIVERS",
    "DeriveContext",
    "derive_stages",
    "deriver",
    "round_to",
    "square",
    "true_div",
    "unmirrored",
]
