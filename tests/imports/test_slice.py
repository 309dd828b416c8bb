"""Area and attenuation computed from an L3 DICOM slice and its mask, on synthetic slices whose
answer is known: a disc of radius 100 pixels holds 31,417 lattice points (Gauss's circle problem,
N(100) = 31417), so at 0.7 mm x 0.7 mm it is exactly 31417 x 0.49 / 100 = 153.9433 cm²."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from myoscope.errors import InputFileError
from myoscope.imports import detect, import_measures
from myoscope.imports.slice import load_slice_knowledge, read_tag

from .helpers import disc_slice, write_dicom, write_tag

pytest.importorskip("pydicom")

AREA = 31417 * 0.7 * 0.7 / 100


def test_window_is_the_cited_one() -> None:
    k = load_slice_knowledge()
    assert (k.muscle_window.low, k.muscle_window.high, k.muscle_window.inclusive) == (-29, 150, True)
    assert k.muscle_window.source.ref == "aubrey_2014"  # prints the window (abstract read)
    assert (k.labels.muscle, k.labels.imat, k.labels.vat, k.labels.sat) == (1, 2, 5, 7)


def test_disc_with_a_tag_mask_gives_the_exact_area_and_attenuation(tmp_path: Path) -> None:
    stored, labels = disc_slice()
    img = write_dicom(tmp_path / "L3.dcm", stored)
    write_tag(tmp_path / "L3.dcm.tag", labels)
    assert detect(img) == "slice"
    res = import_measures(img, patient="P1")  # the mask is found beside the slice
    rec = res.records[0]
    assert rec.values["l3_muscle_area"] == {"value": round(AREA, 6), "unit": "cm2"}
    assert rec.values["l3_muscle_attenuation"] == {"value": 40.0, "unit": "HU"}
    prov = rec.provenance["l3_muscle_area"]
    assert prov["level"] == "L3 (not verified)" and prov["file"] == "L3.dcm" and "31417 pixels" in prov["method"]
    assert any("100 muscle-labelled pixels outside the window" in n for n in res.notes)


def test_rescale_slope_and_intercept_are_applied(tmp_path: Path) -> None:
    stored0, labels = disc_slice()
    hu = stored0.astype(float) - 1024
    disc = (labels == 1) & (hu == 40.0)
    hu[disc] = 30.0
    top = disc.copy()
    top[256:, :] = False
    hu[top] = 50.0  # top half of the disc 50 HU, the rest 30 HU
    stored = ((hu + 2048) / 2).astype(np.uint16)  # slope 2, intercept -2048
    img = write_dicom(tmp_path / "s.dcm", stored, slope=2.0, intercept=-2048.0)
    np.save(tmp_path / "s.npy", labels)
    rec = import_measures(img, mask=tmp_path / "s.npy").records[0]
    inside = (labels == 1) & (hu >= -29) & (hu <= 150)
    expected_mean = float(hu[inside].mean())
    assert rec.values["l3_muscle_attenuation"]["value"] == pytest.approx(expected_mean, abs=1e-6)
    assert 30 < expected_mean < 50  # both halves counted
    # the -100 HU labelled square is outside the window, so only the disc counts
    assert rec.values["l3_muscle_area"]["value"] == pytest.approx(AREA, abs=1e-6)


def test_window_bounds_are_inclusive(tmp_path: Path) -> None:
    labels = np.zeros((200, 200), dtype=np.uint8)
    hu = np.full((200, 200), -1000.0)
    labels[:100, :] = 1
    hu[:50, :] = -29.0
    hu[50:100, :] = 150.0
    labels[100:110, :] = 1
    hu[100:105, :] = -30.0  # just outside
    hu[105:110, :] = 151.0
    img = write_dicom(tmp_path / "w.dcm", (hu + 1024).astype(np.uint16), spacing=(1.0, 1.0))
    write_tag(tmp_path / "w.tag", labels, (1.0, 1.0))
    rec = import_measures(img, mask=tmp_path / "w.tag").records[0]
    assert rec.values["l3_muscle_area"]["value"] == 200.0  # 100 x 200 pixels of 1 mm²
    assert rec.values["l3_muscle_attenuation"]["value"] == pytest.approx(60.5)


def test_nifti_mask_is_read_in_dicom_order(tmp_path: Path) -> None:
    nib = pytest.importorskip("nibabel")
    stored, labels = disc_slice()
    img = write_dicom(tmp_path / "n.dcm", stored)
    nib.save(nib.Nifti1Image(labels.T.astype(np.uint8), np.eye(4)), str(tmp_path / "n.nii.gz"))
    rec = import_measures(img, mask=tmp_path / "n.nii.gz").records[0]
    assert rec.values["l3_muscle_area"]["value"] == pytest.approx(AREA, abs=1e-6)


def test_tag_header_and_pixels(tmp_path: Path) -> None:
    labels = np.arange(12, dtype=np.uint8).reshape(3, 4)
    arr, header, _ = read_tag(write_tag(tmp_path / "t.tag", labels, (0.5, 0.6)))
    assert arr is not None and arr.tolist() == labels.tolist()
    assert header["X"] == "4" and header["Y"] == "3" and header["INC_X"] == "0.6"


def test_mask_that_does_not_fit_the_slice(tmp_path: Path) -> None:
    stored, _labels = disc_slice(size=256, radius=60)
    img = write_dicom(tmp_path / "a.dcm", stored)
    np.save(tmp_path / "m.npy", np.zeros((128, 128), dtype=np.uint8))
    with pytest.raises(InputFileError, match=r"mask shape \(128, 128\) does not match the slice \(256, 256\)"):
        import_measures(img, mask=tmp_path / "m.npy")
    bad = tmp_path / "b.tag"
    bad.write_bytes(b"x:10 y:10 type:BYTE\r\n\x0c" + bytes(50))
    with pytest.raises(InputFileError, match="10 x 10 = 100 pixels, the file holds 50"):
        import_measures(img, mask=bad)


def test_slice_without_pixel_spacing_or_not_ct(tmp_path: Path) -> None:
    stored, labels = disc_slice(size=256, radius=60)
    np.save(tmp_path / "m.npy", labels)
    img = write_dicom(tmp_path / "a.dcm", stored, with_spacing=False, modality="MR")
    with pytest.raises(InputFileError) as e:
        import_measures(img, mask=tmp_path / "m.npy")
    assert "no PixelSpacing" in str(e.value) and "Modality is MR" in str(e.value)


def test_implausible_computed_area_is_refused(tmp_path: Path) -> None:
    stored, labels = disc_slice(size=256, radius=20)  # about 8.6 cm²: not an L3 muscle
    img = write_dicom(tmp_path / "a.dcm", stored)
    np.save(tmp_path / "m.npy", labels)
    with pytest.raises(Exception, match="implausible"):
        import_measures(img, mask=tmp_path / "m.npy")
