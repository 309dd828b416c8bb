"""myoscope: find, stage, explain and follow muscle wasting under every consensus definition."""

from .assess import Assessment
from .errors import (
    KnowledgeError,
    MyoscopeError,
    RecordValidationError,
    UnknownDefinitionError,
)
from .knowledge import load_knowledge
from .pathway import PathwayResult, assess, run_pathway
from .record import Record, load_records, parse_record
from .version import __version__

__all__ = [
    "Assessment",
    "KnowledgeError",
    "MyoscopeError",
    "PathwayResult",
    "Record",
    "RecordValidationError",
    "UnknownDefinitionError",
    "__version__",
    "assess",
    "load_knowledge",
    "load_records",
    "parse_record",
    "run_pathway",
]
