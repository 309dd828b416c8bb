"""Request dependencies: an integer id in a web path that no row can have is a 404, never a 500."""

from __future__ import annotations

from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from myoscope.registry.db import MAX_ID
from myoscope.web.routes import ROUTERS

from .conftest import World, csrf_of, login

#: beyond 64 bits: SQLite refuses to bind it (OverflowError), PostgreSQL's integer too
HUGE = 99999999999999999999


def _int_path_routes() -> list[tuple[str, str, list[str]]]:
    """Every web route (method, path, names of its integer path parameters) that takes an id."""
    out = []
    for route in (r for router in ROUTERS for r in router.routes):
        if not isinstance(route, APIRoute):
            continue
        ints = [p.name for p in route.dependant.path_params if p.field_info.annotation is int]
        if ints:
            out += [(method, route.path, ints) for method in sorted(route.methods)]
    return out


def test_every_int_path_id_beyond_the_database_is_404(client: TestClient, world: World) -> None:
    """Every web route with an integer id in its path, found from the routers (so a new one is
    walked too), answers an id no row can have as it answers an unknown id: a 404 page. Such an id
    reached the database, which refused to bind it (OverflowError: a 500)."""
    routes = _int_path_routes()
    walked = {(m, p) for m, p, _ in routes}
    # the walk is not empty, and reaches the routes the reviewer found
    for expected in (
        ("GET", "/patients/{patient_id}"),
        ("GET", "/patients/{patient_id}/timeline.svg"),
        ("GET", "/patients/{patient_id}/projection.svg"),
        ("GET", "/patients/{patient_id}/report.{fmt}"),
        ("GET", "/patients/{patient_id}/visits/new"),
        ("GET", "/patients/{patient_id}/visits/{visit_id}/correct"),
        ("POST", "/admin/users/{user_id}"),
    ):
        assert expected in walked, expected
    login(client, "adam")  # an admin: clinical pages and the admin pages alike
    token = csrf_of(client.get("/admin/users").text)
    known = {"patient_id": str(world.patient_a), "visit_id": str(world.visit_a), "user_id": "1"}
    tried = 0
    for method, path, ints in routes:
        for name in ints:
            for bad in (HUGE, MAX_ID + 1, -HUGE):
                url = path.replace("{fmt}", "pdf")
                for other, value in known.items():
                    url = url.replace("{" + other + "}", str(bad) if other == name else value)
                r = client.request(
                    method,
                    url,
                    data={"csrf_token": token} if method == "POST" else None,
                    follow_redirects=False,
                )
                assert r.status_code == 404, (method, url, r.status_code)
                assert "<h1>" in r.text, (method, url)
                tried += 1
    assert tried >= 3 * len(walked)


def test_an_id_within_range_still_reaches_the_route(alice: TestClient, world: World) -> None:
    """The bound turns away only ids no row can have: the largest one is an ordinary unknown id,
    and a real patient's page still opens."""
    assert alice.get(f"/patients/{MAX_ID}").status_code == 404
    assert alice.get(f"/patients/{world.patient_a}").status_code == 200
    assert alice.get("/patients/abc").status_code == 400  # not an integer: a bad request, as before


def test_an_anonymous_request_is_sent_to_sign_in_before_the_id_is_judged(client: TestClient) -> None:
    r = client.get(f"/patients/{HUGE}", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
