"""The patient page's cache: the same page as without it, a new row (visit, correction) shows at
once, and an entry is reused only for the very row it was made from."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from fastapi.testclient import TestClient

from myoscope.registry.models import Assessment
from myoscope.web.page_cache import PageCache, assessment_key

from .conftest import build_world, csrf_of, login


def _stable(html: str) -> str:
    """The page without what differs per request (CSRF token, request ids)."""
    return re.sub(r'name="csrf_token" value="[^"]*"', "", html)


def test_cached_page_equals_the_uncached_one_and_a_new_visit_shows_at_once(tmp_path: Path) -> None:
    world = build_world(tmp_path / "w.sqlite")
    cache: PageCache = world.app.state.page_cache
    assert cache.size > 0
    with TestClient(world.app) as c:
        login(c, "alice")
        url = f"/patients/{world.patient_a}"
        first = c.get(url).text
        misses, hits = cache.misses, cache.hits
        second = c.get(url).text
        assert cache.hits == hits + 2 and cache.misses == misses  # the result and the fragments
        size = cache.size
        cache.size = 0  # off: rebuilt and rendered on every request, as before the cache
        uncached = c.get(url).text
        cache.size = size
        assert _stable(first) == _stable(second) == _stable(uncached)
        assert 'data-testid="verdict-ewgsop2"' in first
        # a new visit makes a new assessment row: the page shows its verdicts, not the cached ones
        token = csrf_of(c.get(url + "/visits/new").text)
        r = c.post(url + "/visits", data={"csrf_token": token, "date": "2026-08-01", "grip_strength": "40",
                                          "gait_speed": "1.3", "height": "160", "weight": "60", "asm": "20",
                                          "asm_method": "dxa", "chair_stand_time": "9"},
                   follow_redirects=False)
        assert r.status_code == 303
        after = c.get(url).text
        assert "Latest assessment (2026-08-01)" in after
        cache.size = 0
        assert _stable(c.get(url).text) == _stable(after)
        cache.size = size


def test_key_names_the_row_and_the_knowledge() -> None:
    a = Assessment(id=7, visit_id=3, created_at=datetime(2026, 1, 1, tzinfo=UTC), knowledge_version="k1")
    same = Assessment(id=7, visit_id=3, created_at=datetime(2026, 1, 1, tzinfo=UTC), knowledge_version="k1")
    reused = Assessment(id=7, visit_id=3, created_at=datetime(2026, 2, 1, tzinfo=UTC), knowledge_version="k1")
    other = Assessment(id=7, visit_id=4, created_at=datetime(2026, 1, 1, tzinfo=UTC), knowledge_version="k1")
    older = Assessment(id=7, visit_id=3, created_at=datetime(2026, 1, 1, tzinfo=UTC), knowledge_version="k0")
    assert assessment_key(a) == assessment_key(same)
    assert len({assessment_key(x) for x in (a, reused, other, older)}) == 4


def test_cache_is_bounded_and_size_zero_makes_every_time() -> None:
    cache = PageCache(2)
    made: list[int] = []
    for k in (1, 2, 1, 3, 2):
        cache.get_or_make(k, lambda k=k: made.append(k) or k)  # type: ignore[func-returns-value]
    assert made == [1, 2, 3, 2] and len(cache) == 2  # 1 was reused; 2 left when 3 came (LRU)
    off = PageCache(0)
    for _ in range(3):
        off.get_or_make("x", lambda: made.append(0))  # type: ignore[func-returns-value]
    assert made.count(0) == 3 and len(off) == 0


def test_timeline_chart_is_cached_under_its_numbers(tmp_path: Path) -> None:
    world = build_world(tmp_path / "w.sqlite")
    cache: PageCache = world.app.state.page_cache
    with TestClient(world.app) as c:
        login(c, "alice")
        url = f"/patients/{world.patient_a}"
        first = c.get(url + "/timeline.svg").text
        hits = cache.hits
        assert c.get(url + "/timeline.svg").text == first and cache.hits == hits + 1
        token = csrf_of(c.get(url + "/visits/new").text)
        r = c.post(url + "/visits", data={"csrf_token": token, "date": "2026-08-01", "grip_strength": "31"},
                   follow_redirects=False)
        assert r.status_code == 303
        after = c.get(url + "/timeline.svg").text
        assert after != first and cache.hits == hits + 1  # new numbers: drawn again, not the old chart
        size = cache.size
        cache.size = 0
        assert c.get(url + "/timeline.svg").text == after  # the cached chart is the one drawn afresh
        cache.size = size


def test_projection_chart_key_is_the_content_it_is_drawn_from() -> None:
    """A projection chart is cached under the record it projects, the patient and the scenario:
    a reused assessment id, a correction or another database's patient of the same id cannot be
    served another chart."""
    from myoscope.web.projection import chart_key

    data = {"sex": "female", "age": 81, "weight": 50, "date": "2026-01-01"}
    key = chart_key(data, 1, "ageing_central")
    assert key == chart_key(dict(reversed(list(data.items()))), 1, "ageing_central")
    assert key != chart_key({**data, "weight": 49}, 1, "ageing_central")
    assert key != chart_key(data, 2, "ageing_central")
    assert key != chart_key(data, 1, "bed_rest")
