"""Text handed to the renderers: a lone surrogate is replaced, valid text is left alone."""

from __future__ import annotations

from myoscope.report.text import valid_text

LONE = "\ud800"


def test_a_lone_surrogate_becomes_the_replacement_character_anywhere_in_a_structure() -> None:
    got = valid_text({"title": f"pa-{LONE}", "data": [{LONE: ("x", 1.5, None)}], "n": 3})
    assert got == {"title": "pa-\ufffd", "data": [{"\ufffd": ["x", 1.5, None]}], "n": 3}
    assert str(got).encode("utf-8")  # every string now encodes


def test_a_surrogate_pair_given_as_two_escapes_is_the_character_it_encodes() -> None:
    assert valid_text("a\ud83d\ude00b") == "a\U0001f600b"


def test_valid_text_is_returned_unchanged() -> None:
    text = "Größe 160 cm, \U0001f600"
    assert valid_text(text) is text
