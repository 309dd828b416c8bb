"""Muscle area and attenuation computed from one CT slice at L3 and its tissue mask.

Area = pixels labelled muscle whose attenuation lies within the cited window (knowledge
``ct_slice.yaml``: -29 to +150 HU, inclusive) x pixel area (DICOM PixelSpacing, mm); attenuation
= the mean HU of those pixels. HU = stored value x RescaleSlope + RescaleIntercept. The mask is a
SliceOmatic ``.tag`` file (ASCII ``key:value`` header ended by byte 0x0C, then one label byte per
pixel, rows top to bottom), a NumPy ``.npy`` array or a NIfTI image (nibabel) of the same shape.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from ..errors import InputFileError, KnowledgeError, MissingDependencyError
from ..knowledge.loader import load_references
from .result import ImportedRecord, MeasuresImport
from .slice_level import DICOM_TEXTS, check_level

FF = b"\x0c"
#: a mask file larger than this is refused (a 512 x 512 slice is 256 KiB as a tag file)
MAX_MASK_BYTES = 64 << 20


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Source(_Strict):
    ref: str
    locator: str


class _Window(_Strict):
    low: float
    high: float
    unit: str
    inclusive: bool
    source: _Source


class _Labels(_Strict):
    muscle: int
    imat: int
    vat: int
    sat: int
    source: _Source


class SliceKnowledge(_Strict):
    version: str
    muscle_window: _Window
    labels: _Labels


@cache
def load_slice_knowledge() -> SliceKnowledge:
    """``knowledge/ct_slice.yaml``, every source checked against the references."""
    text = resources.files("myoscope.knowledge").joinpath("ct_slice.yaml").read_text("utf-8")
    try:
        k = SliceKnowledge.model_validate(yaml.safe_load(text))
    except ValidationError as exc:
        raise KnowledgeError(f"ct_slice.yaml: {exc.errors()[0]['loc']}: {exc.errors()[0]['msg']}") from None
    _, refs = load_references(Path(str(resources.files("myoscope.knowledge"))))
    for src in (k.muscle_window.source, k.labels.source):
        if src.ref not in refs:
            raise KnowledgeError(f"ct_slice.yaml: unknown reference {src.ref!r}")
    if not k.muscle_window.low < k.muscle_window.high:
        raise KnowledgeError("ct_slice.yaml: muscle_window low must be below high")
    return k


#: the keywords of SliceOmatic's TAG header (help, Appendix D); any other key may be a site's
#: own (``level:``) and is read for the slice level
TAG_KEYWORDS = frozenset({
    "X", "Y", "Z", "TYPE", "ORG_X", "ORG_Y", "ORG_Z", "DIM_X", "DIM_Y", "INC_X", "INC_Y", "EPAIS",
    "DIR_H_X", "DIR_H_Y", "DIR_H_Z", "DIR_V_X", "DIR_V_Y", "DIR_V_Z", "UID", "CHKSUM",
})
#: the header entry holding the tag header's comments (never a keyword: keywords are letters)
TAG_COMMENTS = "*"


@dataclass
class Slice:
    hu: np.ndarray
    spacing: tuple[float, float]  # mm between rows, between columns
    notes: list[str]
    #: (where, text) of the DICOM elements that may name the level (slice_level.DICOM_TEXTS)
    texts: list[tuple[str, str]] = field(default_factory=list)


def read_dicom(path: str | Path) -> Slice:
    """HU and pixel spacing of a single-frame CT DICOM file. :raises InputFileError:"""
    try:
        import pydicom
        from pydicom.errors import InvalidDicomError
    except ImportError:
        raise MissingDependencyError(
            "reading DICOM needs pydicom: pip install 'myoscope[imaging]'"
        ) from None
    p = Path(path)
    try:
        ds = pydicom.dcmread(p)
    except FileNotFoundError:
        raise InputFileError(f"{p}: no such file") from None
    except (InvalidDicomError, OSError, ValueError) as exc:
        raise InputFileError(f"{p}: not a DICOM file ({type(exc).__name__})") from None
    problems = []
    if "PixelSpacing" not in ds:
        problems.append("no PixelSpacing (the area of a pixel is unknown)")
    if "RescaleSlope" not in ds or "RescaleIntercept" not in ds:
        problems.append("no RescaleSlope/RescaleIntercept (stored values cannot be turned into HU)")
    modality = str(ds.get("Modality", ""))
    if modality and modality != "CT":
        problems.append(f"Modality is {modality}, not CT (Hounsfield units exist only on CT)")
    if problems:
        raise InputFileError(f"{p}: " + "; ".join(problems))
    try:
        stored = ds.pixel_array
    except Exception as exc:  # compressed without a decoder, truncated pixel data...
        raise InputFileError(
            f"{p}: cannot read the pixel data ({type(exc).__name__}: {str(exc)[:120]})"
        ) from None
    if stored.ndim != 2:
        raise InputFileError(f"{p}: expected one slice (2-D pixels), got an array of shape {stored.shape}")
    hu = stored.astype(np.float64) * float(ds.RescaleSlope) + float(ds.RescaleIntercept)
    row_mm, col_mm = (float(x) for x in ds.PixelSpacing)
    if not (row_mm > 0 and col_mm > 0):
        raise InputFileError(f"{p}: PixelSpacing {row_mm}, {col_mm} is not positive")
    notes = [] if modality else [f"{p.name}: no Modality element; read as CT"]
    texts = [(f"DICOM {k}", str(ds.get(k))) for k in DICOM_TEXTS if ds.get(k) not in (None, "")]
    return Slice(hu, (row_mm, col_mm), notes, texts)


def read_tag(path: str | Path) -> tuple[np.ndarray | None, dict[str, str], bytes]:
    """A SliceOmatic tag file: (labels or None when no x/y in the header, header, label bytes).

    The header maps upper-case keywords to values; its comments (after ``*``) are kept under
    :data:`TAG_COMMENTS`, since a comment is where a person may have written the slice's level."""
    p = Path(path)
    data = _bytes(p)
    end = data.find(FF)
    if end < 0:
        raise InputFileError(f"{p}: not a SliceOmatic tag file (no 0x0C byte ending the header)")
    try:
        head = data[:end].decode("ascii")
    except UnicodeDecodeError:
        raise InputFileError(f"{p}: the tag header is not ASCII text") from None
    header: dict[str, str] = {}
    comments = []
    for line in head.splitlines():
        line, star, comment = line.partition("*")  # '*' starts a comment
        if star and comment.strip():
            comments.append(comment.strip())
        for key, value in re.findall(r"([A-Za-z_]+)\s*:\s*([^\s,]+)", line):
            header[key.upper()] = value
    if comments:
        header[TAG_COMMENTS] = " | ".join(comments)
    pixels = data[end + 1 :]
    labels = None
    if "X" in header and "Y" in header:
        try:
            x, y = int(header["X"]), int(header["Y"])
        except ValueError:
            raise InputFileError(
                f"{p}: tag header x:{header['X']} y:{header['Y']} are not whole numbers"
            ) from None
        if len(pixels) != x * y:
            raise InputFileError(
                f"{p}: the header says {x} x {y} = {x * y} pixels, the file holds {len(pixels)}"
            )
        labels = np.frombuffer(pixels, dtype=np.uint8).reshape(y, x)
    return labels, header, pixels


def read_mask(path: str | Path, shape: tuple[int, int]) -> tuple[np.ndarray, list[str], dict[str, str]]:
    """Labels of the same shape as the slice, from a .tag, .npy or NIfTI file."""
    p = Path(path)
    name = p.name.lower()
    notes: list[str] = []
    header: dict[str, str] = {}
    if name.endswith(".tag"):
        labels, header, pixels = read_tag(p)
        if labels is None:
            if len(pixels) != shape[0] * shape[1]:
                raise InputFileError(
                    f"{p}: {len(pixels)} label bytes do not fit the {shape[0]} x {shape[1]} slice"
                )
            labels = np.frombuffer(pixels, dtype=np.uint8).reshape(shape)
    elif name.endswith(".npy"):
        _bytes(p, check_only=True)
        try:
            arr = np.load(p, allow_pickle=False)
        except (ValueError, OSError) as exc:
            raise InputFileError(f"{p}: not a NumPy array file ({type(exc).__name__})") from None
        labels = np.squeeze(arr)
    elif name.endswith((".nii", ".nii.gz")):
        try:
            import nibabel
        except ImportError:
            raise MissingDependencyError(
                "reading NIfTI needs nibabel: pip install 'myoscope[imaging]'"
            ) from None
        _bytes(p, check_only=True)
        try:
            img = nibabel.load(str(p))
            arr = np.asarray(img.dataobj)  # type: ignore[attr-defined]
        except Exception as exc:  # nibabel raises several kinds for a bad file
            raise InputFileError(f"{p}: not a NIfTI image ({type(exc).__name__})") from None
        # NIfTI stores x (columns) first; a DICOM slice is rows first
        labels = np.squeeze(arr).T if np.squeeze(arr).ndim == 2 else np.squeeze(arr)
        notes.append(f"{p.name}: NIfTI mask transposed to the DICOM row/column order")
        descrip = _nifti_descrip(img)
        if descrip:
            header["DESCRIP"] = descrip
    else:
        raise InputFileError(f"{p}: unknown mask type (expected .tag, .npy, .nii or .nii.gz)")
    if labels.ndim != 2 or tuple(labels.shape) != tuple(shape):
        raise InputFileError(
            f"{p}: mask shape {tuple(labels.shape)} does not match the slice {tuple(shape)}"
        )
    if not np.issubdtype(labels.dtype, np.integer):
        if not np.all(np.equal(np.mod(labels, 1), 0)):
            raise InputFileError(f"{p}: mask values must be whole-number labels")
        labels = labels.astype(np.int64)
    return labels, notes, header


def _nifti_descrip(img: Any) -> str:
    """The NIfTI header's free-text ``descrip`` (empty when absent or unreadable)."""
    try:
        raw = img.header["descrip"]
        text = raw.item() if hasattr(raw, "item") else raw
        return (text.decode("ascii", "replace") if isinstance(text, bytes) else str(text)).strip("\x00 ")
    except (KeyError, AttributeError, ValueError):
        return ""


def mask_texts(header: dict[str, str]) -> list[tuple[str, str]]:
    """The mask header's texts that may name the level: comments and keys not in the TAG format."""
    out = []
    for key, value in header.items():
        if key == TAG_COMMENTS:
            out.append(("mask header comment", value))
        elif key == "DESCRIP":
            out.append(("mask NIfTI descrip", value))
        elif key not in TAG_KEYWORDS:
            out.append((f"mask header {key.lower()}:", value))
    return out


def _bytes(p: Path, check_only: bool = False) -> bytes:
    try:
        size = p.stat().st_size
        if size > MAX_MASK_BYTES:
            raise InputFileError(f"{p}: {size:,} bytes is too large for one slice's mask")
        return b"" if check_only else p.read_bytes()
    except FileNotFoundError:
        raise InputFileError(f"{p}: no such file") from None
    except IsADirectoryError:
        raise InputFileError(f"{p} is a folder, not a file") from None


@dataclass
class MuscleMeasure:
    area_cm2: float
    attenuation_hu: float | None
    pixels: int
    excluded_pixels: int


def measure_muscle(
    hu: np.ndarray,
    labels: np.ndarray,
    spacing: tuple[float, float],
    knowledge: SliceKnowledge | None = None,
) -> MuscleMeasure:
    """Area (cm²) and mean attenuation (HU) of the muscle-labelled pixels within the window."""
    k = knowledge or load_slice_knowledge()
    w = k.muscle_window
    labelled = labels == k.labels.muscle
    inside = (hu >= w.low) & (hu <= w.high) if w.inclusive else (hu > w.low) & (hu < w.high)
    chosen = labelled & inside
    n = int(chosen.sum())
    area = n * spacing[0] * spacing[1] / 100.0  # mm² -> cm²
    mean = float(hu[chosen].mean()) if n else None
    return MuscleMeasure(area, mean, n, int(labelled.sum()) - n)


def import_slice(image: str | Path, mask: str | Path, *, patient: str | None = None) -> MeasuresImport:
    """Read an L3 DICOM slice and its mask into a record fragment with provenance."""
    from ..measures import load_catalog
    from .mapped import _field

    k = load_slice_knowledge()
    sl = read_dicom(image)
    labels, notes, header = read_mask(mask, sl.hu.shape)
    notes = sl.notes + notes
    level = check_level(sl.texts + mask_texts(header))  # before any arithmetic: a wrong level stops here
    if "INC_X" in header and "INC_Y" in header:
        try:
            inc = (float(header["INC_Y"]), float(header["INC_X"]))
            if any(abs(a - b) > 1e-3 for a, b in zip(inc, sl.spacing, strict=True)):
                notes.append(
                    f"{Path(mask).name}: tag pixel spacing {inc[1]:g} x {inc[0]:g} mm differs from the "
                    f"DICOM PixelSpacing {sl.spacing[1]:g} x {sl.spacing[0]:g} mm; the DICOM's is used"
                )
        except ValueError:
            pass
    m = measure_muscle(sl.hu, labels, sl.spacing, k)
    w = k.muscle_window
    if m.pixels == 0:
        raise InputFileError(
            f"{mask}: no pixel labelled muscle ({k.labels.muscle}) lies within "
            f"{w.low:g} to {w.high:g} HU; is this the mask of this slice?"
        )
    cat = load_catalog()
    problems: list[Any] = []
    where = f"{Path(image).name} + {Path(mask).name}"
    area = _field(cat.measures["l3_muscle_area"], m.area_cm2, "cm2", cat, where, problems)
    atten = _field(cat.measures["l3_muscle_attenuation"], m.attenuation_hu, "HU", cat, where, problems)
    if problems:
        from ..errors import MeasuresImportError

        raise MeasuresImportError(problems, str(mask))
    method = (
        f"{m.pixels} pixels labelled {k.labels.muscle} within {w.low:g} to {w.high:g} HU "
        f"x {sl.spacing[1]:g} x {sl.spacing[0]:g} mm"
    )
    entry = {
        "tool": "myoscope-slice",
        "file": Path(image).name,
        "level": level.provenance_level,
        "method": method,
        "note": f"mask {Path(mask).name}",
    }
    values: dict[str, Any] = {"l3_muscle_area": area, "l3_muscle_attenuation": atten}
    if patient is not None:
        values = {"id": patient, **values}
    rec = ImportedRecord(
        values=values, provenance={"l3_muscle_area": dict(entry), "l3_muscle_attenuation": dict(entry)}
    )
    notes.append(
        f"slice: muscle = pixels labelled {k.labels.muscle} within {w.low:g} to {w.high:g} HU "
        f"(knowledge ct_slice.yaml, {w.source.ref}); {m.excluded_pixels} muscle-labelled pixels "
        f"outside the window were left out."
    )
    notes.append(level.note)
    return MeasuresImport(
        file=str(image), format="slice", tool="myoscope-slice", records=[rec], notes=notes
    )


__all__ = [
    "MuscleMeasure",
    "SliceKnowledge",
    "import_slice",
    "load_slice_knowledge",
    "mask_texts",
    "measure_muscle",
    "read_dicom",
    "read_mask",
    "read_tag",
]
