"""FHIR R4 in and out (docs/fhir.md): a Bundle becomes a record, a pathway result becomes resources.

Needs the ``fhir`` extra (fhir.resources). Every FHIR model is imported through :mod:`.r4b`;
every code comes from ``knowledge/interop/fhir.yaml`` through :mod:`.codes`. The functions here
are pure (no network, no database): the CLI, the web app and the CDS Hooks service call them.
"""
