"""docs/fhir.md's worked example is executed: ``myoscope fhir import`` prints exactly what it shows."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

pytest.importorskip("fhir.resources")

from myoscope.cli import app

ROOT = Path(__file__).parents[2]


def test_fhir_import_example(monkeypatch: pytest.MonkeyPatch) -> None:
    text = (ROOT / "docs" / "fhir.md").read_text("utf-8")
    block = re.search(r"<!-- example:fhir-import -->\n```\n\$ myoscope (.*?)\n(.*?)```", text, re.S)
    assert block
    monkeypatch.chdir(ROOT)
    res = CliRunner().invoke(app, block.group(1).split())
    assert res.exit_code == 0
    assert res.output == block.group(2)
