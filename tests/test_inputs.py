"""The one input reader (myoscope.inputs, yamlio): hostile bytes and structures raise only our errors.

Property-based: random bytes, and random JSON/YAML documents built from the record's own field
names (so that they reach the field validators, not only the parser), go through the reader and
``parse_record``; the only exceptions allowed out are the project's own (MyoscopeError).
"""

from __future__ import annotations

import contextlib
import io
import json
import math
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from myoscope.errors import InputFileError, MyoscopeError, RecordValidationError, quote
from myoscope.inputs import iter_records, unusable_values
from myoscope.measures import load_catalog
from myoscope.record import parse_record, read_records
from myoscope.yamlio import iter_input_yaml

FIELDS = sorted(load_catalog().measures)
SETTINGS = settings(max_examples=100, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

scalars = (st.none() | st.booleans() | st.integers() | st.integers(min_value=-(10**40), max_value=10**40)
           | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=30)
           | st.sampled_from(["70 kg", "154 lb", "2025-02-30", "2025-13-45", "1e999", ".nan", "male", "M",
                              "2025-03-01T10:00:00", "yes", "25 KG", "-4 s"]))
keys = st.sampled_from(FIELDS) | st.text(max_size=12)
structures = st.recursive(scalars, lambda c: st.lists(c, max_size=4) | st.dictionaries(keys, c, max_size=6),
                          max_leaves=25)
records = st.dictionaries(keys, structures, max_size=10)


def read_and_parse(path: Path) -> None:
    for data, src in iter_records(path):
        with contextlib.suppress(RecordValidationError):
            parse_record(data, source=src)


@SETTINGS
@given(content=st.binary(max_size=400), suffix=st.sampled_from([".yaml", ".json"]))
def test_random_bytes_raise_only_our_errors(tmp_path: Path, content: bytes, suffix: str) -> None:
    p = tmp_path / f"r{suffix}"
    p.write_bytes(content)
    with contextlib.suppress(MyoscopeError):
        read_and_parse(p)


@SETTINGS
@given(doc=st.one_of(records, st.lists(records, max_size=3), structures))
def test_random_documents_raise_only_our_errors(tmp_path: Path, doc: Any) -> None:
    as_json = json.dumps(doc, default=str)  # NaN and Infinity are written as JSON's extensions
    (tmp_path / "r.json").write_text(as_json, "utf-8")
    (tmp_path / "r.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), "utf-8")
    for name in ("r.json", "r.yaml"):
        with contextlib.suppress(MyoscopeError):
            read_and_parse(tmp_path / name)


@SETTINGS
@given(doc=records)
def test_random_records_in_python_raise_only_record_errors(doc: dict[str, Any]) -> None:
    with contextlib.suppress(RecordValidationError):
        parse_record(doc)


@SETTINGS
@given(doc=records)
def test_messages_are_bounded(doc: dict[str, Any]) -> None:
    try:
        parse_record({**doc, "sex": "x" * 10_000})
    except RecordValidationError as exc:
        assert all(len(str(p)) < 800 for p in exc.problems)


def test_json_list_streams_one_record_at_a_time(tmp_path: Path) -> None:
    """A list bigger than the read buffer is decoded element by element, in order."""
    n = 3000
    p = tmp_path / "many.json"
    p.write_text(json.dumps([{"id": f"r{i}", "sex": "male", "note": "x" * 50} for i in range(n)], indent=1))
    it = iter_records(p)
    first = next(it)
    assert first == ({"id": "r0", "sex": "male", "note": "x" * 50}, f"{p}[0]")
    rest = list(it)
    assert len(rest) == n - 1 and rest[-1][1] == f"{p}[{n - 1}]" and rest[-1][0]["id"] == f"r{n - 1}"


def test_json_error_after_good_records_names_its_line(tmp_path: Path) -> None:
    p = tmp_path / "l.json"
    p.write_text('[\n{"sex": "male"},\n{"sex": "female"},\n{"sex": "male" "age": 70}\n]')
    got = []
    with pytest.raises(InputFileError, match=r"line 4, column 16: Expecting ','"):
        for data, _ in iter_records(p):
            got.append(data)
    assert got == [{"sex": "male"}, {"sex": "female"}]


class _CountingStream(io.StringIO):
    """A text stream that remembers how much of itself has been read."""

    consumed = 0

    def read(self, size: int | None = -1) -> str:
        block = super().read(size)
        self.consumed += len(block)
        return block


@pytest.mark.parametrize("layout", ["list", "documents"])
def test_yaml_streams_one_record_at_a_time(tmp_path: Path, layout: str) -> None:
    """A YAML list, or ``---``-separated documents, is read record by record: the first record
    arrives when a small part of a large file has been read."""
    n = 5000
    if layout == "list":
        text = "".join(f"- id: r{i}\n  sex: male\n  note: {'x' * 50}\n" for i in range(n))
    else:
        text = "".join(f"---\nid: r{i}\nsex: male\nnote: {'x' * 50}\n" for i in range(n))
    stream = _CountingStream(text)
    it = iter_input_yaml(stream)
    assert next(it) == ({"id": "r0", "sex": "male", "note": "x" * 50}, "item" if layout == "list" else "document")
    assert stream.consumed < len(text) / 10
    p = tmp_path / "many.yaml"
    p.write_text(text, "utf-8")
    got = list(iter_records(p))
    assert len(got) == n and got[-1] == ({"id": f"r{n - 1}", "sex": "male", "note": "x" * 50}, f"{p}[{n - 1}]")


def test_yaml_documents_keep_alias_and_duplicate_refusal_after_good_records(tmp_path: Path) -> None:
    p = tmp_path / "docs.yaml"
    p.write_text("sex: male\n---\n- {sex: female}\n- {sex: male}\n---\nsex: male\nage: 70\nage: 71\n")
    got = []
    with pytest.raises(InputFileError, match=r"line 8, column 1: duplicate key 'age' \(first given on line 7\)"):
        for data, src in iter_records(p):
            got.append((data, src))
    assert got == [({"sex": "male"}, f"{p}[0]"), ({"sex": "female"}, f"{p}[1]"), ({"sex": "male"}, f"{p}[2]")]
    p.write_text("- {sex: male}\n- &a {sex: female}\n- *a\n")
    with pytest.raises(InputFileError, match=r"line 3, column 3: aliases \(\*name\) are not allowed"):
        list(iter_records(p))
    p.write_text("sex: male\n---\n42\n")
    with pytest.raises(InputFileError, match=r"expected a record object or a list of records, got int 42"):
        list(iter_records(p))
    p.write_text("sex: male\n")
    assert list(iter_records(p)) == [({"sex": "male"}, str(p))]  # one record: the file's own name


def test_utf8_bom_is_accepted_and_bad_byte_located_in_a_large_json(tmp_path: Path) -> None:
    p = tmp_path / "bom.yaml"
    p.write_bytes(b"\xef\xbb\xbfsex: male\n")
    assert read_records(p) == [({"sex": "male"}, str(p))]
    big = tmp_path / "big.json"
    body = ",\n".join('{"sex": "male"}' for _ in range(20_000))
    big.write_bytes(b"[" + body.encode() + b',\n{"sex": "m\xe9le"}]')
    with pytest.raises(InputFileError, match=r"byte 0xe9 at line 20001, column 11"):
        list(iter_records(big))


def test_yaml_dates_stay_text_and_are_checked_by_the_field() -> None:
    rec = parse_record({"sex": "male", "date": "2025-03-01", "birth_date": "1940-06-30"})
    assert rec.values["age"] == 84
    with pytest.raises(RecordValidationError, match="date: expected a date YYYY-MM-DD, got '2025-03-01T10:00:00'"):
        parse_record({"sex": "male", "date": datetime(2025, 3, 1, 10), "birth_date": date(1940, 1, 1)})


def test_unusable_values_name_their_path() -> None:
    problems = unusable_values({"a": [1, {"b": math.nan}], "c": 10**16, "d": -math.inf, "e": True})
    assert [str(p) for p in problems] == [
        "a[1].b: expected a finite number, got nan",
        "c: 10000000000000000 is too large a number",
        "d: expected a finite number, got -inf",
    ]


def test_quote_is_bounded() -> None:
    assert quote("x" * 1000).endswith("... (1,000 characters)") and len(quote("x" * 1000)) < 120
    assert quote(10**500) == "a number of about 501 digits"
    nested: Any = ["x"]
    for _ in range(60):
        nested = [nested] * 9  # shared structure, 9**60 leaves if rendered
    assert len(quote(nested)) <= 83
