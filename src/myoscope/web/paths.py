"""Path families that the app's middleware, error pages and dependencies treat apart (one
definition, so that a page family added later is added once)."""

from __future__ import annotations

#: machine faces that no cookie authenticates (CDS Hooks: a signed JWT; FHIR $assess: an API
#: bearer token), so a cross-site request cannot ride a session there; an EHR in a browser may call them
NO_COOKIE_PATHS = ("/cds-services", "/fhir/")

#: the paths of the public pages (no sign-in; docs/self-check.md)
PUBLIC_PATHS = ("/check", "/learn")
