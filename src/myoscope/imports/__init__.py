"""Read what measuring tools write into record fields, with the provenance of every value.

``import_measures(path, fmt)`` is the one entry point (``myoscope import-measures`` and the web
upload are its faces). Formats (docs/imports.md): CT body-composition outputs (Comp2Comp,
mosamatic2; TotalSegmentator's statistics are read and refused with the reason), an L3 DICOM slice
with its mask (area and attenuation computed here), DXA exports (Hologic APEX, NHANES DXX), BIA
exports (InBody LookinBody), any other device's table through a device map, Excel sheets and REDCap
exports with a data dictionary.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from ..errors import InputFileError
from ..inputs import decode, read_bytes
from . import devicemap
from .mapped import import_table
from .result import ImportedRecord, MeasuresImport
from .table import read_table

FORMATS = (
    "auto",
    "comp2comp",
    "mosamatic2",
    "slice",
    "totalsegmentator",
    "dxa-hologic",
    "dxa-nhanes",
    "inbody",
    "mapping",
    "xlsx",
    "redcap",
)
_SIGNATURES = (  # header names that identify a shipped format (auto)
    ("comp2comp", {"Level", "Muscle HU"}),
    ("mosamatic2", {"file", "muscle_area", "muscle_ra"}),
    ("dxa-hologic", {"LARM_LEAN", "L_LEG_LEAN"}),
    ("dxa-nhanes", {"SEQN", "DXDLALE"}),
    ("inbody", {"Lean Mass of Right Arm"}),
)


def detect(path: str | Path, *, mask: str | Path | None = None, sheet: str | None = None) -> str:
    """The format of ``path`` from its content (a DICOM preamble, JSON, a known header)."""
    p = Path(path)
    if mask is not None:
        return "slice"
    name = p.name.lower()
    if name.endswith(".dcm"):
        return "slice"
    try:
        with p.open("rb") as f:
            head = f.read(132)
    except FileNotFoundError:
        raise InputFileError(f"{p}: no such file") from None
    except IsADirectoryError:
        raise InputFileError(f"{p} is a folder, not a file") from None
    if head[128:132] == b"DICM":
        return "slice"
    if name.endswith(".json"):
        return "totalsegmentator"
    if name.endswith((".csv", ".txt", ".tsv", ".xlsx", ".xlsm")):
        table = read_table(p, sheet=sheet)
        keys = {devicemap_key(h).lower() for h in table.header}
        for fmt, needed in _SIGNATURES:
            if {n.lower() for n in needed} <= keys:
                return fmt
        raise InputFileError(
            f"{p}: the format is not recognised from its header; give --format (one of "
            f"{', '.join(FORMATS[1:])}) and, for another device, --map FILE.yaml"
        )
    raise InputFileError(f"{p}: the format is not recognised from its name or content; give --format")


def devicemap_key(header: str) -> str:
    """A header as LookinBody's numbered columns are matched ('51. Lean Mass ...' -> 'Lean Mass ...')."""
    import re

    name = re.sub(r"^\s*\d+\s*\.\s*", "", header.strip())
    m = re.match(r"^(.*?)\s*\([^()]*\)\s*$", name)
    return m.group(1) if m and name.startswith(("Muscle CSA", "SAT CSA", "VAT CSA", "IMAT CSA")) else name


def import_measures(
    path: str | Path,
    fmt: str = "auto",
    *,
    patient: str | None = None,
    mask: str | Path | None = None,
    sheet: str | None = None,
    mapping: str | Path | None = None,
    dictionary: str | Path | None = None,
    partial: bool = False,
) -> MeasuresImport:
    """Read ``path`` as ``fmt`` into record fragments with provenance.

    :raises InputFileError: unreadable file, unknown format, missing columns (all named).
    :raises NothingToImportError: nothing maps honestly (TotalSegmentator; no L3 row; no rows).
    :raises MeasuresImportError: bad values, each by row and column (unless ``partial``).
    :raises MissingDependencyError: pydicom, nibabel or openpyxl absent for a format needing it.
    """
    if fmt not in FORMATS:
        raise InputFileError(f"unknown format {fmt!r} (expected one of {', '.join(FORMATS)})")
    if fmt == "auto":
        fmt = detect(path, mask=mask, sheet=sheet)
    if fmt == "slice":
        from .slice import import_slice

        if mask is None:
            mask = _find_mask(Path(path))
        return import_slice(path, mask, patient=patient)
    if fmt == "totalsegmentator":
        from .totalseg import import_statistics

        import_statistics(path)
    if fmt in ("mapping", "xlsx", "redcap"):
        if mapping is None:
            raise InputFileError(f"--format {fmt} needs --map FILE.yaml (a device map: docs/imports.md)")
        dmap = devicemap.load(mapping)
    else:
        dmap = devicemap.shipped(fmt)
        if mapping is not None:
            raise InputFileError(f"--map is for --format mapping, xlsx or redcap; {fmt} has its own map")
    table = read_table(path, delimiter=dmap.delimiter, sheet=sheet)
    choices = None
    if fmt == "redcap":
        if dictionary is None:
            raise InputFileError("--format redcap needs --dictionary DATA_DICTIONARY.csv")
        choices = redcap_choices(dictionary, dmap)
    return import_table(
        table, dmap, file=str(path), fmt=fmt, patient=patient, partial=partial, choices=choices
    )


def _find_mask(image: Path) -> Path:
    """The SliceOmatic convention: IMAGE.dcm.tag or IMAGE.tag beside the image."""
    for cand in (image.with_name(image.name + ".tag"), image.with_suffix(".tag")):
        if cand.exists():
            return cand
    raise InputFileError(
        f"{image}: give the muscle mask with --mask (no {image.name}.tag beside the slice)"
    )


#: REDCap data dictionary columns (as REDCap exports them)
REDCAP_FIELD = "Variable / Field Name"
REDCAP_CHOICES = "Choices, Calculations, OR Slider Labels"
REDCAP_TYPE = "Field Type"


def redcap_choices(path: str | Path, dmap: devicemap.DeviceMap) -> dict[str, dict[str, str]]:
    """Coded answers of the mapped fields (code -> label), checking that every field the map reads
    is in the dictionary. :raises InputFileError: naming every field the dictionary lacks."""
    p = Path(path)
    text = decode(read_bytes(p), str(p))
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if not reader.fieldnames or REDCAP_FIELD not in reader.fieldnames:
        raise InputFileError(f"{p}: not a REDCap data dictionary (no column {REDCAP_FIELD!r})")
    fields: dict[str, dict[str, str]] = {}
    for row in reader:
        name = (row.get(REDCAP_FIELD) or "").strip()
        choices: dict[str, str] = {}
        if (row.get(REDCAP_TYPE) or "").strip() in ("radio", "dropdown", "yesno", "truefalse"):
            for part in (row.get(REDCAP_CHOICES) or "").split("|"):
                code, _, label = part.partition(",")
                if code.strip():
                    choices[code.strip()] = label.strip()
        fields[name] = choices
    used = [n for spec in dmap.columns.values() for n in spec.names()]
    if isinstance(dmap.id, str):
        used.append(dmap.id)
    missing = [
        n for n in used if n not in fields and n not in ("redcap_event_name", "redcap_repeat_instance")
    ]
    if missing:
        raise InputFileError(
            f"{p}: the data dictionary has no field(s) {', '.join(missing)} that the map reads"
        )
    return {k: v for k, v in fields.items() if v}


__all__ = ["FORMATS", "ImportedRecord", "MeasuresImport", "detect", "import_measures", "redcap_choices"]
