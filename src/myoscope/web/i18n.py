"""Translations of the public pages (gettext catalogues read with Babel).

Every user-facing string of the public templates goes through ``_()``; the plain-language texts
of the knowledge base go through ``_()`` too, so a catalogue can translate them (the extractor
below puts them into ``messages.pot``). A language is one catalogue file:
``web/locale/<lang>/LC_MESSAGES/messages.po`` (docs/self-check.md). The catalogue is compiled in
memory when first used, so no binary ``.mo`` file is kept in the repository.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import IO, Any

from babel import Locale, negotiate_locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from ..errors import N_ as N_  # re-exported: the web marks its messages with the same function
from ..yamlio import load_yaml

LOCALE_DIR = Path(__file__).parent / "locale"
DEFAULT = "en"


def available() -> list[str]:
    """The languages with a catalogue (``en`` first)."""
    found = sorted(p.parent.parent.name for p in LOCALE_DIR.glob("*/LC_MESSAGES/messages.po"))
    return [DEFAULT, *[x for x in found if x != DEFAULT]]


@cache
def translations(lang: str) -> Translations:
    po = LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po"
    if not po.exists():
        return Translations()
    with po.open("rb") as f:
        catalog = read_po(f, locale=Locale.parse(lang))
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return Translations(buf)


def choose(accept_language: str | None) -> str:
    """The best available language for an ``Accept-Language`` header (English otherwise)."""
    wanted = [part.split(";")[0].strip().replace("-", "_") for part in (accept_language or "").split(",")]
    return negotiate_locale([w for w in wanted if w], available(), sep="_") or DEFAULT


def gettext_for(lang: str) -> Callable[..., str]:
    """``_("Score: {value}", value=5)``: the translated message, then ``str.format`` with the
    keywords (placeholders are named, so a translation may reorder them)."""
    t = translations(lang)

    def _(message: str, **values: Any) -> str:
        text = t.gettext(message) if message else message
        return text.format(**values) if values else text

    return _


# --- extraction of knowledge texts (babel.cfg: [myoscope.web.i18n:extract_knowledge: ...]) ---------

#: keys whose string values are identifiers or citations, never shown as prose
_NOT_PROSE = {"ref", "locator", "field", "kind", "version", "parameter", "looks_for", "id", "answer",
              "in", "choices", "months", "when", "source", "urgency", "group", "gate", "for", "against",
              "course_source", "reversible_source", "text_source"}
#: in causes.yaml only the patient wording is shown on the public pages
_PATIENT_KEYS = {"patient", "patient_action", "patient_label", "patient_summary", "patient_disclaimer"}


def _walk(node: Any, key: str | None, patient_only: bool) -> Iterator[str]:
    if isinstance(node, dict):
        for k, v in node.items():
            if str(k) not in _NOT_PROSE:
                yield from _walk(v, str(k), patient_only)
    elif isinstance(node, list):
        for v in node:
            yield from _walk(v, key, patient_only)
    elif isinstance(node, str) and (not patient_only or key in _PATIENT_KEYS):
        yield node.strip()


def knowledge_texts(text: str, patient_only: bool, red_flag_text: bool = False) -> list[str]:
    """The plain-language texts of one knowledge file; with ``red_flag_text`` also each red
    flag's clinician wording (``red_flags.<id>.text``), which the get-help page shows a person
    under "What to say to the doctor"."""
    data = load_yaml(text)
    found = list(_walk(data, None, patient_only))
    if red_flag_text and isinstance(data, dict):
        found += [str(f["text"]).strip() for f in (data.get("red_flags") or {}).values()
                  if isinstance(f, dict) and f.get("text")]
    return list(dict.fromkeys(t for t in found if t))


def extract_knowledge(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: dict[str, Any]
) -> Iterator[tuple[int, str, str, list[str]]]:
    """Babel extractor for the knowledge YAML files: every plain-language text is a message."""
    patient_only = str(options.get("patient_only", "")).lower() == "true"
    red_flag_text = str(options.get("red_flag_text", "")).lower() == "true"
    for text in knowledge_texts(fileobj.read().decode("utf-8"), patient_only, red_flag_text):
        yield 0, "_", text, []
