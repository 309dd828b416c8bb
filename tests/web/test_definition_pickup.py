"""A definition added as a knowledge file reaches the web app's badges with no code change.

Issue 20 asks that the cohort engine, the kappa matrix, the prevalence chart, the registry's alerts
*and the web app's badges* pick a new definition up from the knowledge files alone. These tests
prove it for the web: one drops a new definition file into a copy of the knowledge directory and
finds its badge on the patient page (stored by the registry, rendered by the templates, coloured
by ``badge_kind``); the other checks the embedded knowledge base, so the next definition shipped
is covered the day its file arrives.

The patient list shows a fixed, short set of badges (``LIST_DEFINITIONS``) by design; the patient
page shows every definition. The list's set is checked against the registry of definitions so a
renamed or removed definition cannot leave a badge that never appears.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from myoscope.knowledge import load_knowledge
from myoscope.knowledge import loader as knowledge_loader
from myoscope.knowledge.loader import Knowledge, load_knowledge_from
from myoscope.web import views
from myoscope.web.patients import badge_kind
from myoscope.workup.loader import workup_knowledge

from .conftest import World, build_world, login

NEW_ID = "pickup2026"


def badges(html: str) -> dict[str, str]:
    """The verdict badges of a page: definition id -> badge kind (finding / none / undecided)."""
    found = re.findall(r'<span class="badge badge-(\w+)" data-testid="badge-([\w]+)"', html)
    return {d: kind for kind, d in found}


def verdict_table(html: str) -> str:
    """The 'Verdict under each definition' table of the patient page (every definition)."""
    m = re.search(r"<caption>Verdict under each definition.*?</table>", html, re.S)
    assert m, "no verdict table on the patient page"
    return m.group(0)


def knowledge_with_a_new_definition(tmp: Path) -> Knowledge:
    """A copy of the embedded knowledge with one more definition file and nothing else changed.

    The new file is SDOC 2020 under another id and title: any valid, cited definition would do."""
    source = Path(str(resources.files("myoscope.knowledge")))
    target = tmp / "knowledge"
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    text = (source / "definitions" / "sdoc2020.yaml").read_text("utf-8")
    text = text.replace("id: sdoc2020", f"id: {NEW_ID}", 1)
    text = re.sub(r"(?m)^title: .*$", "title: Pick-up test definition (a copy of SDOC 2020)", text, count=1)
    text = re.sub(r"(?m)^order: .*$", "order: 999", text, count=1)
    (target / "definitions" / f"{NEW_ID}.yaml").write_text(text, "utf-8")
    return load_knowledge_from(target)


@pytest.fixture
def extended(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Knowledge]:
    """The app's default knowledge replaced by the extended copy for one test (caches cleared)."""
    kb = knowledge_with_a_new_definition(tmp_path)
    workup_knowledge()  # cached from the embedded knowledge first, so the copy cannot leak into it
    monkeypatch.setattr(knowledge_loader, "_default", lambda: kb)
    views.titles.cache_clear()
    yield kb
    views.titles.cache_clear()


def test_a_new_definition_file_gets_its_badge_on_the_patient_page(extended: Knowledge, tmp_path: Path) -> None:
    assert load_knowledge() is extended and NEW_ID in extended.default_ids()
    world: World = build_world(tmp_path / "web.sqlite")
    with TestClient(world.app, base_url="http://testserver") as client:
        login(client, "alice")
        page = client.get(f"/patients/{world.patient_a}")
    assert page.status_code == 200, page.text
    shown = badges(verdict_table(page.text))
    assert set(shown) == set(extended.default_ids())
    # the stored verdict of the new definition decides its badge, as for any other definition
    assert shown[NEW_ID] in ("none", "undecided", "finding", "intermediate")
    assert "Pick-up test definition" in page.text  # its title, read from the file, names the badge


def test_the_patient_page_shows_a_badge_for_every_definition_of_the_knowledge(
    alice: TestClient, world: World
) -> None:
    kb = load_knowledge()
    page = alice.get(f"/patients/{world.patient_a}")
    assert page.status_code == 200, page.text
    shown = badges(verdict_table(page.text))
    assert set(shown) == set(kb.default_ids())
    # each badge's kind follows the knowledge (findings in interventions.yaml), not the template
    outcomes = dict(re.findall(r'data-testid="badge-(\w+)"\s+title="[^"]*">([^<]*)</span>', verdict_table(page.text)))
    for def_id, kind in shown.items():
        outcome = outcomes[def_id].strip().replace(" ", "_")
        assert outcome in kb.definition(def_id).vocabulary, (def_id, outcome)
        assert kind == badge_kind(def_id, outcome), def_id


def test_the_list_badges_name_definitions_of_the_knowledge() -> None:
    assert set(views.LIST_DEFINITIONS) <= set(load_knowledge().default_ids())


def test_a_prefrail_verdict_is_amber_not_the_green_of_a_normal_result() -> None:
    """Fried 2001 names one or two criteria an intermediate (prefrail) stage: the reviewer read the
    green badge as "nothing to see" (interventions.yaml ``intermediate``)."""
    assert [badge_kind("fried2001", o) for o in ("frail", "prefrail", "robust")] == [
        "finding", "intermediate", "none"]
