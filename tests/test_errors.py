"""``Problem.of``: a message made from a catalogue template keeps the template and its values, so
a face can show it in another language; equality is by place and message only."""

from __future__ import annotations

from typing import Any

from myoscope.errors import Problem


def test_of_fills_the_template_and_keeps_it() -> None:
    p = Problem.of("age", "{value} is implausible (expected {expected})", value="300 years", expected="0–125")
    assert p.message == "300 years is implausible (expected 0–125)"
    assert p.template == "{value} is implausible (expected {expected})"
    assert p == Problem("age", "300 years is implausible (expected 0–125)")  # the template is not compared


def test_translated_goes_through_gettext_with_the_values() -> None:
    def shout(message: str, **values: Any) -> str:
        return message.upper().replace("{VALUE}", "{value}").format(**values)

    assert Problem.of("x", "bad {value}", value="'a'").translated(shout) == "BAD 'a'"
    assert Problem("x", "no template").translated(shout) == "no template"
