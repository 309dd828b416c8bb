"""The FHIR code table is data, checked on load: cited, and naming real definitions and outcomes."""

from __future__ import annotations

import pytest

pytest.importorskip("fhir.resources")

from myoscope.errors import KnowledgeError
from myoscope.fhir import codes
from myoscope.knowledge import load_knowledge


def test_the_table_loads_and_every_code_is_cited() -> None:
    table = codes.load_codes()
    refs = load_knowledge().references
    assert {o.code for o in table.observations} >= {"29463-7", "8302-2", "39156-5", "1988-5", "1751-7",
                                                    "83174-3", "83173-5", "83172-7", "89423-8"}
    assert all(o.source in refs for o in table.observations)
    assert [c.code for c in table.conditions] == ["M62.84", "E43", "E44.0", "E88.A"]
    assert "E44.1" not in {c.code for c in table.conditions} and "R64" not in {c.code for c in table.conditions}


def test_an_uncited_code_or_unknown_outcome_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    raw = codes.load_yaml(
        codes.resources.files("myoscope.knowledge").joinpath("interop/fhir.yaml").read_text("utf-8"))
    for change, message in (
        (lambda d: d["observations"][0].update(source="nowhere"), "unknown reference 'nowhere'"),
        (lambda d: d["conditions"][0]["when"].update(ewgsop2=["very_severe"]), "has no outcome 'very_severe'"),
    ):
        data = __import__("copy").deepcopy(raw)
        change(data)
        monkeypatch.setattr(codes, "load_yaml", lambda _text, data=data: data)
        codes.load_codes.cache_clear()
        with pytest.raises(KnowledgeError, match=message):
            codes.load_codes()
    monkeypatch.undo()
    codes.load_codes.cache_clear()
    assert codes.load_codes().version


def test_every_loinc_code_is_verified_and_its_source_shows_code_and_display() -> None:
    """No code rests on the design alone: each row's reference names the page read, and what it
    says it read there carries the code and the display the table writes."""
    table = codes.load_codes()
    refs = load_knowledge().references
    assert {o.status for o in table.observations} == {"verified"}
    for o in table.observations:
        ref = refs[o.source]
        assert ref.url and ref.read_in, o.code
        seen = f"{ref.title} {ref.read_in}"
        assert o.code in seen, (o.code, o.source)
        assert o.display.rstrip("]").split(" [")[0][:20] in seen, (o.code, o.display)
    tug = next(o for o in table.observations if o.code == "89423-8")
    assert tug.display == "Time to rise from chair, walk 10 feet and back, and return to sitting [TUG]"
