"""SARC-F items are shown by the instrument's wording (measures.yaml), never by their ids: on the
visit form, in a bad form's problem summary, in the patient page's visits table and in the trace."""

from __future__ import annotations

import re
from html import unescape

import pytest
from fastapi.testclient import TestClient

from myoscope.errors import KnowledgeError
from myoscope.measures import load_catalog, parse_catalog
from myoscope.yamlio import load_yaml

from ..conftest import World, csrf_of


def visible(html: str) -> str:
    """The page's text as read: tags (and so ids in attributes) removed."""
    return unescape(re.sub(r"<[^>]+>", " ", re.sub(r"<(script|style)\b.*?</\1>", "", html, flags=re.S)))


def test_every_item_is_worded_by_the_catalog() -> None:
    sf = load_catalog().sarc_f
    lo, hi = sf.item_range
    for item_id in sf.items:
        item = sf.item(item_id)
        assert item.question.endswith("?") and item.label and item_id not in item.label
        assert sorted(item.answers) == list(range(lo, hi + 1))


def test_a_catalog_without_an_items_wording_is_refused() -> None:
    from importlib import resources

    raw = load_yaml(resources.files("myoscope.knowledge").joinpath("measures.yaml").read_text("utf-8"))
    del raw["sarc_f"]["wording"]["falls"]
    with pytest.raises(KnowledgeError, match="falls"):
        parse_catalog(raw)
    raw = load_yaml(resources.files("myoscope.knowledge").joinpath("measures.yaml").read_text("utf-8"))
    del raw["sarc_f"]["wording"]["strength"]["answers"][1]
    with pytest.raises(KnowledgeError, match="strength"):
        parse_catalog(raw)


def test_form_problems_page_and_trace_show_wording_not_ids(alice: TestClient, world: World) -> None:
    sf = load_catalog().sarc_f
    url = f"/patients/{world.patient_a}/visits"
    form = alice.get(url + "/new").text
    text = visible(form)
    for item_id in sf.items:
        item = sf.item(item_id)
        assert item.question in text, item_id
        for points, answer in item.answers.items():
            assert f"{points} — {answer}" in text, (item_id, points)
    token = csrf_of(form)
    r = alice.post(url, data={"csrf_token": token, "date": "2026-07-01", "sarc_f.falls": "7"})
    assert r.status_code == 422
    summary = visible(r.text.split('data-testid="problems"')[1].split("</div>")[0])
    assert "SARC-F falls" in summary and "sarc_f" not in summary
    answers = {"strength": "2", "assistance_walking": "1", "rise_from_chair": "0", "climb_stairs": "2",
               "falls": "1"}
    r = alice.post(url, data={"csrf_token": token, "date": "2026-07-01",
                              **{f"sarc_f.{k}": v for k, v in answers.items()}}, follow_redirects=False)
    assert r.status_code == 303
    page = alice.get(r.headers["location"]).text
    text = visible(page)
    for item_id, points in answers.items():
        item = sf.item(item_id)
        assert f"{item.label} {points} ({item.answer(int(points)).lower()})" in text, item_id  # visits table
        assert item.question in text, item_id  # the SARC-F trace lists each item with its question
    assert "SARC-F answers:" in text
    for raw in ("sarc_f.", "sarc_f_", "assistance_walking", "rise_from_chair", "climb_stairs",
                "assistance walking 1"):
        assert raw not in text, raw
