"""Re-extract the public pages' messages and update every catalogue (docs/self-check.md).

    .venv/bin/python scripts/i18n_update.py

Writes ``src/myoscope/web/locale/messages.pot`` (templates, public route strings and the
plain-language knowledge texts, per babel.cfg) and merges it into each
``locale/<lang>/LC_MESSAGES/messages.po``. English is the source language: its catalogue is
completed with each message as its own translation, so it is always complete.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
LOCALE = ROOT / "src" / "myoscope" / "web" / "locale"
POT = LOCALE / "messages.pot"


def main() -> int:
    pybabel = Path(sys.executable).with_name("pybabel")
    common = ["--no-location", "--sort-output", "--omit-header"]
    subprocess.run([str(pybabel), "extract", "-F", "babel.cfg", *common, "-o", str(POT), "."],
                   cwd=ROOT, check=True, capture_output=True)
    with POT.open("rb") as f:
        template = read_po(f)
    for po in sorted(LOCALE.glob("*/LC_MESSAGES/messages.po")):
        lang = po.parent.parent.name
        with po.open("rb") as f:
            catalog = read_po(f, locale=lang)
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        if lang == "en":
            for message in catalog:
                if message.id and not message.string:
                    message.string = message.id
        tmp = po.with_suffix(".tmp")
        with tmp.open("wb") as f:
            write_po(f, catalog, omit_header=True, no_location=True, sort_output=True, width=100)
        tmp.replace(po)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
