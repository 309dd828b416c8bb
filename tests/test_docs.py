"""Docs are tested: generated pages are current, every command and definition is documented."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from myoscope import load_knowledge
from myoscope.cli import app
from myoscope.measures import catalog_markdown

ROOT = Path(__file__).parent.parent


def test_fields_page_is_generated_from_the_catalog() -> None:
    assert (ROOT / "docs" / "fields.md").read_text() == catalog_markdown(), (
        "docs/fields.md is stale: run `myoscope measures > docs/fields.md`")


def test_every_definition_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    missing = [d for d in load_knowledge().definitions if f"`{d}`" not in readme]
    assert not missing, f"README lacks definitions {missing}"


def test_every_command_has_help_and_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    runner = CliRunner()
    names = [c.name or (c.callback.__name__ if c.callback else "") for c in app.registered_commands]
    names += [g.name or "" for g in app.registered_groups]
    assert names
    for name in names:
        assert name
        result = runner.invoke(app, [name, "--help"])
        assert result.exit_code == 0, name
        assert f"myoscope {name}" in readme, f"README does not mention `myoscope {name}`"


def test_the_red_flag_table_in_the_workup_docs_is_current() -> None:
    from myoscope.report.workup import red_flags_markdown

    text = (ROOT / "docs" / "workup.md").read_text("utf-8")
    table = text.split("<!-- red-flags:start -->\n", 1)[1].split("<!-- red-flags:end -->", 1)[0]
    assert table == red_flags_markdown(), (
        "docs/workup.md's red-flag table is stale: paste myoscope.report.workup.red_flags_markdown()")


def test_definitions_page_tables_are_generated_from_the_knowledge() -> None:
    from myoscope.knowledge.comparison import definitions_markdown

    text = (ROOT / "docs" / "definitions.md").read_text()
    _head, sep, generated = text.partition("## Generated tables\n")
    assert sep, "docs/definitions.md lost its '## Generated tables' section"
    body = generated.lstrip("\n").split("\n\n", 1)[1]  # after the regeneration note
    assert body == definitions_markdown(load_knowledge()), (
        "docs/definitions.md is stale: run `myoscope definitions --markdown` and paste the output")
