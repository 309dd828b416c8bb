"""CDS Hooks 2.0 (docs/cds-hooks.md): the ``patient-view`` service, its cards, client JWTs, feedback.

A face over :mod:`myoscope.fhir.service` and the pathway: the cards only say what the pathway
decided (verdicts, red flags with their urgency, missing measures), nothing is decided here.
"""
