"""The loader refuses uncited or malformed knowledge and versions what it loads."""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path

import pytest
import yaml

from myoscope import KnowledgeError, UnknownDefinitionError, load_knowledge
from myoscope.knowledge.loader import load_knowledge_from

PACKAGE = Path(str(resources.files("myoscope.knowledge")))

MINIMAL = {
    "id": "toy",
    "title": "Toy",
    "version": "1",
    "source": {"ref": "cruz_jentoft_2019"},
    "population": {"text": "test", "source": {"ref": "cruz_jentoft_2019"}},
    "outcomes": ["low", "normal"],
    "components": {
        "weak": {
            "source": {"ref": "cruz_jentoft_2019", "locator": "Table 3"},
            "compare": {"measure": "grip_strength", "comparator": "<", "cutoffs": [{"value": 27}]},
        }
    },
    "rules": [{"outcome": "low", "when": "weak"}, {"outcome": "normal", "when": {"not": "weak"}}],
}


@pytest.fixture
def kdir(tmp_path: Path) -> Path:
    target = tmp_path / "knowledge"
    shutil.copytree(PACKAGE, target, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return target


def write(kdir: Path, spec: dict[str, object]) -> None:
    (kdir / "definitions" / "toy.yaml").write_text(yaml.safe_dump(spec, sort_keys=False))


def test_embedded_knowledge_loads_with_a_version() -> None:
    kb = load_knowledge()
    assert kb.version.startswith("2026.11.0+") and len(kb.version.split("+")[1]) == 8
    assert {"ewgsop2", "ewgsop1", "awgs2019", "fnih2014", "sdoc2020", "iwgs2011", "sarc_f",
            "sarc_calf", "sarc_calf_original"} <= set(kb.definitions)
    assert "sarc_calf_original" not in kb.default_ids()


def test_a_valid_toy_definition_loads(kdir: Path) -> None:
    write(kdir, MINIMAL)
    kb = load_knowledge_from(kdir)
    assert kb.definition("toy").vocabulary == ["low", "normal", "indeterminate"]


def test_version_changes_with_content(kdir: Path) -> None:
    before = load_knowledge_from(kdir).version
    write(kdir, MINIMAL)
    assert load_knowledge_from(kdir).version != before


def test_refuses_a_cut_off_without_citation(kdir: Path) -> None:
    spec = yaml.safe_load(yaml.safe_dump(MINIMAL))
    del spec["components"]["weak"]["source"]
    write(kdir, spec)
    with pytest.raises(KnowledgeError, match="a compare node needs a source"):
        load_knowledge_from(kdir)


def test_refuses_unknown_keys(kdir: Path) -> None:
    spec = yaml.safe_load(yaml.safe_dump(MINIMAL))
    spec["components"]["weak"]["compare"]["threshold"] = 3
    write(kdir, spec)
    with pytest.raises(KnowledgeError, match="Extra inputs are not permitted"):
        load_knowledge_from(kdir)


@pytest.mark.parametrize(("path", "value", "message"), [
    (("source", "ref"), "nobody_2099", "unknown reference 'nobody_2099'"),
    (("components", "weak", "compare", "measure"), "grip", "unknown measure 'grip'"),
    (("rules", 0, "when"), "strong", "strong: unknown component"),
    (("rules", 0, "outcome"), "very_low", "outcome 'very_low' is not in outcomes"),
    (("components", "weak", "compare", "comparator"), "=<", "Input should be"),
])
def test_refuses_broken_references(kdir: Path, path: tuple[object, ...], value: object, message: str) -> None:
    spec = yaml.safe_load(yaml.safe_dump(MINIMAL))
    target = spec
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    write(kdir, spec)
    with pytest.raises(KnowledgeError, match=message):
        load_knowledge_from(kdir)


def test_refuses_an_outcome_no_rule_gives(kdir: Path) -> None:
    spec = yaml.safe_load(yaml.safe_dump(MINIMAL))
    spec["outcomes"].append("borderline")
    write(kdir, spec)
    with pytest.raises(KnowledgeError, match="no rule gives"):
        load_knowledge_from(kdir)


def test_refuses_a_self_referring_component(kdir: Path) -> None:
    spec = yaml.safe_load(yaml.safe_dump(MINIMAL))
    spec["components"]["loop"] = {"all": ["loop", "weak"]}
    write(kdir, spec)
    with pytest.raises(KnowledgeError, match="refers to itself"):
        load_knowledge_from(kdir)


def test_refuses_a_reference_without_identifier(kdir: Path) -> None:
    (kdir / "references").mkdir(exist_ok=True)
    (kdir / "references" / "extra.yaml").write_text(yaml.safe_dump(
        {"references": {"anon": {"authors": "Anon", "year": 2020, "title": "Untraceable"}}}))
    with pytest.raises(KnowledgeError, match="needs a doi, pmid or url"):
        load_knowledge_from(kdir)


def test_unknown_definition_id() -> None:
    with pytest.raises(UnknownDefinitionError, match="unknown definition 'ewgsop3'"):
        load_knowledge().definition("ewgsop3")


def test_every_compare_and_score_node_cites_a_known_reference() -> None:
    kb = load_knowledge()
    for d in kb.definitions.values():
        assert d.source.ref in kb.references
        for node in d.components.values():
            src = getattr(node, "source", None)
            if src is not None:
                assert src.ref in kb.references, f"{d.id}: {src.ref}"
