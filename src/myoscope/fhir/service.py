"""FHIR in → the pathway → FHIR out, the one sequence every face runs (CLI, ``$assess``, CDS Hooks)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from ..pathway import PathwayResult, run_pathway
from ..record import parse_record
from . import r4b
from .exporting import export_bundle, export_resources
from .importing import ImportResult, import_bundle


@dataclass
class FhirAssessment:
    """What was read from FHIR, the pathway result made from it, and the resources it gives."""

    imported: ImportResult
    result: PathwayResult

    @property
    def patient_ref(self) -> str:
        return self.imported.patient_ref or f"Patient/{self.imported.record.get('id', 'unknown')}"

    def resources(self) -> list[r4b.Resource]:
        return export_resources(self.result, self.patient_ref, self.imported.as_of, self.imported.input_refs)

    def bundle(self) -> dict[str, Any]:
        """The out resources and an OperationOutcome of the import report, as one Bundle."""
        resources = [*self.resources(), import_outcome(self.imported)]
        return r4b.to_json(export_bundle(resources))

    def to_dict(self) -> dict[str, Any]:
        """The assessment contract (DESIGN §6) with the import report under ``fhir_import``."""
        return {**self.result.to_dict(), "fhir_import": self.imported.to_dict()}


def import_outcome(imported: ImportResult) -> r4b.OperationOutcome:
    """The import report as OperationOutcome issues: unknown codes and dropped entries (warning),
    notes (information). It travels with the result so that nothing is dropped silently."""
    issues: list[dict[str, Any]] = [
        {
            "severity": "warning",
            "code": "code-invalid",
            "diagnostics": f"unknown code {', '.join(u.codes) or '(none)'}",
            "expression": [u.ref],
        }
        for u in imported.unknown
    ]
    issues += [
        {"severity": "warning", "code": "informational", "diagnostics": d.reason, "expression": [d.ref]}
        for d in imported.dropped
    ]
    issues += [{"severity": "information", "code": "informational", "diagnostics": n} for n in imported.notes]
    if not issues:
        issues = [{"severity": "information", "code": "informational", "diagnostics": "every entry was read"}]
    outcome: r4b.OperationOutcome = r4b.OperationOutcome.model_validate(
        {"resourceType": "OperationOutcome", "id": "myoscope-import", "issue": issues}
    )
    return outcome


def assess_fhir(data: Any, as_of: date | None = None, plan: bool = True) -> FhirAssessment:
    """Import ``data`` and run the pathway on the record it gives (``plan=False``: without the
    treatment plan, for a face that shows none, such as the CDS hook's cards).

    :raises FhirInputError: when ``data`` is not FHIR; RecordValidationError when the record it
        gives is invalid (a Patient without a usable gender has no sex: every bad field named).
    """
    imported = import_bundle(data, as_of=as_of)
    record = parse_record(imported.record, source=imported.patient_ref or "FHIR input")
    return FhirAssessment(imported=imported, result=run_pathway(record, plan=plan))
