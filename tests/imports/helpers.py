"""Synthetic files laid out as the tools write them (no copied sample files; docs/imports.md)."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

COMP2COMP_HEADER = ["Level", "Index", "Muscle HU", "Muscle CSA (cm^2)", "SAT HU", "SAT CSA (cm^2)",
                    "VAT HU", "VAT CSA (cm^2)", "IMAT HU", "IMAT CSA (cm^2)"]


def write_csv(path: Path, header: list[str], rows: list[list[object]], sep: str = ",") -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, delimiter=sep, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
    return path


def comp2comp_rows(l3_area: object = 142.25, l3_hu: object = 41.57) -> list[list[object]]:
    # the tool writes its rows in reverse slice order; SAT/IMAT values here are deliberately odd
    return [["L5", "/s/L5", 38.1, 150.2, -61.0, 12.0, -90.0, 120.0, -95.0, 200.0],
            ["L3", "/s/L3", l3_hu, l3_area, -60.0, 11.0, -92.0, 130.0, -97.0, 210.0],
            ["T12", "/s/T12", 40.0, 120.0, -62.0, 9.0, -91.0, 90.0, -96.0, 180.0]]


def write_dicom(path: Path, stored: np.ndarray, *, spacing: tuple[float, float] = (0.7, 0.7),
                slope: float = 1.0, intercept: float = -1024.0, modality: str | None = "CT",
                with_spacing: bool = True, description: str | None = None,
                comments: str | None = None) -> Path:
    """A minimal single-frame CT slice (uncompressed, little endian) written with pydicom."""
    from pydicom.dataset import FileDataset, FileMetaDataset
    from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian, generate_uid

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = CTImageStorage
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = FileDataset(str(path), {}, file_meta=meta, preamble=b"\0" * 128)
    ds.SOPClassUID = CTImageStorage
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    if modality:
        ds.Modality = modality
    if description is not None:
        ds.SeriesDescription = description
    if comments is not None:
        ds.ImageComments = comments
    ds.Rows, ds.Columns = stored.shape
    if with_spacing:
        ds.PixelSpacing = [spacing[0], spacing[1]]
    ds.RescaleSlope = slope
    ds.RescaleIntercept = intercept
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated = 16
    ds.BitsStored = 16
    ds.HighBit = 15
    ds.PixelRepresentation = 0
    ds.PixelData = stored.astype("<u2").tobytes()
    ds.save_as(str(path), enforce_file_format=True)
    return path


def write_tag(path: Path, labels: np.ndarray, spacing: tuple[float, float] = (0.7, 0.7), *,
              comment: str = "synthetic test mask", extra: str = "") -> Path:
    """A SliceOmatic tag file: ASCII key:value header lines, 0x0C, one label byte per pixel."""
    rows, cols = labels.shape
    head = (f"x:{cols} y:{rows} z:1 type:BYTE {extra}\r\n"
            f"inc_x:{spacing[1]} inc_y:{spacing[0]} * {comment}\r\n").encode("ascii")
    path.write_bytes(head + b"\x0c" + labels.astype(np.uint8).tobytes())
    return path


def disc_slice(radius: int = 100, size: int = 512, hu: float = 40.0) -> tuple[np.ndarray, np.ndarray]:
    """(stored values with intercept -1024, labels): a muscle disc of ``radius`` pixels at ``hu``,
    a muscle-labelled square at -100 HU (outside the window), an IMAT square at 40 HU."""
    yy, xx = np.mgrid[0:size, 0:size]
    c = size // 2
    disc = (yy - c) ** 2 + (xx - c) ** 2 <= radius * radius
    hu_img = np.full((size, size), -1000.0)
    labels = np.zeros((size, size), dtype=np.uint8)
    hu_img[disc] = hu
    labels[disc] = 1
    hu_img[10:20, 10:20] = -100.0  # labelled muscle, fat attenuation: excluded by the window
    labels[10:20, 10:20] = 1
    hu_img[30:40, 10:20] = 40.0  # IMAT label at muscle attenuation: not muscle
    labels[30:40, 10:20] = 2
    return (hu_img + 1024).astype(np.uint16), labels
