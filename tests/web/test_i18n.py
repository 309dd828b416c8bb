"""Internationalisation of the public pages: every visible string goes through gettext, the
catalogue template is current, English is complete, and a new language is one catalogue file."""

from __future__ import annotations

import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from myoscope.web import i18n

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "src" / "myoscope" / "web" / "templates"
PUBLIC = sorted((TEMPLATES / "public").glob("*.html"))
#: attributes whose text a person reads or hears
SPOKEN_ATTRS = {"alt", "title", "aria-label", "placeholder"}


class _Literals(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_data(self, data: str) -> None:
        if re.search(r"[A-Za-z]", data):
            self.found.append(data.strip())

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found += [f"{k}={v}" for k, v in attrs if k in SPOKEN_ATTRS and v and re.search(r"[A-Za-z]", v)]


def literals(template: str) -> list[str]:
    """Visible text left once every Jinja expression, statement and comment is removed."""
    bare = re.sub(r"\{#.*?#\}|\{%.*?%\}|\{\{.*?\}\}", " ", template, flags=re.S)
    parser = _Literals()
    parser.feed(bare)
    return parser.found


@pytest.mark.parametrize("path", PUBLIC, ids=lambda p: p.name)
def test_no_untranslated_literal_in_public_templates(path: Path) -> None:
    assert literals(path.read_text("utf-8")) == []


def test_the_check_can_fail() -> None:
    assert literals('<p>{{ _("ok") }} Not translated</p><img alt="a chart">') == ["Not translated", "alt=a chart"]


def test_the_catalogue_template_is_current(tmp_path: Path) -> None:
    pybabel = Path(sys.executable).with_name("pybabel")
    out = tmp_path / "messages.pot"
    subprocess.run([str(pybabel), "extract", "-F", "babel.cfg", "--no-location", "--omit-header", "-o", str(out), "."],
                   cwd=ROOT, check=True, capture_output=True)
    with out.open("rb") as f:
        fresh = {m.id for m in read_po(f) if m.id}
    with (i18n.LOCALE_DIR / "messages.pot").open("rb") as f:
        committed = {m.id for m in read_po(f) if m.id}
    assert fresh == committed, "messages.pot is stale: run scripts/i18n_update.py"
    assert "How much difficulty do you have in lifting and carrying 10 pounds?" in fresh  # knowledge texts too


def test_english_is_complete() -> None:
    with (i18n.LOCALE_DIR / "messages.pot").open("rb") as f:
        ids = {m.id for m in read_po(f) if m.id}
    with (i18n.LOCALE_DIR / "en" / "LC_MESSAGES" / "messages.po").open("rb") as f:
        en = {m.id: m.string for m in read_po(f) if m.id}
    assert set(en) == ids
    assert all(en[i] for i in ids)


def test_a_new_language_is_one_catalogue_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    po = tmp_path / "de" / "LC_MESSAGES" / "messages.po"
    po.parent.mkdir(parents=True)
    po.write_text('msgid "Your result"\nmsgstr "Ihr Ergebnis"\n\nmsgid "Score: {value}"\nmsgstr "Wert: {value}"\n',
                  "utf-8")
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    i18n.translations.cache_clear()
    try:
        assert i18n.available() == ["en", "de"]
        assert i18n.choose("de-DE,de;q=0.9,en;q=0.5") == "de"
        assert i18n.choose("fr") == "en"
        _ = i18n.gettext_for("de")
        assert _("Your result") == "Ihr Ergebnis"
        assert _("Score: {value}", value=3) == "Wert: 3"
        assert _("Not in the catalogue") == "Not in the catalogue"
    finally:
        i18n.translations.cache_clear()
