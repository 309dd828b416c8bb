"""Validation of table rows as Spark SQL columns: a check-by-check mirror of ``validate.py``.

The same catalog rules (units with exact factors, plausible ranges, whole numbers, categories and
their aliases, SARC-F answers, weight-history pairs, the required sex, the method of a muscle
mass, an age from the birth date) give the same typed columns and the same rejects (row, column,
value, reason) as the polars engine, all inside Spark's JVM. Text is parsed by patterns and
``try_`` functions, so that the checks hold whether or not the session runs in ANSI mode.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pyspark.sql import functions as F

from ..measures import Catalog, Measure
from .derive_spark import round_to
from .tables import FALLS_COUNT, history_names
from .validate import _FALSE, _TRUE, Source, _factor

if TYPE_CHECKING:
    from pyspark.sql import Column

# what polars' ``cast(Float64, strict=False)`` reads, after stripping the blanks around it
_NUMBER = r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$|^[+-]?(?i:inf|infinity|nan)$"
_NUMERIC = ("double", "float", "bigint", "int", "smallint", "tinyint")
#: a number followed by something (``150 lb``): a unit written in a cell, which native mode does
#: not read (see ``Validator.quantity``)
_WITH_UNIT = r"^\s*[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?\s*[^\s0-9.eE+-]"


@dataclass
class SparkCheck:
    """One validation rule over one input column (as ``validate.Check``)."""

    column: str
    bad: Column  # non-null Boolean
    value: Column  # the input value as text
    reason: Column  # text


@dataclass
class SparkValidation:
    typed: dict[str, Column] = field(default_factory=dict)
    checks: list[SparkCheck] = field(default_factory=list)
    weight: Column | None = None  # the survey weight as a number, once its cells are checked


#: the ASCII blanks (Java's regex ``\s``): space, tab, newline, vertical tab, form feed, return
_BLANKS = " \t\n\x0b\x0c\r"


def column(name: str) -> Column:
    """An input column by its exact name. ``F.col`` reads a dot as a struct field and ``a.b`` as
    column ``b`` of ``a``, so UK Biobank's ``31-0.0`` would not resolve unless quoted."""
    return F.col("`" + name.replace("`", "``") + "`")


def as_text(name: str, dtype: str) -> Column:
    """Input column ``name`` of Spark type ``dtype`` as text. Bytes (``binary``: text that some
    writers store so) are decoded as UTF-8, any invalid sequence replaced by U+FFFD: a plain cast
    keeps invalid bytes, which polars cannot take from Arrow (``--spark-mode arrow`` crashed)."""
    text = column(name).cast("string")
    return F.make_valid_utf8(text) if dtype == "binary" else text


def strip(text: Column) -> Column:
    """Blanks removed at both ends (Python's ``str.strip`` for the ASCII blanks).

    ``btrim`` with the blanks, not a regular expression: validation strips a text column in
    several checks of each row, and trimming a fixed set of characters is cheaper than a regex
    replacement (the same result: tests/cohort/test_parity_spark.py, test_spark.py)."""
    return F.btrim(text, F.lit(_BLANKS))


def is_finite(x: Column) -> Column:
    return ~F.isnan(x) & (F.abs(x) != F.lit(float("inf")))


def lookup(key: Column, table: dict[str, Any], default: Column) -> Column:
    """``table.get(key, default)`` for a small literal table."""
    out: Any = F
    for k, v in table.items():
        out = out.when(key == F.lit(k), F.lit(v))
    return out.otherwise(default) if table else default


def _text(raw: Column, dtype: str) -> Column:
    """The cell as text, as polars casts it: a time of day (``time(6)``) without its fraction of a
    second (``09:00:00``, where Spark writes ``09:00:00.0005``); an infinite double as ``inf``
    (Spark writes ``Infinity``)."""
    text = raw.cast("string")
    if dtype.startswith("time("):
        return F.substring(text, 1, 8)
    if dtype in ("double", "float"):
        return F.when(text == "Infinity", "inf").when(text == "-Infinity", "-inf").otherwise(text)
    return text


def _number(raw: Column, dtype: str) -> tuple[Column, Column]:
    """(value as double with NaN as missing, non-null Boolean "cannot be read as a number")."""
    if dtype == "string":
        text = strip(raw)
        num = F.when(text.rlike(_NUMBER), text.try_cast("double"))
        return num, raw.isNotNull() & num.isNull()
    if dtype == "boolean":
        return F.lit(None).cast("double"), raw.isNotNull()
    if dtype in _NUMERIC or dtype.startswith("decimal"):
        num = raw.cast("double")
        return (F.when(~F.isnan(num), num) if dtype in ("double", "float") else num), F.lit(False)
    return F.lit(None).cast("double"), raw.isNotNull()


def _code(raw: Column, dtype: str) -> Column:
    """``validate._code``: the cell as Python's ``str`` shows it, whole-number floats as integers."""
    if dtype == "boolean":
        return F.when(raw, F.lit("True")).when(~raw, F.lit("False"))
    if dtype in ("double", "float"):
        whole = raw == F.floor(raw)
        return F.when(whole, raw.cast("bigint").cast("string")).otherwise(raw.cast("string"))
    return _text(raw, dtype)


def _msg(template: str, *args: Column | str | float) -> Column:
    pieces = template.split("{}")
    parts: list[Column] = []
    text = pieces[0]
    for arg, piece in zip(args, pieces[1:], strict=True):
        if isinstance(arg, str | float | int):
            text += f"{arg}{piece}"
            continue
        if text:
            parts.append(F.lit(text))
        parts.append(F.coalesce(arg.cast("string"), F.lit("null")))
        text = piece
    if text or not parts:
        parts.append(F.lit(text))
    return F.concat(*parts) if len(parts) > 1 else parts[0]


def _age_on(born: Column, on: Column) -> Column:
    """Whole years from ``born`` to ``on``, as ``record.age_on`` (a birthday counts on its day)."""
    before = (F.month(on) < F.month(born)) | (
        (F.month(on) == F.month(born)) & (F.dayofmonth(on) < F.dayofmonth(born))
    )
    return (F.year(on) - F.year(born)).cast("double") - before.cast("double")


def _convert(num: Column, factor: float) -> Column:
    from .. import units

    if factor == 1.0:
        return num
    return round_to(num * F.lit(factor), units.CONVERSION_DECIMALS)


class SparkValidator:
    """Builds the typed columns and checks for a table with ``schema`` (column -> Spark type
    name, as ``DataType.simpleString()``) and column ``sources``."""

    def __init__(self, catalog: Catalog, schema: dict[str, str], sources: list[Source]):
        self.cat = catalog
        self.schema = schema
        self.sources = sources
        self.out = SparkValidation()

    def build(self, history: int, weight: str | None = None) -> SparkValidation:
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

    def raw(self, s: Source) -> tuple[Column, str, str]:
        name = s.columns[0]
        return column(name), self.schema[name], name

    def survey_weight(self, name: str) -> None:
        """As ``validate.Validator.survey_weight``: a finite number, 0 or more, else a bad value."""
        raw, dtype = column(name), self.schema[name]
        shown = _text(raw, dtype)
        num, unreadable = _number(raw, dtype)
        self.check(
            name,
            num.isNull() & ~unreadable,
            F.lit(None).cast("string"),
            "missing: a survey-weighted estimate needs each row's weight",
        )
        self.check(name, unreadable, shown, _msg("cannot read {} as a survey weight", shown))
        self.check(
            name,
            F.coalesce((num < 0) | ~is_finite(num), F.lit(False)),
            shown,
            _msg("{} is not a survey weight (expected a finite number, 0 or more)", shown),
        )
        self.out.weight = num

    def check(self, column: str, bad: Column, value: Column, reason: Column | str) -> None:
        r = F.lit(reason) if isinstance(reason, str) else reason
        self.out.checks.append(SparkCheck(column, bad, value, r))

    # -- kinds ---------------------------------------------------------------------------------

    def quantity(self, s: Source, m: Measure) -> None:
        assert m.dimension is not None
        unit = s.unit or m.unit or ""
        factor = _factor(unit, m.dimension)
        if s.combine == "constant":
            from .validate import _convert_scalar

            self.out.typed[s.target.name] = F.lit(_convert_scalar(float(s.constant), factor))
            return
        parts: list[Column] = []
        for name in s.columns:
            raw, dtype = column(name), self.schema[name]
            num, unreadable = _number(raw, dtype)
            shown = _text(raw, dtype)
            cannot = _msg("cannot read {} as a number in {}", shown, unit)
            if dtype == "string":
                # native mode refuses a unit written in a cell, naming it, rather than reading it
                # differently from the polars kernel (which reads it, as Spark's arrow mode does)
                said = _msg(
                    "{}: a unit written in a cell is read by the polars engine and --spark-mode arrow, "
                    "not by --spark-mode native (give bare numbers in {})",
                    shown,
                    unit,
                )
                cannot = F.when(raw.rlike(_WITH_UNIT), said).otherwise(cannot)
            self.check(name, unreadable, shown, cannot)
            finite = is_finite(num)
            self.check(name, num.isNotNull() & ~finite, shown, "expected a finite number")
            value = F.when(finite, _convert(num, factor))
            if s.combine != "sum":
                value = F.when(self.range_checks(name, shown, value, m, unit), value)
            parts.append(value)
        if s.combine == "one":
            combined = parts[0]
        elif s.combine == "max":
            combined = parts[0] if len(parts) == 1 else F.greatest(*parts)
        else:
            nums = [_number(column(n), self.schema[n])[0] for n in s.columns]
            total = nums[0]
            for e in nums[1:]:
                total = total + e
            combined = F.when(is_finite(total), _convert(total, factor))
            ok = self.range_checks("+".join(s.columns), total.cast("string"), combined, m, unit)
            combined = F.when(ok, combined)
        self.out.typed[s.target.name] = combined

    def range_checks(self, name: str, shown: Column, value: Column, m: Measure, unit: str) -> Column:
        ok: Column = F.lit(True)
        if m.range is not None:
            lo, hi = m.range
            in_range = F.coalesce(value.between(lo, hi), F.lit(True))
            self.check(
                name,
                ~in_range,
                shown,
                _msg("{} {} is implausible (expected {})", shown, unit, m.describe_range()),
            )
            ok = in_range
        if m.integer:
            whole = F.coalesce(value == F.floor(value), F.lit(True))
            self.check(
                name, ok & ~whole, shown, _msg("{} {} is not a whole number of {}", shown, unit, m.unit or "")
            )
            ok = ok & whole
        return ok

    def enum(self, s: Source, m: Measure) -> None:
        if s.combine == "constant":
            self.out.typed[s.target.name] = F.lit(str(s.constant))
            return
        raw, dtype, name = self.raw(s)
        codes = {str(k): str(v) for k, v in s.codes.items()}
        code = _code(raw, dtype)
        text = strip(lookup(code, codes, code))
        out = lookup(text, dict(m.aliases), F.lower(text))
        value = F.when(out.isin(list(m.values)), out)
        self.check(
            name,
            raw.isNotNull() & value.isNull(),
            _text(raw, dtype),
            _msg("{} is not one of {}", _text(raw, dtype), ", ".join(m.values)),
        )
        self.out.typed[s.target.name] = value

    def bool(self, s: Source, m: Measure) -> None:
        if s.combine == "constant":
            self.out.typed[s.target.name] = F.lit(bool(s.constant))
            return
        raw, dtype, name = self.raw(s)
        if dtype == "boolean" and not s.codes:
            self.out.typed[s.target.name] = raw
            return
        codes = {str(k): str(v) for k, v in s.codes.items()}
        code = _code(raw, dtype)
        text = F.lower(strip(lookup(code, codes, code)))
        value = F.when(text.isin(_TRUE), F.lit(True)).when(text.isin(_FALSE), F.lit(False))
        self.check(
            name,
            raw.isNotNull() & value.isNull(),
            _text(raw, dtype),
            _msg("expected true or false, got {}", _text(raw, dtype)),
        )
        self.out.typed[s.target.name] = value

    def text(self, s: Source, m: Measure) -> None:
        if s.combine == "constant":
            self.out.typed[s.target.name] = F.lit(str(s.constant))
            return
        raw, dtype, _ = self.raw(s)
        self.out.typed[s.target.name] = _text(raw, dtype)

    def date(self, s: Source, m: Measure) -> None:
        raw, dtype, name = self.raw(s)
        if dtype == "date":
            value = raw
        elif dtype.startswith("timestamp"):
            value = F.to_date(raw)
        else:
            text = strip(_text(raw, dtype))
            value = F.when(text.rlike(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"), F.try_to_date(text, "yyyy-MM-dd"))
        self.check(
            name,
            raw.isNotNull() & value.isNull(),
            _text(raw, dtype),
            _msg("expected a date YYYY-MM-DD, got {}", _text(raw, dtype)),
        )
        self.out.typed[s.target.name] = value

    def sarc_f_item(self, s: Source) -> None:
        raw, dtype, name = self.raw(s)
        lo, hi = self.cat.sarc_f.item_range
        answers = {k: float(v) for k, v in self.cat.sarc_f.answers.items()}
        if dtype == "string":
            word = F.regexp_replace(F.lower(strip(raw)), " ", "_")
            num, _ = _number(raw, dtype)
            num = F.coalesce(num, lookup(word, answers, F.lit(None).cast("double")))
        else:
            num, _ = _number(raw, dtype)
        ok = num.between(lo, hi) & (num == F.floor(num))
        self.check(
            name,
            raw.isNotNull() & ~F.coalesce(ok, F.lit(False)),
            _text(raw, dtype),
            _msg("{} is not a score {}–{} or one of {}", _text(raw, dtype), lo, hi, ", ".join(answers)),
        )
        self.out.typed[s.target.name] = F.when(ok, num)

    def falls_count(self, s: Source) -> None:
        raw, dtype, name = self.raw(s)
        num, _ = _number(raw, dtype)
        ok = (num >= 0) & (num == F.floor(num)) & is_finite(num)
        self.check(
            name,
            raw.isNotNull() & ~F.coalesce(ok, F.lit(False)),
            _text(raw, dtype),
            _msg("expected a count of falls (0 or more), got {}", _text(raw, dtype)),
        )
        points: Column = F.lit(None).cast("double")
        for lo, hi, pts in reversed(self.cat.sarc_f.falls_points):
            band = (num >= lo) if hi is None else num.between(lo, hi)
            points = F.when(ok & band, F.lit(float(pts))).otherwise(points)
        self.out.typed[s.target.name] = points

    def months(self, s: Source) -> None:
        raw, dtype, name = self.raw(s)
        num, _ = _number(raw, dtype)
        ok = num.between(0, 600)
        self.check(
            name,
            raw.isNotNull() & ~F.coalesce(ok, F.lit(False)),
            _text(raw, dtype),
            _msg("{} is not 0–600 months", _text(raw, dtype)),
        )
        self.out.typed[s.target.name] = F.when(ok, num)

    def conditions(self, s: Source) -> None:
        raw, dtype, name = self.raw(s)
        is_list = dtype.startswith("array")
        items = raw if is_list else F.split(_text(raw, dtype), ";")
        items = F.filter(F.transform(items, strip), lambda x: x != F.lit(""))
        known = list(self.cat.conditions)
        bad = F.exists(items, lambda x: ~x.isin(known))
        self.check(
            name,
            raw.isNotNull() & F.coalesce(bad, F.lit(False)),
            F.array_join(items, ";") if is_list else _text(raw, dtype),
            _msg("unknown condition(s) in {}", F.array_join(items, ";")),
        )
        self.out.typed[s.target.name] = items

    # -- whole-record rules ------------------------------------------------------------------------

    def record_rules(self, history: int) -> None:
        t = self.out.typed
        null = F.lit(None).cast("string")
        sex = self.cat.measures.get("sex")
        if sex is not None and sex.required:
            source = self._source_of("sex")
            constant = any(x.target.name == "sex" and x.combine == "constant" for x in self.sources)
            raw_missing = column(source).isNull() if source else F.lit(not constant)
            self.check("sex", raw_missing, null, f"required ({' or '.join(sex.values)})")
        if "asm" in t:
            method = t.get("asm_method", F.lit(None))
            raw_method = self._source_of("asm_method")
            method_missing = column(raw_method).isNull() if raw_method else method.isNull()
            self.check(
                "asm_method",
                t["asm"].isNotNull() & method_missing,
                null,
                "required when asm is given (dxa or bia)",
            )
        for i in range(1, history + 1):
            w, mo = history_names(i)
            if w in t or mo in t:
                w_raw, m_raw = self._source_of(w), self._source_of(mo)
                w_given = column(w_raw).isNotNull() if w_raw else F.lit(False)
                m_given = column(m_raw).isNotNull() if m_raw else F.lit(False)
                self.check(mo, w_given & ~m_given, null, f"{w} needs {mo} (months before the record)")
                self.check(w, m_given & ~w_given, null, f"{mo} needs {w} (the weight then)")
        falls = self._source_of("sarc_f_falls")
        count = self._source_of(f"sarc_f_{FALLS_COUNT}")
        if falls and count:
            self.check(
                f"sarc_f_{FALLS_COUNT}",
                column(falls).isNotNull() & column(count).isNotNull(),
                _text(column(count), self.schema[count]),
                f"give either sarc_f_falls or sarc_f_{FALLS_COUNT}, not both",
            )
        if count:
            t["sarc_f_falls"] = F.coalesce(
                t.get("sarc_f_falls", F.lit(None).cast("double")), t.pop(f"sarc_f_{FALLS_COUNT}")
            )
        mrc = self.cat.derived.get("mrc_sum_score")
        grades = [g for g in (mrc.inputs if mrc else ()) if g != "mrc_sum_score"]
        if "mrc_sum_score" in t and grades and all(g in t for g in grades):
            total: Column = F.lit(0.0)
            for g in grades:
                total = total + t[g]
            given = t["mrc_sum_score"]
            self.check(
                "mrc_sum_score",
                F.coalesce(given != total, F.lit(False)),
                given.cast("string"),
                _msg("{} does not equal the sum of the MRC grades ({})", given, total),
            )
        self.date_rules()
        if "birth_date" in t:
            born, on = t["birth_date"], t.get("date", F.lit(None).cast("date"))
            age = t.get("age", F.lit(None).cast("double"))
            needs = age.isNull() & born.isNotNull()
            self.check("birth_date", needs & on.isNull(), null, "needs the record's date to give an age")
            self.check(
                "birth_date", needs & F.coalesce(born > on, F.lit(False)), null, "is after the record's date"
            )
            computed = _age_on(born, on)
            # as record._finish_dates: an age from a birth date meets the entered age's range
            m = self.cat.measures["age"]
            plausible = computed.between(*m.range) if m.range else F.lit(True)
            born_text = F.date_format(born, "yyyy-MM-dd")
            self.check(
                "birth_date",
                F.coalesce(needs & (born <= on) & ~plausible, F.lit(False)),
                born_text,
                _msg(
                    "{} gives an age of {} years on {}, which is implausible (expected {})",
                    born_text,
                    computed.cast("bigint"),
                    F.date_format(on, "yyyy-MM-dd"),
                    m.describe_range(),
                ),
            )
            t["age"] = F.coalesce(age, F.when((born <= on) & plausible, computed))

    def date_rules(self) -> None:
        """As ``validate.Validator.date_rules``: no date in the future; an age that agrees with
        the birth date and the record's date (within a year)."""
        from datetime import date

        t = self.out.typed
        today = F.lit(date.today().isoformat()).cast("date")  # the driver's today, as the record's
        for name in ("date", "birth_date"):
            if name in t:
                shown = F.date_format(t[name], "yyyy-MM-dd")
                self.check(
                    name, F.coalesce(t[name] > today, F.lit(False)), shown, _msg("{} is in the future", shown)
                )
        if "birth_date" in t and "date" in t and "age" in t:
            born, on, age = t["birth_date"], t["date"], t["age"]
            computed = _age_on(born, on)
            src = self._source_of("age")
            age_text = _text(column(src), self.schema[src]) if src else age.cast("string")
            self.check(
                "age",
                F.coalesce((born <= on) & (F.abs(age - computed) > 1), F.lit(False)),
                age_text,
                _msg(
                    "{} contradicts birth_date {} and date {}, which give {}",
                    age_text,
                    F.date_format(born, "yyyy-MM-dd"),
                    F.date_format(on, "yyyy-MM-dd"),
                    computed.cast("bigint"),
                ),
            )

    def _source_of(self, target: str) -> str | None:
        for s in self.sources:
            if s.target.name == target and s.combine == "one":
                return s.columns[0]
        return None


__all__ = ["SparkCheck", "SparkValidation", "SparkValidator", "is_finite", "lookup", "strip"]
