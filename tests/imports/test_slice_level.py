"""The level of a slice imported as L3: a DICOM description or a mask header naming another
vertebra is an error naming it; one naming L3 verifies it; when nothing names the level the import
says, in the provenance, the notes and the assessment trace, that the level was not verified."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from myoscope.assess import assess
from myoscope.cli import app
from myoscope.errors import SliceLevelError
from myoscope.imports import import_measures
from myoscope.imports.slice_level import check_level, levels_in
from myoscope.record import parse_record

from .helpers import disc_slice, write_dicom, write_tag

pytest.importorskip("pydicom")


@pytest.mark.parametrize(("text", "levels"), [
    ("AX L3", ["L3"]), ("l3 vertebra", ["L3"]), ("L-4 axial", ["L4"]), ("T12/L1", ["T12", "L1"]),
    ("L3-L4 disc", ["L3", "L4"]), ("Abdomen 5.0 B30f", []), ("Thorax 1.0", []), ("L7 T13", []),
    ("CL3 PL4", []),
])
def test_levels_named_in_a_text(text: str, levels: list[str]) -> None:
    assert levels_in(text) == levels


def _slice(tmp_path: Path, *, description: str | None = None, comments: str | None = None,
           tag_comment: str = "synthetic test mask", tag_extra: str = "") -> Path:
    stored, labels = disc_slice(radius=80, size=200)
    img = write_dicom(tmp_path / "s.dcm", stored, description=description, comments=comments)
    write_tag(tmp_path / "s.dcm.tag", labels, comment=tag_comment, extra=tag_extra)
    return img


def test_a_dicom_description_naming_another_level_is_an_error(tmp_path: Path) -> None:
    img = _slice(tmp_path, description="AX 5mm L4")
    with pytest.raises(SliceLevelError, match=r"DICOM SeriesDescription 'AX 5mm L4' names L4, not L3"):
        import_measures(img)


def test_every_source_naming_another_level_is_named(tmp_path: Path) -> None:
    img = _slice(tmp_path, description="L3 axial", comments="T12", tag_comment="slice at L5",
                 tag_extra="level:L4")
    with pytest.raises(SliceLevelError) as info:
        import_measures(img)
    text = str(info.value)
    assert "DICOM ImageComments 'T12' names T12" in text
    assert "mask header comment 'slice at L5' names L5" in text
    assert "mask header level: 'L4' names L4" in text
    assert "SeriesDescription" not in text  # the one naming L3 is not a problem


def test_a_text_naming_l3_verifies_the_level(tmp_path: Path) -> None:
    res = import_measures(_slice(tmp_path, comments="L3 mid-vertebra"))
    prov = res.records[0].provenance["l3_muscle_area"]
    assert prov["level"] == "L3 (read in DICOM ImageComments)"
    assert "slice level: L3, read in DICOM ImageComments." in res.notes


def test_a_tag_level_key_verifies_the_level(tmp_path: Path) -> None:
    res = import_measures(_slice(tmp_path, tag_extra="level:L3"))
    assert res.records[0].provenance["l3_muscle_area"]["level"] == "L3 (read in mask header level:)"


def test_unknown_level_is_recorded_as_not_verified_and_traced(tmp_path: Path) -> None:
    res = import_measures(_slice(tmp_path, description="Abdomen 5.0 B30f"))
    rec = res.records[0]
    assert rec.provenance["l3_muscle_area"]["level"] == "L3 (not verified)"
    assert any(n.startswith("slice level not verified: neither the DICOM") for n in res.notes)
    values = {k: v for k, v in rec.values.items() if k != "id"}
    record = parse_record({**values, "provenance": rec.provenance, "sex": "female", "height": 160,
                           "weight": 60, "age": 70, "conditions": ["cancer"]})
    text = assess(record, ["ct_martin2013"]).detail()
    assert "l3_muscle_area from myoscope-slice (s.dcm, level L3 (not verified)" in text


def test_several_levels_with_l3_verify_nothing(tmp_path: Path) -> None:
    res = import_measures(_slice(tmp_path, description="L3-L4"))
    assert res.records[0].provenance["l3_muscle_area"]["level"] == "L3 (not verified)"
    assert any("DICOM SeriesDescription 'L3-L4' name several levels" in n for n in res.notes)


def test_check_level_alone() -> None:
    assert not check_level([]).verified
    assert check_level([("a", "L3"), ("b", "nothing")]).evidence == ["a"]


def test_cli_wrong_level_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    img = _slice(tmp_path, description="T12")
    out = tmp_path / "rec.yaml"
    r = CliRunner().invoke(app, ["import-measures", str(img), "-o", str(out)])
    assert r.exit_code == 2
    assert "names T12, not L3" in r.stderr and "Traceback" not in r.stderr
    assert not out.exists()


def test_nifti_descrip_is_read(tmp_path: Path) -> None:
    nibabel = pytest.importorskip("nibabel")
    stored, labels = disc_slice(radius=80, size=200)
    img = write_dicom(tmp_path / "s.dcm", stored)
    nii = nibabel.Nifti1Image(labels.T.astype(np.uint8), np.eye(4))
    nii.header["descrip"] = b"muscle mask L4"
    nibabel.save(nii, str(tmp_path / "m.nii.gz"))
    with pytest.raises(SliceLevelError, match="mask NIfTI descrip 'muscle mask L4' names L4"):
        import_measures(img, mask=tmp_path / "m.nii.gz")
