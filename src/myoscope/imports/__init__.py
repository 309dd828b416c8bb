"""Read what measuring tools write into record fields, with the provenance of every value.

``import_measures(path, fmt)`` is the one entry point (``myoscope import-measures`` and the web
upload are its faces). Formats (docs/imports.md): CT body-composition outputs (Comp2Comp,
mosamatic2; TotalSegmentator's statistics are read and refused with the reason), an L3 DICOM slice
with its mask (area and attenuation computed here), DXA exports (Hologic APEX, NHANES DXX), BIA
exports (InBody LookinBody), any other device's table through a device map, Excel sheets and REDCap
exports with a data dictionary.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import InputFileError
from ..measures import load_catalog
from ..redcap import Dictionary, plan_fields, read_dictionary
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
    redcap_dict = None
    if fmt == "redcap":
        if dictionary is None:
            raise InputFileError("--format redcap needs --dictionary DATA_DICTIONARY.csv")
        redcap_dict = read_dictionary(dictionary)
    if fmt == "redcap" and mapping is None:
        assert redcap_dict is not None
        dmap = redcap_device_map(redcap_dict)
    elif fmt in ("mapping", "xlsx", "redcap"):
        if mapping is None:
            raise InputFileError(f"--format {fmt} needs --map FILE.yaml (a device map: docs/imports.md)")
        dmap = devicemap.load(mapping)
    else:
        dmap = devicemap.shipped(fmt)
        if mapping is not None:
            raise InputFileError(f"--map is for --format mapping, xlsx or redcap; {fmt} has its own map")
    table = read_table(path, delimiter=dmap.delimiter, sheet=sheet)
    choices = None
    if redcap_dict is not None:
        choices = redcap_choices(redcap_dict, dmap)
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


def redcap_device_map(d: Dictionary) -> devicemap.DeviceMap:
    """The device map a REDCap data dictionary implies (:func:`myoscope.redcap.plan_fields`: the
    same plan as ``cohort --map redcap:DICT.csv``). :raises InputFileError: naming every field
    that cannot be read honestly (no unit, units that disagree...)."""
    plan = plan_fields(d, load_catalog())
    if plan.problems:
        raise InputFileError(f"{d.path}: " + "; ".join(plan.problems))
    if not plan.fields:
        raise InputFileError(f"{d.path}: no field of the data dictionary is a record field "
                             "(name fields as the catalog does, or give --map)")
    columns = {m: devicemap.ColumnSpec.model_validate(
        {"from": p.column, **({"unit": p.unit, "doc": f"unit from the {p.unit_from}"} if p.unit else {})})
        for m, p in plan.fields.items()}
    return devicemap.DeviceMap(name=f"REDCap data dictionary {Path(d.path).name}", tool="redcap",
                               id=plan.record_id, columns=columns, not_mapped=plan.not_mapped)


def redcap_choices(d: Dictionary, dmap: devicemap.DeviceMap) -> dict[str, dict[str, str]]:
    """Coded answers of the dictionary's fields (code -> label), checking that every column the map
    reads is one the export can hold. :raises InputFileError: naming every one it cannot."""
    used = [n for spec in dmap.columns.values() for n in spec.names()]
    if isinstance(dmap.id, str):
        used.append(dmap.id)
    missing = [n for n in used if not d.has_column(n)]
    if missing:
        raise InputFileError(
            f"{d.path}: the data dictionary has no field(s) {', '.join(missing)} that the map reads"
        )
    return d.choices()


__all__ = ["FORMATS", "ImportedRecord", "MeasuresImport", "detect", "import_measures", "redcap_choices",
           "redcap_device_map"]
