"""Writing output files safely: one rule for every command that writes a file.

- The folder must exist: a typo in a path is reported, not silently created.
- An output of ``-`` is refused: inputs read ``-`` as standard input, so a file named ``-`` would
  surprise (where a command prints, it prints when its output option is left out).
- An output may not be one of the inputs (``cohort in.csv --out in.csv`` used to destroy the input),
  nor a symbolic link, a device or a pipe, which the rename would replace.
- Every file is written under a temporary name in the same folder and renamed over the target
  only when the whole run succeeded, so a failed run leaves no half-written file and leaves an
  earlier file of that name untouched.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from .errors import OutputFileError


def _same(a: Path, b: Path) -> bool:
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
    except OSError:
        pass
    return a.resolve() == b.resolve()


def check_output(
    path: str | Path,
    inputs: Iterable[str | Path | None] = (),
    option: str = "output",
    outputs: Mapping[str, str | Path | None] | None = None,
) -> Path:
    """Refuse an output whose folder is missing, that is a folder, or that is one of ``inputs``
    or of the run's other ``outputs`` (named by their option: one would overwrite the other).

    :raises OutputFileError: naming the option and the path.
    """
    p = Path(path)
    if str(p) == "-":  # an input of "-" is standard input; an output of "-" would be a file named so
        raise OutputFileError(
            f"{option} -: give a file name (a command that prints does so when {option} is left out)"
        )
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.is_dir():
        raise OutputFileError(f"{option} {p}: folder {parent} does not exist (create it first)")
    # the file is renamed over the target, which would replace a link, a device (``/dev/null``,
    # run as root) or a named pipe with a regular file instead of writing through it
    if p.is_symlink():
        raise OutputFileError(f"{option} {p} is a symbolic link; give the path of the file itself")
    if p.is_dir():
        raise OutputFileError(f"{option} {p} is a folder; give a file name")
    if p.exists() and not p.is_file():
        raise OutputFileError(f"{option} {p} is not a regular file (a device or a pipe); give a file name")
    for name, other in (outputs or {}).items():
        if other is not None and _same(p, Path(other)):
            raise OutputFileError(f"{option} {p} is also the {name}; write to another file")
    for i in inputs:
        if i is not None and str(i) != "-" and _same(p, Path(i)):
            raise OutputFileError(f"{option} {p} is also an input; write to another file")
    if not os.access(parent, os.W_OK):
        raise OutputFileError(f"{option} {p}: folder {parent} is not writable")
    return p


def temporary_name(path: Path) -> Path:
    """A hidden name beside ``path`` with the same suffix (writers choose the format by suffix)."""
    return path.with_name(f".{path.stem}.{secrets.token_hex(4)}.tmp{path.suffix}")


@contextlib.contextmanager
def replacing(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path; on success rename it over ``path``, on failure delete it.

    :raises OutputFileError: when the file cannot be written (disk full, permissions).
    """
    target = Path(path)
    tmp = temporary_name(target)
    try:
        yield tmp
        os.replace(tmp, target)
    except OSError as exc:
        _unlink(tmp)
        raise OutputFileError(f"cannot write {target}: {exc.strerror or exc}") from None
    except BaseException:
        _unlink(tmp)
        raise


class Outputs:
    """Several outputs that appear together or not at all (a cohort's table, rejects and summary)."""

    def __init__(self) -> None:
        self.pending: list[tuple[Path, Path]] = []

    def add(self, path: str | Path) -> Path:
        target = Path(path)
        tmp = temporary_name(target)
        self.pending.append((tmp, target))
        return tmp

    def commit(self) -> None:
        try:
            for tmp, target in self.pending:
                if tmp.exists():
                    os.replace(tmp, target)
        except OSError as exc:
            self.discard()
            raise OutputFileError(f"cannot write {target}: {exc.strerror or exc}") from None
        self.pending = []

    def discard(self) -> None:
        for tmp, _ in self.pending:
            _unlink(tmp)
        self.pending = []


def write_text(path: str | Path, text: str, inputs: Iterable[str | Path | None] = (),
               option: str = "--output") -> Path:
    """Write ``text`` to ``path`` under the rules above. :raises OutputFileError:"""
    p = check_output(path, inputs, option)
    with replacing(p) as tmp:
        tmp.write_text(text, "utf-8")
    return p


def _unlink(p: Path) -> None:
    with contextlib.suppress(OSError):
        if p.is_dir():
            import shutil

            shutil.rmtree(p)
        else:
            p.unlink()


__all__ = ["Outputs", "check_output", "replacing", "temporary_name", "write_text"]
