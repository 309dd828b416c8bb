"""One YAML reader for every knowledge and input file: libyaml's C loader when present.

The pure-Python loader costs about a second on the knowledge base at every start; the C loader
parses the same safe subset (no arbitrary objects) several times faster.
"""

from __future__ import annotations

from typing import Any

import yaml

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

YAMLError = yaml.YAMLError


def load_yaml(text: str | bytes) -> Any:
    """Parse YAML safely (no object construction)."""
    return yaml.load(text, Loader=_LOADER)
