"""The registry stores every definition's verdict for a visit, read from the knowledge files:
a new definition file (AWGS 2025) needs no registry change. On SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from myoscope import load_knowledge
from myoscope.registry import repo


def test_a_stored_visit_has_a_verdict_under_every_definition(factory: sessionmaker[Session]) -> None:
    with factory.begin() as s:
        repo.add_patient(s, pseudonym="MEI-01", sex="F", birth_date="1952-03-01", actor="dr-test")
        # AWGS 2025, women 65+ BIA: grip 15 < 18 kg; ASM/BMI 13.5 / 26.67 = 0.506 < 0.57 (Table 2)
        r = repo.add_visit(s, pseudonym="MEI-01", actor="dr-test", data={
            "date": "2025-06-01", "asian": True, "height": 150, "weight": 60, "grip_strength": 15,
            "asm": 13.5, "asm_method": "bia"})
    kb = load_knowledge()
    assert set(kb.default_ids()) <= set(r.outcomes)
    assert r.outcomes["awgs2025"] == "sarcopenia"
    with factory() as s:
        view = repo.show_patient(s, pseudonym="MEI-01", actor="dr-test")
        assert view.visits[0].outcomes["awgs2025"] == "sarcopenia"
