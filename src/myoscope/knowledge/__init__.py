"""Cited clinical knowledge (YAML data) and its schema-validated loader."""

from .loader import Knowledge, load_knowledge

__all__ = ["Knowledge", "load_knowledge"]
