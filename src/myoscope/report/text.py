"""Text made safe to hand to the renderers (vl-convert, WeasyPrint, a UTF-8 encoder)."""

from __future__ import annotations

from typing import Any


def valid_text(value: Any) -> Any:
    """``value`` with every string made valid Unicode, recursively (dict keys and values, lists).

    A JSON body may carry a lone surrogate (``"\\ud800"``, in a record's id for instance) and
    Python keeps it in a str, but vl-convert, WeasyPrint and ``str.encode("utf-8")`` refuse it: the
    report would fail with a 500. A lone surrogate becomes U+FFFD (the replacement character); a
    surrogate pair given as two escapes becomes the character it stands for. Valid text comes back
    unchanged (the same object), so the check costs one encode."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
        return value
    if isinstance(value, dict):
        return {valid_text(k): valid_text(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [valid_text(v) for v in value]
    return value
