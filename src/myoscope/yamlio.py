"""One YAML reader for every knowledge and input file: libyaml's C parser when present.

The pure-Python loader costs about a second on the knowledge base at every start; the C loader
parses the same safe subset (no arbitrary objects) several times faster.

Knowledge files are ours and trusted; input files (records, scenarios, visits) are not, so they
are read by :func:`load_input_yaml`, a loader that refuses what a record never needs and an
attacker can abuse: aliases (a 351-byte "billion laughs" document expands to gigabytes when a
message renders it), duplicate keys (YAML's "last one wins" hides a typo such as a second
``weight``), deep nesting, and integers too long to convert. Timestamps stay text, so that an
impossible date (``2025-02-30``) or a date-time where a date belongs is reported by the field's
own validator, naming the field, instead of failing inside the YAML library.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import yaml
from yaml.composer import Composer, ComposerError
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.events import AliasEvent, SequenceEndEvent, SequenceStartEvent, StreamEndEvent
from yaml.nodes import MappingNode, Node, ScalarNode
from yaml.resolver import Resolver

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_PARSER: Any = getattr(yaml, "CParser", None)

YAMLError = yaml.YAMLError

#: Deepest nesting of lists and objects an input file may have (a record needs about 4).
MAX_DEPTH = 32
#: Longest integer literal an input may hold; Python refuses to convert 4,300 digits or more.
MAX_INT_DIGITS = 30


def load_yaml(text: str | bytes) -> Any:
    """Parse a trusted YAML file (knowledge) safely: no object construction."""
    return yaml.load(text, Loader=_LOADER)


class _InputConstructor(SafeConstructor):
    """Safe construction, minus the surprises: duplicate keys, long integers, timestamp objects."""

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            if not isinstance(key_node, ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            try:
                first = seen.get(key)
            except TypeError:
                continue  # unhashable: the base class reports it
            if first is not None:
                raise ConstructorError(
                    None, None, f"duplicate key {_short(key)} (first given on line {first})",
                    key_node.start_mark,
                )
            seen[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)  # type: ignore[no-any-return]

    def construct_yaml_int(self, node: ScalarNode) -> int:
        digits = sum(c.isdigit() for c in str(node.value))
        if digits > MAX_INT_DIGITS:
            raise ConstructorError(
                None, None, f"a number of {digits} digits is too long (at most {MAX_INT_DIGITS})",
                node.start_mark,
            )
        return super().construct_yaml_int(node)  # type: ignore[no-any-return]

    def construct_yaml_timestamp(self, node: Node) -> Any:  # type: ignore[override]
        return self.construct_scalar(node)  # type: ignore[arg-type]


_InputConstructor.add_constructor(  # type: ignore[type-var]
    "tag:yaml.org,2002:int", _InputConstructor.construct_yaml_int
)
_InputConstructor.add_constructor(  # type: ignore[type-var]
    "tag:yaml.org,2002:timestamp", _InputConstructor.construct_yaml_timestamp
)


class _InputComposer(Composer):
    """The node composer, refusing aliases and nesting deeper than :data:`MAX_DEPTH`."""

    _depth = 0
    check_event: Any  # from the parser this class is mixed with
    peek_event: Any

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        if self.check_event(AliasEvent):
            event = self.peek_event()
            raise ComposerError(None, None, "aliases (*name) are not allowed in input files; "
                                "write the value out", event.start_mark)
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise ComposerError(None, None, f"nested more than {MAX_DEPTH} levels deep",
                                    self.peek_event().start_mark)
            return super().compose_node(parent, index)  # type: ignore[no-any-return]
        finally:
            self._depth -= 1


if _PARSER is not None:
    class _InputLoader(_InputComposer, _PARSER, _InputConstructor, Resolver):  # type: ignore[misc,valid-type]
        def __init__(self, stream: Any) -> None:
            _PARSER.__init__(self, stream)
            _InputComposer.__init__(self)
            _InputConstructor.__init__(self)
            Resolver.__init__(self)
else:  # pragma: no cover - PyYAML without libyaml
    from yaml.parser import Parser
    from yaml.reader import Reader
    from yaml.scanner import Scanner

    class _InputLoader(Reader, Scanner, Parser, _InputComposer, _InputConstructor, Resolver):  # type: ignore[no-redef,misc]
        def __init__(self, stream: Any) -> None:
            Reader.__init__(self, stream)
            Scanner.__init__(self)
            Parser.__init__(self)
            _InputComposer.__init__(self)
            _InputConstructor.__init__(self)
            Resolver.__init__(self)


def load_input_yaml(text: str) -> Any:
    """Parse an untrusted YAML input (one document). :raises yaml.YAMLError: with a position."""
    loader = _InputLoader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def iter_input_yaml(stream: Any, documents: list[int] | None = None) -> Iterator[tuple[Any, str]]:
    """The values of an untrusted YAML stream, composed and constructed one at a time, with the
    rules of :func:`load_input_yaml`, each with where it stands: ``item`` (of a document that is a
    list), ``only`` (the one document of the stream) or ``document`` (one of several).

    The items of a list are handed out one by one, so a file of 100,000 records (one list, or
    ``---``-separated documents) is never held whole, as node trees or as data. ``stream`` is
    text or a text stream (read in chunks). ``documents``, when given, receives the number of
    documents read (an empty list is a document with no values).

    :raises yaml.YAMLError: with a position, when met (after the values before it).
    """
    loader = _InputLoader(stream)
    count = 0
    try:
        loader.get_event()  # stream start
        while not loader.check_event(StreamEndEvent):
            loader.get_event()  # document start
            count += 1
            if loader.check_event(SequenceStartEvent):
                loader.get_event()
                loader._depth = 1  # the list itself is one level
                while not loader.check_event(SequenceEndEvent):
                    yield _construct(loader, loader.compose_node(None, None)), "item"
                loader._depth = 0
                loader.get_event()  # sequence end
                loader.get_event()  # document end
            else:
                node = loader.compose_node(None, None)
                loader.get_event()  # document end
                alone = count == 1 and loader.check_event(StreamEndEvent)
                yield _construct(loader, node), ("only" if alone else "document")
    finally:
        if documents is not None:
            documents.append(count)
        loader.dispose()


def _construct(loader: Any, node: Node | None) -> Any:
    loader.anchors = {}  # no alias may refer back: nothing composed is kept
    return None if node is None else loader.construct_document(node)


def yaml_error_message(exc: yaml.YAMLError) -> str:
    """What went wrong and where (line, column), without the file's lines that PyYAML quotes."""
    problem = getattr(exc, "problem", None) or getattr(exc, "context", None) or type(exc).__name__
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
    return f"{where}{problem}"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:80] + "..."
