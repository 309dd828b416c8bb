"""The machine faces of myoscope: the JSON API (``/api/v1``), FHIR R4 and CDS Hooks.

Like the CLI and the web pages they are thin: they turn requests into calls of the service layer
and its results (or its named errors) into responses. No clinical logic lives here.
"""
