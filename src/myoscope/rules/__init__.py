"""The rules engine: three-valued logic, node types, evaluation with a trace."""

from .logic import Truth, all3, alternatives3, any3, at_least3, not3
from .nodes import Compare, Composite, Context, Node, Ref, Score

__all__ = [
    "Compare",
    "Composite",
    "Context",
    "Node",
    "Ref",
    "Score",
    "Truth",
    "all3",
    "alternatives3",
    "any3",
    "at_least3",
    "not3",
]
