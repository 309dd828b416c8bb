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
from fastapi.testclient import TestClient

from myoscope.web import i18n
from myoscope.web.errors import WebError
from myoscope.web.routes.public import PageGone
from myoscope.workup.loader import workup_knowledge

from .conftest import csrf_of

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "src" / "myoscope" / "web" / "templates"
#: the public pages and the shared error page (a person of the public reaches it too)
PUBLIC = [*sorted((TEMPLATES / "public").glob("*.html")), TEMPLATES / "errors" / "error.html"]
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


def _catalogue_ids() -> set[str]:
    with (i18n.LOCALE_DIR / "messages.pot").open("rb") as f:
        return {m.id for m in read_po(f) if m.id}


def test_the_error_page_and_the_clinician_wording_are_in_the_catalogue() -> None:
    """The shared error page (its frame, every error title, the fixed messages) and each red
    flag's clinician wording (shown under "What to say to the doctor") can be translated."""
    ids = _catalogue_ids()
    assert {"Back to the start", "Status {status}.", "there is no such page", "Method not allowed",
            "the error was logged (request {request_id})", "there is no guide page with that name",
            "the form has expired: please start the self-check again at /check"} <= ids
    titles = {c.title for c in [WebError, PageGone, *WebError.__subclasses__()]}
    assert titles <= ids, titles - ids
    flags = {f.text for f in workup_knowledge().spec.red_flags.values()}
    assert flags <= ids, flags - ids


def _german(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pairs: dict[str, str]) -> None:
    po = tmp_path / "de" / "LC_MESSAGES" / "messages.po"
    po.parent.mkdir(parents=True)
    po.write_text("".join(f'msgid "{k}"\nmsgstr "{v}"\n\n' for k, v in pairs.items()), "utf-8")
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    i18n.translations.cache_clear()


def test_the_error_page_and_the_doctor_wording_are_shown_translated(
    client: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    flag = workup_knowledge().spec.red_flags["acute_weakness_over_days"].text
    _german(tmp_path, monkeypatch, {"Not found": "Nicht gefunden", "Back to the start": "Zurück zum Anfang",
                                    "Status {status}.": "Status {status}.",
                                    "there is no guide page with that name": "Diese Seite gibt es nicht",
                                    flag: "Schwäche seit Tagen"})
    try:
        de = {"Accept-Language": "de"}
        r = client.get("/learn/no-such-cause", headers=de)
        assert r.status_code == 404
        assert "Nicht gefunden" in r.text and "Zurück zum Anfang" in r.text and "Diese Seite gibt es nicht" in r.text
        assert 'href="/check" data-testid="error-back"' in r.text  # a public page leads back to the check
        assert "Not found" in client.get("/learn/no-such-cause").text  # English without the header
        token = csrf_of(client.get("/check").text)
        story = {"csrf_token": token, "history.symptoms.weakness": "yes", "history.tempo": "days",
                 "history.course": "progressive"}
        r = client.post("/check/signs", data=story, headers=de)
        tell = r.text.split('data-testid="tell-doctor"', 1)[1].split("</ul>", 1)[0]
        assert "Schwäche seit Tagen" in tell and flag not in tell
    finally:
        i18n.translations.cache_clear()


def test_a_bad_answer_is_named_in_the_page_language_around_the_value(
    client: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _german(tmp_path, monkeypatch, {
        "{value} is implausible (expected {expected})": "{value} ist unplausibel (erwartet: {expected})",
        "cannot read {value} as a quantity (e.g. '70 {unit}')": "{value} ist keine Menge (z. B. '70 {unit}')"})
    try:
        token = csrf_of(client.get("/check").text)
        form = {"csrf_token": token, "age": "300", "weight": "abc", "unit.weight": "kg"}
        r = client.post("/check/result", data=form, headers={"Accept-Language": "de"})
        assert r.status_code == 422
        assert "300 years ist unplausibel (erwartet: 0–125 years)" in r.text
        assert "&#39;abc kg&#39; ist keine Menge (z. B. &#39;70 kg&#39;)" in r.text
        assert "implausible" not in r.text
        english = client.post("/check/result", data=form)
        assert "300 years is implausible (expected 0–125 years)" in english.text
    finally:
        i18n.translations.cache_clear()


def test_the_record_parsers_value_messages_are_in_the_catalogue() -> None:
    with (i18n.LOCALE_DIR / "messages.pot").open("rb") as f:
        ids = {m.id for m in read_po(f) if m.id}
    assert {"{value} is implausible (expected {expected})", "expected a number in {unit}, got {value}",
            "cannot read {value} as a quantity (e.g. '70 {unit}')"} <= ids
