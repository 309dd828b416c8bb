"""The new-visit page's upload: a measuring tool's file fills the visit form, with its provenance.

The file goes through :func:`myoscope.imports.import_measures` (no clinical logic here); its
values become form text (canonical unit selected) and its provenance travels in a hidden field.
At save time a value keeps its provenance only if it was saved as imported: a value the user
changed is the user's, not the tool's (:func:`kept_provenance`).
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.datastructures import UploadFile

from ..errors import MeasuresImportError, MyoscopeError, Problem
from ..provenance import describe

#: the formats offered on the page (the ones that need a device map file are for the command line)
WEB_FORMATS = ("auto", "comp2comp", "mosamatic2", "slice", "dxa-hologic", "dxa-nhanes", "inbody",
               "totalsegmentator")
MAX_BYTES = 50 * 1024 * 1024  # one DICOM slice is about 0.5 MB; an export of one clinic is far smaller
CHUNK = 1 << 20
#: fields the visit form does not take from a file (the patient row holds them)
NOT_PREFILLED = ("id", "sex", "age", "birth_date", "provenance")


@dataclass
class Prefill:
    values: dict[str, str] = field(default_factory=dict)
    imported: str = ""  # JSON: {"provenance": ..., "expected": {measure: form text}}
    sources: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def _safe_name(name: str) -> str:
    base = Path(name.replace("\\", "/")).name
    base = re.sub(r"[^A-Za-z0-9._-]", "_", base)[:120].lstrip(".")
    return base or "upload"


async def _save(upload: UploadFile, folder: Path) -> Path | None:
    target = folder / _safe_name(upload.filename or "upload")
    size = 0
    with target.open("wb") as out:
        while chunk := await upload.read(CHUNK):
            size += len(chunk)
            if size > MAX_BYTES:
                return None
            out.write(chunk)
    return target


async def prefill(file: Any, mask: Any, fmt: str, pseudonym: str) -> Prefill:
    """Read the uploaded file(s) into form values for this patient's visit."""
    out = Prefill()
    if not isinstance(file, UploadFile) or not file.filename:
        out.problems.append(Problem("file", "choose a file to read"))
        return out
    if fmt not in WEB_FORMATS:
        out.problems.append(Problem("format", f"unknown format {fmt!r}"))
        return out
    from ..imports import import_measures

    with tempfile.TemporaryDirectory(prefix="myoscope-upload-") as tmp:
        folder = Path(tmp)
        path = await _save(file, folder)
        mask_path = None
        if isinstance(mask, UploadFile) and mask.filename:
            mask_folder = folder / "mask"
            mask_folder.mkdir()
            mask_path = await _save(mask, mask_folder)
            if mask_path is None:
                out.problems.append(Problem("mask", f"the file is larger than {MAX_BYTES // 2**20} MB"))
        if path is None:
            out.problems.append(Problem("file", f"the file is larger than {MAX_BYTES // 2**20} MB"))
        if out.problems:
            return out
        assert path is not None
        try:
            result = import_measures(path, fmt, mask=mask_path)
        except MeasuresImportError as exc:
            out.problems += [Problem(f"{path.name}, {p.path}", p.message) for p in exc.problems]
            return out
        except MyoscopeError as exc:
            out.problems.append(Problem(path.name, str(exc).replace(str(path), path.name)
                                        .replace(str(folder) + "/", "")))
            return out
    records = result.records
    if len(records) > 1:
        mine = [r for r in records if r.id == pseudonym]
        if len(mine) != 1:
            ids = ", ".join(sorted({r.id or "?" for r in records}))[:200]
            out.problems.append(Problem("file", f"the file holds {len(records)} records ({ids}); "
                                                f"{'none' if not mine else 'several'} for {pseudonym}"))
            return out
        records = mine
    rec = records[0]
    expected: dict[str, str] = {}
    for k, v in rec.values.items():
        if k in NOT_PREFILLED:
            continue
        if isinstance(v, Mapping):
            out.values[k] = f"{v['value']:g}"
            out.values[f"unit.{k}"] = str(v["unit"])
            expected[k] = f"{v['value']:g} {v['unit']}"
        else:
            out.values[k] = str(v)
            expected[k] = str(v)
    out.imported = json.dumps({"provenance": rec.provenance, "expected": expected}, sort_keys=True)
    out.sources = [describe(m, p) for m, p in rec.provenance.items()]
    out.notes = list(result.notes)
    return out


def kept_provenance(imported: str, data: Mapping[str, Any]) -> dict[str, Any] | None:
    """The provenance of the values saved as they were imported (None when there is none)."""
    if not imported:
        return None
    try:
        block = json.loads(imported)
        prov, expected = block["provenance"], block["expected"]
    except (ValueError, KeyError, TypeError, RecursionError):
        return None  # a hidden field changed by hand: the values are the user's
    if not isinstance(prov, dict) or not isinstance(expected, dict):
        return None
    kept = {m: p for m, p in prov.items() if m in data and str(data[m]) == expected.get(m)}
    return kept or None


__all__ = ["MAX_BYTES", "WEB_FORMATS", "Prefill", "kept_provenance", "prefill"]
