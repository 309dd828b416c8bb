"""Vectorised validation of table rows against the measures catalog.

The same rules as ``record.parse_record``, applied to whole columns: units with exact factors,
plausible ranges, whole numbers, categories with their aliases, SARC-F answers, weight-history
pairs, the required sex and the method that must accompany a muscle mass. A row with any bad
value is not classified; each bad value becomes one line of the rejects table (row, column,
value, reason). A missing value is not a reject: missing is unknown.

Checks are split in two: a cheap Boolean per check runs on every row, and the reason text is
built only for the rows that failed, so validation costs little on clean data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import polars as pl

from .. import units
from ..measures import Catalog, Measure
from .derive_polars import round_to
from .tables import FALLS_COUNT, TableColumn, history_names

REJECT_SCHEMA = {"row": pl.Int64, "column": pl.String, "value": pl.String, "reason": pl.String}
#: a text quantity column read cell by cell (see ``cells.py``): the number in the canonical unit,
#: the cell as written when it carried a unit, and the reason its unit is unknown
CELL_NUM, CELL_SAID, CELL_BAD = "__cell_num_", "__cell_said_", "__cell_bad_"
_TRUE = ["true", "yes", "y", "1"]
_FALSE = ["false", "no", "n", "0"]


@dataclass(frozen=True)
class Source:
    """Where a table column's values come from (a mapping file can combine input columns).

    ``combine``: ``one`` (a single input column), ``max`` (best of several, e.g. grip trials),
    ``sum`` (e.g. four limbs' lean mass; missing if any part is missing) or ``constant``.
    """

    target: TableColumn
    columns: tuple[str, ...] = ()
    combine: str = "one"
    unit: str | None = None  # unit of the input values; None = the canonical unit
    codes: dict[Any, Any] = field(default_factory=dict)  # input code (as text) -> value
    constant: Any = None


@dataclass
class Check:
    """One validation rule over one input column."""

    column: str
    bad: pl.Expr  # non-null Boolean
    value: pl.Expr  # the input value as text
    reason: pl.Expr  # text, only evaluated on bad rows


@dataclass
class Validation:
    """Typed canonical columns plus the checks that decide which rows are rejected."""

    typed: dict[str, pl.Expr] = field(default_factory=dict)
    checks: list[Check] = field(default_factory=list)
    #: text input columns of quantities -> (dimension, the unit a mapping declares or None): a
    #: cell may carry its own unit (``150 lb``); ``cells.read_cells`` materialises their numbers,
    #: in the column's unit, before the checks
    cells: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    #: the survey weight as a number (``--weight``), once its cells are checked
    weight: pl.Expr | None = None


def _text(raw: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    return raw.cast(pl.String)


def _number(raw: pl.Expr, dtype: pl.DataType) -> tuple[pl.Expr, pl.Expr]:
    """(value as Float64 with NaN as missing, non-null Boolean "cannot be read as a number")."""
    if dtype == pl.String:
        num = raw.str.strip_chars().cast(pl.Float64, strict=False)
        return num, raw.is_not_null() & num.is_null()
    if dtype == pl.Boolean:
        return pl.lit(None, pl.Float64), raw.is_not_null()
    if dtype.is_numeric():
        num = raw.cast(pl.Float64)
        return (num.fill_nan(None) if dtype.is_float() else num), pl.lit(False)
    return pl.lit(None, pl.Float64), raw.is_not_null()


def _age_on(born: pl.Expr, on: pl.Expr) -> pl.Expr:
    """Whole years from ``born`` to ``on``, as ``record.age_on`` (a birthday counts on its day)."""
    before = (on.dt.month() < born.dt.month()) | (
        (on.dt.month() == born.dt.month()) & (on.dt.day() < born.dt.day())
    )
    return (on.dt.year() - born.dt.year()).cast(pl.Float64) - before.cast(pl.Float64)


def _fmt(x: float) -> str:
    return f"{x:g}"


class Validator:
    """Builds the typed columns and checks for a table with ``schema`` and column ``sources``."""

    def __init__(self, catalog: Catalog, schema: dict[str, Any], sources: list[Source]):
        self.cat = catalog
        self.schema = schema
        self.sources = sources
        self.out = Validation()

    def build(self, history: int, weight: str | None = None) -> Validation:
        if weight is not None:
            self.survey_weight(weight)
        for s in self.sources:
            kind = s.target.kind
            if kind == "quantity":
                self.quantity(s, self.cat.measures[s.target.measure])
            elif kind in ("enum", "bool", "text", "date"):
                getattr(self, kind)(s, self.cat.measures[s.target.measure])
            elif kind == "sarc_f_item":
                self.sarc_f_item(s)
            elif kind == "falls_count":
                self.falls_count(s)
            elif kind == "history_weight":
                self.quantity(s, self.cat.measures["weight"])
            elif kind == "history_months":
                self.months(s)
            elif kind == "conditions":
                self.conditions(s)
        self.record_rules(history)
        return self.out

    def raw(self, s: Source) -> tuple[pl.Expr, pl.DataType, str]:
        name = s.columns[0]
        return pl.col(name), self.schema[name], name

    def survey_weight(self, name: str) -> None:
        """Each row's survey weight: a finite number, 0 or more (0: in the data, not in the
        estimate, as NHANES weights those not examined). Missing, unreadable, negative or
        infinite weights made the estimates NaN, or stopped the run naming an internal column;
        each is a bad value of its row, as a measure's is."""
        raw, dtype = pl.col(name), self.schema[name]
        shown = _text(raw, dtype)
        num, unreadable = _number(raw, dtype)
        self.check(name, num.is_null() & ~unreadable, pl.lit(None, pl.String),
                   "missing: a survey-weighted estimate needs each row's weight")
        self.check(name, unreadable, shown, _msg("cannot read {} as a survey weight", shown))
        self.check(name, (num < 0) | ~num.is_finite(), shown,
                   _msg("{} is not a survey weight (expected a finite number, 0 or more)", shown))
        self.out.weight = num

    def check(self, column: str, bad: pl.Expr, value: pl.Expr, reason: pl.Expr | str) -> None:
        r = pl.lit(reason) if isinstance(reason, str) else reason
        self.out.checks.append(Check(column, bad, value, r))

    # -- kinds ---------------------------------------------------------------------------------

    def quantity(self, s: Source, m: Measure) -> None:
        assert m.dimension is not None
        unit = s.unit or m.unit or ""
        factor = _factor(unit, m.dimension)
        if s.combine == "constant":
            self.out.typed[s.target.name] = pl.lit(_convert_scalar(float(s.constant), factor))
            return
        parts: list[pl.Expr] = []
        nums: list[pl.Expr] = []
        for name in s.columns:
            raw, dtype = pl.col(name), self.schema[name]
            shown = _text(raw, dtype)
            said = _msg("{} {}", shown, unit) if unit else shown
            if dtype == pl.String:
                # a cell may carry its own unit: read once per batch into plain columns (a per-cell
                # parse inside this plan made polars plan for minutes over text columns)
                self.out.cells[name] = (m.dimension, s.unit)
                num, bad_unit = pl.col(CELL_NUM + name), pl.col(CELL_BAD + name)
                unreadable = raw.is_not_null() & num.is_null() & bad_unit.is_null()
                self.check(name, bad_unit.is_not_null(), shown, bad_unit)
                said = pl.coalesce(pl.col(CELL_SAID + name), said)
            else:
                num, unreadable = _number(raw, dtype)
            nums.append(num)
            self.check(name, unreadable, shown, _msg("cannot read {} as a number in {}", shown, unit))
            finite = num.is_finite()
            self.check(name, num.is_not_null() & ~finite, shown, "expected a finite number")
            value = pl.when(finite).then(_convert(num, factor))
            if s.combine != "sum":
                value = pl.when(self.range_checks(name, shown, value, m, said)).then(value)
            parts.append(value)
        if s.combine == "one":
            combined = parts[0]
        elif s.combine == "max":
            combined = pl.max_horizontal(parts)
        else:  # sum: the parts in their unit, converted once (as a record would give the total)
            total = nums[0]
            for e in nums[1:]:
                total = total + e
            combined = pl.when(total.is_finite()).then(_convert(total, factor))
            shown_total = total.cast(pl.String)
            said_total = _msg("{} {}", shown_total, unit) if unit else shown_total
            ok = self.range_checks("+".join(s.columns), shown_total, combined, m, said_total)
            combined = pl.when(ok).then(combined)
        self.out.typed[s.target.name] = combined

    def range_checks(self, name: str, shown: pl.Expr, value: pl.Expr, m: Measure, said: pl.Expr) -> pl.Expr:
        """Add the range and whole-number checks; return "value is acceptable" (non-null).

        ``said`` is the value with its unit as the input gave it (``900 lb``, ``900 kg``)."""
        ok: pl.Expr = pl.lit(True)
        if m.range is not None:
            lo, hi = m.range
            in_range = value.is_between(lo, hi).fill_null(True)
            self.check(
                name,
                ~in_range,
                shown,
                _msg("{} is implausible (expected {})", said, m.describe_range()),
            )
            ok = in_range
        if m.integer:
            whole = (value == value.floor()).fill_null(True)
            self.check(
                name,
                ok & ~whole,
                shown,
                _msg("{} is not a whole number of {}", said, m.unit or ""),
            )
            ok = ok & whole
        return ok

    def enum(self, s: Source, m: Measure) -> None:
        if s.combine == "constant":
            self.out.typed[s.target.name] = pl.lit(str(s.constant), pl.Enum(list(m.values)))
            return
        raw, dtype, name = self.raw(s)
        codes = {str(k): str(v) for k, v in s.codes.items()}

        def canonical(v: Any) -> str | None:  # record._enum, after the mapping's codes
            text = codes.get(_code(v), _code(v)).strip()
            out = m.aliases.get(text, text.lower())
            return out if out in m.values else None

        value = per_distinct(raw, canonical, pl.String).cast(pl.Enum(list(m.values)))
        self.check(
            name,
            raw.is_not_null() & value.is_null(),
            _text(raw, dtype),
            _msg("{} is not one of {}", _text(raw, dtype), ", ".join(m.values)),
        )
        self.out.typed[s.target.name] = value

    def bool(self, s: Source, m: Measure) -> None:
        if s.combine == "constant":
            self.out.typed[s.target.name] = pl.lit(bool(s.constant))
            return
        raw, dtype, name = self.raw(s)
        if dtype == pl.Boolean and not s.codes:
            self.out.typed[s.target.name] = raw
            return
        codes = {str(k): str(v) for k, v in s.codes.items()}

        def parse(v: Any) -> bool | None:  # record._bool, after the mapping's codes
            text = codes.get(_code(v), _code(v)).strip().lower()
            return True if text in _TRUE else False if text in _FALSE else None

        value = per_distinct(raw, parse, pl.Boolean)
        self.check(
            name,
            raw.is_not_null() & value.is_null(),
            _text(raw, dtype),
            _msg("expected true or false, got {}", _text(raw, dtype)),
        )
        self.out.typed[s.target.name] = value

    def text(self, s: Source, m: Measure) -> None:
        if s.combine == "constant":
            self.out.typed[s.target.name] = pl.lit(str(s.constant))
            return
        raw, dtype, _ = self.raw(s)
        self.out.typed[s.target.name] = _text(raw, dtype)

    def date(self, s: Source, m: Measure) -> None:
        raw, dtype, name = self.raw(s)
        if dtype == pl.Date:
            value = raw
        elif isinstance(dtype, pl.Datetime):
            value = raw.dt.date()
        else:
            value = _text(raw, dtype).str.strip_chars().str.to_date("%Y-%m-%d", strict=False)
        self.check(
            name,
            raw.is_not_null() & value.is_null(),
            _text(raw, dtype),
            _msg("expected a date YYYY-MM-DD, got {}", _text(raw, dtype)),
        )
        self.out.typed[s.target.name] = value

    def sarc_f_item(self, s: Source) -> None:
        raw, dtype, name = self.raw(s)
        lo, hi = self.cat.sarc_f.item_range
        answers = {k: float(v) for k, v in self.cat.sarc_f.answers.items()}
        if dtype == pl.String:
            word = raw.str.strip_chars().str.to_lowercase().str.replace_all(" ", "_")
            num = raw.str.strip_chars().cast(pl.Float64, strict=False)
            num = pl.coalesce(num, word.replace_strict(answers, default=None, return_dtype=pl.Float64))
        else:
            num, _ = _number(raw, dtype)
        ok = num.is_between(lo, hi) & (num == num.floor())
        self.check(
            name,
            raw.is_not_null() & ~ok.fill_null(False),
            _text(raw, dtype),
            _msg(
                "{} is not a score {}–{} or one of {}",
                _text(raw, dtype),
                lo,
                hi,
                ", ".join(answers),
            ),
        )
        self.out.typed[s.target.name] = pl.when(ok).then(num)

    def falls_count(self, s: Source) -> None:
        raw, dtype, name = self.raw(s)
        num, _ = _number(raw, dtype)
        ok = (num >= 0) & (num == num.floor()) & num.is_finite()
        self.check(
            name,
            raw.is_not_null() & ~ok.fill_null(False),
            _text(raw, dtype),
            _msg("expected a count of falls (0 or more), got {}", _text(raw, dtype)),
        )
        points: pl.Expr = pl.lit(None, pl.Float64)
        for lo, hi, pts in reversed(self.cat.sarc_f.falls_points):
            band = (num >= lo) if hi is None else num.is_between(lo, hi)
            points = pl.when(ok & band).then(pl.lit(float(pts))).otherwise(points)
        self.out.typed[s.target.name] = points

    def months(self, s: Source) -> None:
        raw, dtype, name = self.raw(s)
        num, _ = _number(raw, dtype)
        ok = num.is_between(0, 600)
        self.check(
            name,
            raw.is_not_null() & ~ok.fill_null(False),
            _text(raw, dtype),
            _msg("{} is not 0–600 months", _text(raw, dtype)),
        )
        self.out.typed[s.target.name] = pl.when(ok).then(num)

    def conditions(self, s: Source) -> None:
        raw, dtype, name = self.raw(s)
        items = raw if isinstance(dtype, pl.List) else _text(raw, dtype).str.split(";")
        items = items.list.eval(pl.element().str.strip_chars()).list.filter(pl.element() != "")
        bad = items.list.eval(~pl.element().is_in(list(self.cat.conditions))).list.any()
        self.check(
            name,
            raw.is_not_null() & bad.fill_null(False),
            _text(raw, dtype).cast(pl.String) if not isinstance(dtype, pl.List) else items.list.join(";"),
            _msg("unknown condition(s) in {}", items.list.join(";")),
        )
        self.out.typed[s.target.name] = items

    # -- whole-record rules ------------------------------------------------------------------------

    def record_rules(self, history: int) -> None:
        t = self.out.typed
        null = pl.lit(None, pl.String)
        sex = self.cat.measures.get("sex")
        if sex is not None and sex.required:
            source = self._source_of("sex")
            constant = any(x.target.name == "sex" and x.combine == "constant" for x in self.sources)
            raw_missing = pl.col(source).is_null() if source else pl.lit(not constant)
            self.check("sex", raw_missing, null, f"required ({' or '.join(sex.values)})")
        if "asm" in t:
            method = t.get("asm_method", pl.lit(None))
            raw_method = self._source_of("asm_method")
            method_missing = pl.col(raw_method).is_null() if raw_method else method.is_null()
            self.check(
                "asm_method",
                t["asm"].is_not_null() & method_missing,
                null,
                "required when asm is given (dxa or bia)",
            )
        for i in range(1, history + 1):
            w, mo = history_names(i)
            if w in t or mo in t:
                w_raw, m_raw = self._source_of(w), self._source_of(mo)
                w_given = pl.col(w_raw).is_not_null() if w_raw else pl.lit(False)
                m_given = pl.col(m_raw).is_not_null() if m_raw else pl.lit(False)
                self.check(mo, w_given & ~m_given, null, f"{w} needs {mo} (months before the record)")
                self.check(w, m_given & ~w_given, null, f"{mo} needs {w} (the weight then)")
        falls = self._source_of("sarc_f_falls")
        count = self._source_of(f"sarc_f_{FALLS_COUNT}")
        if falls and count:
            self.check(
                f"sarc_f_{FALLS_COUNT}",
                pl.col(falls).is_not_null() & pl.col(count).is_not_null(),
                _text(pl.col(count), self.schema[count]),
                f"give either sarc_f_falls or sarc_f_{FALLS_COUNT}, not both",
            )
        if count:
            t["sarc_f_falls"] = pl.coalesce(
                t.get("sarc_f_falls", pl.lit(None, pl.Float64)), t.pop(f"sarc_f_{FALLS_COUNT}")
            )
        mrc = self.cat.derived.get("mrc_sum_score")
        grades = [g for g in (mrc.inputs if mrc else ()) if g != "mrc_sum_score"]
        if "mrc_sum_score" in t and grades and all(g in t for g in grades):
            total: pl.Expr = pl.lit(0.0)
            for g in grades:
                total = total + t[g]
            given = t["mrc_sum_score"]
            self.check(
                "mrc_sum_score",
                (given != total).fill_null(False),
                given.cast(pl.String),
                _msg("{} does not equal the sum of the MRC grades ({})", given, total),
            )
        self.date_rules()
        if "birth_date" in t:
            born, on = t["birth_date"], t.get("date", pl.lit(None, pl.Date))
            age = t.get("age", pl.lit(None, pl.Float64))
            needs = age.is_null() & born.is_not_null()
            self.check("birth_date", needs & on.is_null(), null, "needs the record's date to give an age")
            self.check("birth_date", needs & (born > on).fill_null(False), null, "is after the record's date")
            computed = _age_on(born, on)
            # as record._finish_dates: an age from a birth date meets the entered age's range
            m = self.cat.measures["age"]
            plausible = computed.is_between(*m.range) if m.range else pl.lit(True)
            self.check(
                "birth_date",
                (needs & (born <= on) & ~plausible).fill_null(False),
                born.dt.strftime("%Y-%m-%d"),
                _msg("{} gives an age of {} years on {}, which is implausible (expected {})",
                     born.dt.strftime("%Y-%m-%d"), computed.cast(pl.Int64), on.dt.strftime("%Y-%m-%d"),
                     m.describe_range()),
            )
            t["age"] = pl.coalesce(age, pl.when((born <= on) & plausible).then(computed))

    def date_rules(self) -> None:
        """``record._finish_dates``' checks: no date in the future, and an age that agrees with
        the birth date and the record's date (within a year); each a reject, never a choice."""
        t = self.out.typed
        today = date.today()
        for name in ("date", "birth_date"):
            if name in t:
                self.check(name, (t[name] > pl.lit(today)).fill_null(False), t[name].cast(pl.String),
                           _msg("{} is in the future", t[name].dt.strftime("%Y-%m-%d")))
        if "birth_date" in t and "date" in t and "age" in t:
            born, on, age = t["birth_date"], t["date"], t["age"]
            computed = _age_on(born, on)
            src = self._source_of("age")
            shown = _text(pl.col(src), self.schema[src]) if src else age.cast(pl.String)
            self.check(
                "age",
                ((born <= on) & ((age - computed).abs() > 1)).fill_null(False),
                shown,
                _msg("{} contradicts birth_date {} and date {}, which give {}", shown,
                     born.dt.strftime("%Y-%m-%d"), on.dt.strftime("%Y-%m-%d"), computed.cast(pl.Int64)),
            )

    def _source_of(self, target: str) -> str | None:
        for s in self.sources:
            if s.target.name == target and s.combine == "one":
                return s.columns[0]
        return None


def _msg(template: str, *args: pl.Expr | str | float) -> pl.Expr:
    """A reject reason: ``template`` with ``{}`` filled by columns or constants.

    Constants are folded into the text here: ``pl.format`` with literal arguments panics in
    polars 2.1 on filtered frames (binview index assertion)."""
    pieces = template.split("{}")
    parts: list[pl.Expr] = []
    text = pieces[0]
    for arg, piece in zip(args, pieces[1:], strict=True):
        if isinstance(arg, pl.Expr):
            if text:
                parts.append(pl.lit(text))
            parts.append(arg.cast(pl.String).fill_null("null"))
            text = piece
        else:
            text += f"{arg}{piece}"
    if text or not parts:
        parts.append(pl.lit(text))
    return pl.concat_str(parts) if len(parts) > 1 else parts[0]


def per_distinct(raw: pl.Expr, fn: Any, dtype: Any) -> pl.Expr:
    """``fn`` applied to each distinct value of ``raw`` (a handful: sex, method, yes/no) and
    spread back: exact Python string handling at the cost of a hash lookup per row."""

    def apply(series: pl.Series) -> pl.Series:
        distinct = series.drop_nulls().unique().to_list()
        table = {v: fn(v) for v in distinct}
        return (
            series.replace_strict(table, default=None, return_dtype=dtype)
            if table
            else pl.Series(series.name, [None] * len(series), dtype=dtype)
        )

    return raw.map_batches(apply, return_dtype=dtype, is_elementwise=True)


def _code(v: Any) -> str:
    """Text of a cell: whole-number floats as integers (a coded 1.0 is the code 1)."""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _factor(unit: str, dimension: str) -> float:
    units.to_canonical(1.0, unit, dimension)  # raises UnknownUnitError for a unit not accepted
    table = units.FACTORS[dimension]
    f = table.get(unit)
    if f is None:
        f = next(v for k, v in table.items() if k.lower() == unit.lower())
    return f


def _convert(num: pl.Expr, factor: float) -> pl.Expr:
    """``units.to_canonical``: exact factor, then rounded to its conversion decimals."""
    if factor == 1.0:
        return num
    return round_to(num * factor, units.CONVERSION_DECIMALS)


def _convert_scalar(value: float, factor: float) -> float:
    return value if factor == 1.0 else round(value * factor, units.CONVERSION_DECIMALS)


__all__ = ["CELL_BAD", "CELL_NUM", "CELL_SAID", "REJECT_SCHEMA", "Check", "Source", "Validation", "Validator",
           "per_distinct"]
