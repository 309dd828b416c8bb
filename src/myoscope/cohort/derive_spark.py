"""Derived measures as Spark SQL columns, bit-for-bit equal to ``myoscope.derive``.

A function-by-function mirror of :mod:`myoscope.cohort.derive_polars`. Java's double arithmetic
is IEEE with one rounding per operation (no fused multiply-add, no reciprocal for a division), so
the same expressions give the same bits as Python; Python's ``round`` is rebuilt from exact
products (Dekker) as in the polars mirror. A derived measure with no function here makes the
native engine refuse the run and name it (``--spark-mode arrow`` still computes it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pyspark.sql import functions as F

from ..measures import Catalog
from .derive_polars import _SPLIT, _split
from .tables import history_names

if TYPE_CHECKING:
    from pyspark.sql import Column


def round_to(x: Column, decimals: int) -> Column:
    """Python's ``round(x, decimals)`` (half to even on the exact binary value), in Spark."""
    s = float(10**decimals)
    s_hi, s_lo = _split(s)
    p = x * F.lit(s)
    cx = x * F.lit(_SPLIT)
    x_hi = cx - (cx - x)
    x_lo = x - x_hi
    err = ((x_hi * F.lit(s_hi) - p) + x_hi * F.lit(s_lo) + x_lo * F.lit(s_hi)) + x_lo * F.lit(s_lo)
    f = F.floor(p).cast("double")
    r = (p - f) - F.lit(0.5)
    odd = F.floor(f * F.lit(0.5)).cast("double") * F.lit(2.0) != f
    up = (r > 0) | ((r == 0) & (err > 0)) | ((r == 0) & (err == 0) & odd)
    return (f + up.cast("double")) / F.lit(s)


def square(x: Column) -> Column:
    """``x * x``, as ``derive.py`` squares."""
    x = x.cast("double")
    return x * x


@dataclass
class SparkDeriveContext:
    """Record columns, the catalog's precisions and shared intermediate columns (computed once,
    each in a stage after the ones it reads), as ``derive_polars.DeriveContext``."""

    catalog: Catalog
    history: int
    levels: dict[str, int] = field(default_factory=dict)
    exprs: dict[str, Column] = field(default_factory=dict)
    _reads: list[list[int]] = field(default_factory=list)  # levels read by the builds under way

    def col(self, measure: str) -> Column:
        return F.col(measure)

    def precision(self, measure: str) -> int:
        return self.catalog.derived[measure].precision

    def shared(self, name: str, build: Callable[[], Column]) -> Column:
        key = f"__d_{name}"
        if key not in self.levels:
            self._reads.append([])
            expr = build()
            deps = self._reads.pop()
            self.exprs[key] = expr
            self.levels[key] = 1 + max(deps, default=-1)
        if self._reads:
            self._reads[-1].append(self.levels[key])
        return F.col(key)

    def round(self, name: str, x: Column, measure: str) -> Column:
        return round_to(self.shared(name, lambda: x), self.precision(measure))

    def stages(self) -> list[dict[str, Column]]:
        out: dict[int, dict[str, Column]] = {}
        for key, lvl in self.levels.items():
            out.setdefault(lvl, {})[key] = self.exprs[key]
        return [out[k] for k in sorted(out)]


SparkDeriver = Callable[[SparkDeriveContext], "Column"]
SPARK_DERIVERS: dict[str, SparkDeriver] = {}
#: Derived measures whose value is true or false. polars holds them as 1.0/0.0 and compares them
#: with ``false`` freely; Spark refuses to compare a double with a Boolean, so they stay Boolean.
BOOLEAN: set[str] = set()


def deriver(measure: str, boolean: bool = False) -> Callable[[SparkDeriver], SparkDeriver]:
    """Register the Spark form of a derived measure (mirror of its polars function)."""

    def register(fn: SparkDeriver) -> SparkDeriver:
        SPARK_DERIVERS[measure] = fn
        if boolean:
            BOOLEAN.add(measure)
        return fn

    return register


def _null() -> Column:
    return F.lit(None).cast("double")


def _h_m2(c: SparkDeriveContext) -> Column:
    h_m = c.shared("h_m", lambda: c.col("height") / F.lit(100.0))
    return c.shared("h_m2", lambda: square(h_m))


def _bmi_raw(c: SparkDeriveContext) -> Column:
    h_m2 = _h_m2(c)
    return c.shared("bmi_raw", lambda: c.col("weight") / h_m2)


@deriver("bmi")
def _bmi(c: SparkDeriveContext) -> Column:
    return round_to(_bmi_raw(c), c.precision("bmi"))


@deriver("alm_bmi")
def _alm_bmi(c: SparkDeriveContext) -> Column:
    return c.round("alm_bmi", c.col("asm") / _bmi_raw(c), "alm_bmi")


@deriver("grip_bmi")
def _grip_bmi(c: SparkDeriveContext) -> Column:
    return c.round("grip_bmi", c.col("grip_strength") / _bmi_raw(c), "grip_bmi")


@deriver("asmi")
def _asmi(c: SparkDeriveContext) -> Column:
    return c.round("asmi", c.col("asm") / _h_m2(c), "asmi")


@deriver("l3_smi")
def _l3_smi(c: SparkDeriveContext) -> Column:
    return c.round("l3_smi", c.col("l3_muscle_area") / _h_m2(c), "l3_smi")


@deriver("gait_speed")
def _gait_speed(c: SparkDeriveContext) -> Column:
    computed = c.round("gait_speed", c.col("gait_distance") / c.col("gait_time"), "gait_speed")
    return F.coalesce(c.col("gait_speed"), computed)


def _pairs(c: SparkDeriveContext) -> list[tuple[Column, Column]]:
    return [(F.col(w), F.col(m)) for w, m in (history_names(i) for i in range(1, c.history + 1))]


def _greatest(cols: list[Column]) -> Column:
    return cols[0] if len(cols) == 1 else F.greatest(*cols)  # nulls skipped, as max_horizontal


def _loss_from(c: SparkDeriveContext, name: str, ref: Column, measure: str) -> Column:
    ref_col = c.shared(f"{name}_ref", lambda: ref)
    return c.round(name, ((ref_col - c.col("weight")) / ref_col) * F.lit(100.0), measure)


def _loss(c: SparkDeriveContext, window: float | None, measure: str) -> Column:
    pairs = _pairs(c)
    if not pairs:
        return _null()
    if window is not None:
        ref = _greatest([F.when((m > 0) & (m <= window), w) for w, m in pairs])
    else:
        latest = c.shared("earliest_months", lambda: _greatest([F.when(m > 0, m) for _, m in pairs]))
        ref = F.coalesce(*[F.when((m > 0) & (m == latest), w) for w, m in pairs])
    return _loss_from(c, measure, ref, measure)


@deriver("weight_loss_percent")
def _wl(c: SparkDeriveContext) -> Column:
    return _loss(c, None, "weight_loss_percent")


@deriver("weight_loss_percent_6m")
def _wl6(c: SparkDeriveContext) -> Column:
    return _loss(c, 6.0, "weight_loss_percent_6m")


@deriver("weight_loss_percent_12m")
def _wl12(c: SparkDeriveContext) -> Column:
    return _loss(c, 12.0, "weight_loss_percent_12m")


@deriver("weight_loss_percent_beyond_6m")
def _wl_beyond(c: SparkDeriveContext) -> Column:
    pairs = _pairs(c)
    if not pairs:
        return _null()
    ref = _greatest([F.when(m > 6.0, w) for w, m in pairs])
    return _loss_from(c, "weight_loss_percent_beyond_6m", ref, "weight_loss_percent_beyond_6m")


@deriver("weight_loss_12m_documented", boolean=True)
def _documented(c: SparkDeriveContext) -> Column:
    return F.when(c.col("weight").isNotNull(), _loss(c, 12.0, "weight_loss_percent_12m").isNotNull())


@deriver("sarc_f")
def _sarc_f(c: SparkDeriveContext) -> Column:
    items = [F.col(f"sarc_f_{i}").cast("double") for i in c.catalog.sarc_f.items]
    total = items[0]
    for e in items[1:]:
        total = total + e
    return total


@deriver("sarc_calf")
def _sarc_calf(c: SparkDeriveContext) -> Column:
    return _null()


@deriver("mrc_sum_score")
def _mrc(c: SparkDeriveContext) -> Column:
    grades = [c.col(g) for g in c.catalog.derived["mrc_sum_score"].inputs if g != "mrc_sum_score"]
    if not grades:
        return c.col("mrc_sum_score")
    total: Column = F.lit(0.0)
    for g in grades:
        total = total + g
    return F.coalesce(c.col("mrc_sum_score"), total)


@deriver("ffmi")
def _ffmi(c: SparkDeriveContext) -> Column:
    return c.round("ffmi", c.col("fat_free_mass") / _h_m2(c), "ffmi")


# --- published-equation estimates (coefficients from knowledge/equations.yaml) -------------------


def _coefficients(equation_id: str) -> dict[str, float]:
    from .. import equations

    coefficients = equations.equation(equation_id).coefficients
    assert coefficients is not None
    return coefficients


def _sex_code(c: SparkDeriveContext) -> Column:
    from ..equations import _SEX_CODE

    out: Column = F.lit(None).cast("double")
    for sex, code in _SEX_CODE.items():
        out = F.when(c.col("sex") == F.lit(sex), F.lit(float(code))).otherwise(out)
    return out


def _kyle_asm(c: SparkDeriveContext) -> Column:
    from .. import equations

    k = _coefficients("kyle2003_asm")
    span = equations.equation("kyle2003_asm").valid_age

    def build() -> Column:
        age = c.col("age")
        ok = c.col("asm").isNull() & (age.between(span[0], span[1]) if span else F.lit(True))
        asm = (
            F.lit(k["intercept"])
            + F.lit(k["ht2_r"]) * square(c.col("height")) / c.col("bia_resistance")
            + F.lit(k["weight"]) * c.col("weight")
            + F.lit(k["sex"]) * _sex_code(c)
            + F.lit(k["age"]) * age
            + F.lit(k["reactance"]) * c.col("bia_reactance")
        )
        return F.when(ok, asm)

    return c.shared("kyle2003_asm", build)


@deriver("asm_kyle2003")
def _asm_kyle(c: SparkDeriveContext) -> Column:
    return round_to(_kyle_asm(c), c.precision("asm_kyle2003"))


@deriver("asmi_kyle2003")
def _asmi_kyle(c: SparkDeriveContext) -> Column:
    return c.round("asmi_kyle2003", _kyle_asm(c) / _h_m2(c), "asmi_kyle2003")


def _janssen_smm(c: SparkDeriveContext) -> Column:
    k = _coefficients("janssen2000_smm")
    return c.shared(
        "janssen2000_smm",
        lambda: (
            square(c.col("height")) / c.col("bia_resistance") * F.lit(k["ht2_r"])
            + _sex_code(c) * F.lit(k["sex"])
            + c.col("age") * F.lit(k["age"])
            + F.lit(k["intercept"])
        ),
    )


@deriver("smm_janssen2000")
def _smm(c: SparkDeriveContext) -> Column:
    return round_to(_janssen_smm(c), c.precision("smm_janssen2000"))


@deriver("smm_percent_weight_janssen2000")
def _smm_pct(c: SparkDeriveContext) -> Column:
    return c.round(
        "smm_pct", _janssen_smm(c) / c.col("weight") * F.lit(100.0), "smm_percent_weight_janssen2000"
    )


@deriver("ffm_mourtzakis2008")
def _ffm(c: SparkDeriveContext) -> Column:
    k = _coefficients("mourtzakis2008_ffm")
    return c.round(
        "ffm", F.lit(k["slope"]) * c.col("l3_muscle_area") + F.lit(k["intercept"]), "ffm_mourtzakis2008"
    )


@deriver("fm_mourtzakis2008")
def _fm(c: SparkDeriveContext) -> Column:
    k = _coefficients("mourtzakis2008_fm")
    return c.round(
        "fm", F.lit(k["slope"]) * c.col("l3_adipose_area") + F.lit(k["intercept"]), "fm_mourtzakis2008"
    )


def unmirrored(catalog: Catalog) -> list[str]:
    """Derived measures of the catalog without a Spark function (the native engine refuses them)."""
    return [d for d in catalog.derived if d not in SPARK_DERIVERS]


def derive_stages(c: SparkDeriveContext) -> list[dict[str, Column]]:
    """Stages for ``withColumns``: shared intermediates (``__d_*``), then every derived measure
    (replacing a measured column of the same name, as gait speed)."""
    finals: dict[str, Column] = {}
    for measure, spec in c.catalog.derived.items():
        fn = SPARK_DERIVERS[measure]
        dtype = "boolean" if spec.unit == "bool" or measure in BOOLEAN else "double"
        finals[measure] = fn(c).cast(dtype)
    return [*c.stages(), finals]


__all__ = ["SPARK_DERIVERS", "SparkDeriveContext", "derive_stages", "deriver", "round_to", "unmirrored"]
