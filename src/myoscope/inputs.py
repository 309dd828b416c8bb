"""One reader for every input document a person hands to myoscope: records, scenarios, visits.

Why one: each face (CLI, registry, web) used to read files its own way, and each way failed
differently on careless input (a Latin-1 file, a duplicated key, a 400-digit number, a YAML
"billion laughs"). Here every failure becomes an :class:`~myoscope.errors.InputFileError` that
names the file and, where known, the line; values that no validator can use (NaN, infinities,
integers too large to convert, nesting past :data:`MAX_DEPTH`) are found by :func:`unusable_values`
and reported with their field path. Nothing here raises anything but the project's own errors.

Record files are read record by record (:func:`iter_records`): a JSON list is decoded one element
at a time from a buffered stream, and a YAML file (one record, a list, or ``---``-separated
documents) is parsed one record at a time from the file, so memory stays flat in the number of
records. ``-`` means standard input (read whole).
"""

from __future__ import annotations

import codecs
import io
import json
import math
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, Any

from .errors import InputFileError, Problem, quote
from .yamlio import (
    MAX_DEPTH,
    MAX_INT_DIGITS,
    YAMLError,
    iter_input_yaml,
    load_input_yaml,
    yaml_error_message,
)

#: Integers beyond this magnitude are refused: no measure comes near, and converting them to a
#: float overflows (or silently loses digits).
MAX_ABS_INT = 10**15
STDIN = "-"
_CHUNK = 1 << 16
_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)


def source_name(path: str | Path) -> str:
    return "standard input" if str(path) == STDIN else str(path)


# --- bytes to text ---------------------------------------------------------------------------


def _check_encoding(head: bytes, name: str) -> None:
    """Refuse UTF-16/32 (by byte-order mark, or by the NUL bytes that BOM-less UTF-16 is full of)."""
    for bom, enc in _BOMS:
        if head.startswith(bom):
            raise InputFileError(f"{name} is {enc} text; save it as UTF-8")
    if b"\x00" in head[:4096]:
        raise InputFileError(f"{name} holds NUL bytes: it is UTF-16 or binary, not UTF-8 text; "
                             "save it as UTF-8")


def decode(data: bytes, name: str) -> str:
    """UTF-8 text (a UTF-8 byte-order mark is allowed). :raises InputFileError: naming the line."""
    _check_encoding(data[:4096], name)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _not_utf8(name, data, exc.start) from None


def _not_utf8(name: str, data: bytes, at: int) -> InputFileError:
    line = data.count(b"\n", 0, at) + 1
    column = at - (data.rfind(b"\n", 0, at) + 1) + 1
    return InputFileError(
        f"{name} is not UTF-8 text (byte 0x{data[at]:02x} at line {line}, column {column}); "
        "save it as UTF-8 (Latin-1 and Windows-1252 files must be converted)"
    )


def read_bytes(path: str | Path) -> bytes:
    """The whole content of a file, or of standard input for ``-``."""
    if str(path) == STDIN:
        return sys.stdin.buffer.read()
    p = Path(path)
    try:
        return p.read_bytes()
    except IsADirectoryError:
        raise InputFileError(f"cannot read {p}: it is a directory") from None
    except OSError as exc:
        raise InputFileError(f"cannot read {p}: {exc.strerror or exc}") from None


# --- documents -------------------------------------------------------------------------------


def _is_json(path: str | Path, text_head: str) -> bool:
    if str(path) == STDIN:
        return text_head.lstrip()[:1] in ("{", "[")
    return Path(path).suffix.lower() == ".json"


def parse_text(text: str, name: str, *, as_json: bool) -> Any:
    """Parse JSON or YAML text with the input rules. :raises InputFileError:"""
    if as_json:
        try:
            return _DECODER.decode(text)
        except json.JSONDecodeError as exc:
            raise InputFileError(f"cannot parse {name}: line {exc.lineno}, column {exc.colno}: "
                                 f"{exc.msg}") from None
        except _Refused as exc:
            raise InputFileError(f"cannot parse {name}: {exc}") from None
        except RecursionError:
            raise InputFileError(f"cannot parse {name}: nested more than {MAX_DEPTH} levels deep") from None
    try:
        return load_input_yaml(text)
    except YAMLError as exc:
        raise InputFileError(f"cannot parse {name}: {yaml_error_message(exc)}") from None
    except RecursionError:  # pragma: no cover - the composer stops at MAX_DEPTH first
        raise InputFileError(f"cannot parse {name}: nested more than {MAX_DEPTH} levels deep") from None


def read_document(path: str | Path) -> Any:
    """One JSON or YAML document (a scenario, a mapping's data), unvalidated but safe to validate."""
    name = source_name(path)
    text = decode(read_bytes(path), name)
    return parse_text(text, name, as_json=_is_json(path, text[:64]))


# --- records ---------------------------------------------------------------------------------


def iter_records(path: str | Path) -> Iterator[tuple[Any, str]]:
    """(data, source label) for each record in a file: one object, or a list of objects.

    Unvalidated: each item still goes through :func:`myoscope.record.parse_record`. A problem with
    the file itself raises :class:`InputFileError` when it is met, after the records before it.
    """
    name = source_name(path)
    if str(path) != STDIN and Path(path).suffix.lower() == ".json":
        yield from _iter_json_file(Path(path), name)
        return
    if str(path) != STDIN:
        yield from _iter_yaml_file(Path(path), name)
        return
    text = decode(read_bytes(path), name)
    data = parse_text(text, name, as_json=_is_json(path, text[:64]))
    yield from _records_of(data, name)


def _records_of(data: Any, name: str) -> Iterator[tuple[Any, str]]:
    if isinstance(data, list):
        for i, d in enumerate(data):
            yield d, f"{name}[{i}]"
        return
    if isinstance(data, Mapping):
        yield dict(data), name
        return
    got = "an empty file" if data is None else f"{type(data).__name__} {quote(data)}"
    raise InputFileError(f"{name}: expected a record object or a list of records, got {got}")


def _iter_json_file(path: Path, name: str) -> Iterator[tuple[Any, str]]:
    with _open_text(path, name) as text:
        try:
            yield from _JsonStream(text, name).records()
        except UnicodeDecodeError:
            raise _locate_bad_utf8(path, name) from None


def _open_text(path: Path, name: str) -> IO[str]:
    """A strict UTF-8 text stream over ``path`` (UTF-16/32 refused first, by their marks)."""
    try:
        raw = path.open("rb")
    except IsADirectoryError:
        raise InputFileError(f"cannot read {path}: it is a directory") from None
    except OSError as exc:
        raise InputFileError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        _check_encoding(raw.peek(4096)[:4096], name)
    except InputFileError:
        raw.close()
        raise
    return io.TextIOWrapper(raw, encoding="utf-8-sig", errors="strict")


def _iter_yaml_file(path: Path, name: str) -> Iterator[tuple[Any, str]]:
    """Records of a YAML file, one at a time (see :func:`myoscope.yamlio.iter_input_yaml`): one
    object, a list of objects, or ``---``-separated documents, each an object or a list."""
    documents: list[int] = []
    with _open_text(path, name) as text:
        n = 0
        try:
            for value, where in iter_input_yaml(text, documents):
                label = name if where == "only" else f"{name}[{n}]"
                if where == "item" or isinstance(value, Mapping):
                    yield (dict(value) if isinstance(value, Mapping) else value), label
                else:  # a document that is neither an object nor a list
                    yield from _records_of(value, label)
                n += 1
        except UnicodeDecodeError:
            raise _locate_bad_utf8(path, name) from None
        except YAMLError as exc:
            raise InputFileError(f"cannot parse {name}: {yaml_error_message(exc)}") from None
        except RecursionError:  # pragma: no cover - the composer stops at MAX_DEPTH first
            raise InputFileError(f"cannot parse {name}: nested more than {MAX_DEPTH} levels deep") from None
    if not documents or not documents[0]:
        raise InputFileError(f"{name}: expected a record object or a list of records, got an empty file")


def _locate_bad_utf8(path: Path, name: str) -> InputFileError:
    """Find the first byte that is not UTF-8, line by line (only on the error path)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    with path.open("rb") as f:
        for line_no, line in enumerate(f, start=1):
            try:
                decoder.decode(line)
            except UnicodeDecodeError as exc:
                at = max(0, exc.start)
                return InputFileError(
                    f"{name} is not UTF-8 text (byte 0x{line[at]:02x} at line {line_no}, column "
                    f"{at + 1}); save it as UTF-8 (Latin-1 and Windows-1252 files must be converted)"
                )
            offset += len(line)
    return InputFileError(f"{name} is not UTF-8 text; save it as UTF-8")


class _JsonStream:
    """Decode a top-level JSON list one element at a time from a text stream."""

    def __init__(self, stream: IO[str], name: str) -> None:
        self.stream, self.name = stream, name
        self.buf, self.pos, self.eof = "", 0, False
        self.lines_before = 0  # newlines in text already dropped from the buffer
        self.chunk = _CHUNK

    def _more(self) -> bool:
        if self.eof:
            return False
        block = self.stream.read(self.chunk)
        if not block:
            self.eof = True
            return False
        self.lines_before += self.buf.count("\n", 0, self.pos)
        self.buf, self.pos = self.buf[self.pos :] + block, 0
        self.chunk = min(self.chunk * 2, 1 << 20)
        return True

    def _skip_ws(self) -> str:
        """The next non-blank character ('' at the end of the input)."""
        while True:
            while self.pos < len(self.buf) and self.buf[self.pos] in " \t\r\n":
                self.pos += 1
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self._more():
                return ""

    def _error(self, message: str, pos: int | None = None) -> InputFileError:
        at = self.pos if pos is None else pos
        line = self.lines_before + self.buf.count("\n", 0, at) + 1
        column = at - (self.buf.rfind("\n", 0, at) + 1) + 1
        return InputFileError(f"cannot parse {self.name}: line {line}, column {column}: {message}")

    def _value(self) -> Any:
        while True:
            try:
                value, end = _DECODER.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as exc:
                if self._more():
                    continue
                raise self._error(exc.msg, exc.pos) from None
            except _Refused as exc:
                raise self._error(str(exc)) from None
            except RecursionError:
                raise self._error(f"nested more than {MAX_DEPTH} levels deep") from None
            if end >= len(self.buf) and not isinstance(value, dict | list) and self._more():
                continue  # a bare number may go on in the next block
            self.pos = end
            return value

    def records(self) -> Iterator[tuple[Any, str]]:
        first = self._skip_ws()
        if first == "":
            raise InputFileError(f"{self.name}: expected a record object or a list of records, got an "
                                 "empty file")
        if first != "[":
            value = self._value()
            if self._skip_ws() != "":
                raise self._error("extra data after the record")
            yield from _records_of(value, self.name)
            return
        self.pos += 1
        index = 0
        while True:
            c = self._skip_ws()
            if c == "]":
                self.pos += 1
                if self._skip_ws() != "":
                    raise self._error("extra data after the list of records")
                return
            if index:
                if c != ",":
                    raise self._error("expected ',' or ']' between records" if c else
                                      "the list of records is not closed with ']'")
                self.pos += 1
                c = self._skip_ws()
            if c == "":
                raise self._error("the list of records is not closed with ']'")
            yield self._value(), f"{self.name}[{index}]"
            index += 1


# --- JSON rules ------------------------------------------------------------------------------


class _Refused(ValueError):
    """Raised inside the JSON decoder's hooks (duplicate key, over-long number)."""


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise _Refused(f"duplicate key {quote(k)}")
        out[k] = v
    return out


def _int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise _Refused(f"a number of {len(text.lstrip('-'))} digits is too long (at most {MAX_INT_DIGITS})")
    return int(text)


def _float(text: str) -> float:
    if len(text) > 400:
        raise _Refused(f"a number of {len(text)} characters is too long")
    return float(text)  # 1e999 -> inf, reported with its field by unusable_values


_DECODER = json.JSONDecoder(
    object_pairs_hook=_pairs, parse_int=_int, parse_float=_float, parse_constant=float
)


# --- values no validator can use ---------------------------------------------------------------


def unusable_values(data: Any, root: str = "") -> list[Problem]:
    """Problems for values that no field validator can handle, each with its field path.

    NaN and infinities (``.nan``, ``NaN``, ``1e999``), integers beyond :data:`MAX_ABS_INT`, and
    nesting deeper than :data:`MAX_DEPTH` (for documents built in Python rather than read from a
    file). Iterative, so that it cannot itself exhaust the stack.
    """
    problems: list[Problem] = []
    stack: list[tuple[Any, str, int]] = [(data, root, 0)]
    while stack:
        value, path, depth = stack.pop()
        if isinstance(value, bool) or value is None:
            continue
        if isinstance(value, float):
            if not math.isfinite(value):
                problems.append(Problem(path or "(record)", f"expected a finite number, got {value!r}"))
        elif isinstance(value, int):
            if abs(value) > MAX_ABS_INT:
                problems.append(Problem(path or "(record)", f"{quote(value)} is too large a number"))
        elif isinstance(value, Mapping | list | tuple):
            if depth >= MAX_DEPTH:
                problems.append(Problem(path or "(record)", f"nested more than {MAX_DEPTH} levels deep"))
                continue
            items = value.items() if isinstance(value, Mapping) else enumerate(value)
            children = []
            for k, v in items:
                child = f"{path}[{k}]" if isinstance(k, int) and not isinstance(value, Mapping) else \
                    (f"{path}.{k}" if path else str(k))
                children.append((v, child, depth + 1))
            stack.extend(reversed(children))
    return problems


__all__ = ["MAX_ABS_INT", "STDIN", "decode", "iter_records", "parse_text", "read_bytes", "read_document",
           "source_name", "unusable_values"]
