"""The myoscope version, in a module of its own so that any module may read it without
importing the package's public API (which imports those modules: an import circle)."""

__version__ = "0.1.0"
