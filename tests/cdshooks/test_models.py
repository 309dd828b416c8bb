"""Card rules of the CDS Hooks 2.0 specification, one test per rule; indicators from urgency."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from myoscope.cdshooks.cards import INDICATOR
from myoscope.cdshooks.models import Action, Card, HookRequest, Link, Source, Suggestion

SRC = Source(label="EWGSOP2", url="https://doi.org/10.1093/ageing/afy169")


def test_summary_must_be_under_140_characters() -> None:
    Card(summary="x" * 139, indicator="info", source=SRC)
    with pytest.raises(ValidationError, match="under 140"):
        Card(summary="x" * 140, indicator="info", source=SRC)


def test_indicator_is_one_of_three() -> None:
    with pytest.raises(ValidationError):
        Card(summary="s", indicator="hard-stop", source=SRC)  # type: ignore[arg-type]


def test_suggestions_need_selection_behavior() -> None:
    with pytest.raises(ValidationError, match="selectionBehavior"):
        Card(summary="s", indicator="info", source=SRC, suggestions=[Suggestion(label="do")])


def test_create_action_needs_a_resource() -> None:
    with pytest.raises(ValidationError, match="needs a resource"):
        Action(type="create", description="add")


def test_links_are_absolute() -> None:
    with pytest.raises(ValidationError, match="absolute"):
        Link(label="page", url="/patients/1", type="absolute")


def test_app_context_only_on_smart_links() -> None:
    with pytest.raises(ValidationError, match="smart"):
        Link(label="page", url="https://x.test/", type="absolute", appContext="a")


def test_source_url_absolute() -> None:
    with pytest.raises(ValidationError):
        Source(label="x", url="doi:10.1/2")


def test_urgency_sets_the_indicator() -> None:
    assert INDICATOR["emergency"] == "critical" and INDICATOR["urgent"] == "warning"
    assert INDICATOR.get("soon", "info") == "info"


@pytest.mark.parametrize(
    "server",
    [
        "http://x:abc/fhir",
        "http://x/f\x00",
        "http://x:99999/fhir",
        "http://x/fhir?a=b",
        "http://x/fhir#f",
        "ftp://x/fhir",
    ],
)
def test_fhir_server_is_a_base_url_httpx_can_request(server: str) -> None:
    """Refused here (a 400 naming fhirServer), not when the service reads it (httpx raised
    InvalidURL there: a 500)."""
    with pytest.raises(ValidationError) as err:
        HookRequest(hook="patient-view", hookInstance="i", context={}, fhirServer=server)
    assert [e["loc"] for e in err.value.errors()] == [("fhirServer",)]
    ok = HookRequest(
        hook="patient-view", hookInstance="i", context={}, fhirServer="https://ehr.test:8443/fhir/"
    )
    assert ok.fhirServer == "https://ehr.test:8443/fhir"
