"""Records and helpers shared by the simulator tests."""

from __future__ import annotations

from typing import Any

import pytest

from myoscope.simulate.parameters import TrajectoryKnowledge, load_trajectory


@pytest.fixture(scope="session")
def kb() -> TrajectoryKnowledge:
    return load_trajectory()


@pytest.fixture
def older_woman() -> dict[str, Any]:
    """A 78-year-old woman with grip, DXA ASM and height measured (no gait speed projection)."""
    return {"sex": "female", "age": 78, "date": "2025-01-10", "height": 158, "weight": 53.1,
            "grip_strength": 17.5, "asm": 14.15, "asm_method": "dxa", "gait_speed": 0.9}
