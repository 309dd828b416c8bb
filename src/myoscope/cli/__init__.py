"""Command-line interface: a thin layer over the library (no clinical logic here).

One error path for every command (docs/errors.md): a problem a user can cause prints ``Error: ...``
on standard error and exits with status 2 (:data:`EXIT_USAGE`), never a traceback; anything else is
a bug, reported as ``Error: internal error ...`` with status 1 (the traceback with
``MYOSCOPE_DEBUG=1``). Usage mistakes (an unknown option) take the same ``Error:`` form. Each
feature registers its commands from its own module (``cli/<feature>.py``), imported at the end.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

import typer
from typer.core import TyperArgument, TyperCommand, TyperGroup

from .. import __version__
from ..errors import MyoscopeError

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_USAGE = 2
DEBUG_ENV = "MYOSCOPE_DEBUG"


def fail(message: str) -> NoReturn:
    """Print ``Error: message`` and exit with status 2."""
    report(message)
    raise typer.Exit(EXIT_USAGE)


def report(message: str) -> None:
    """Print ``Error: message`` on standard error and go on (batch commands exit 2 at the end)."""
    typer.echo(f"Error: {message}", err=True)


def split_ids(definitions: str | None) -> list[str] | None:
    if not definitions:
        return None
    return [d.strip() for d in definitions.split(",") if d.strip()]


def _guarded(f: Callable[..., Any]) -> Callable[..., Any]:
    """Run a command so that nothing but ``Error: ...`` ever reaches the user."""

    @functools.wraps(f)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return f(*args, **kwargs)
        except (typer.Exit, typer.Abort, typer.BadParameter):
            raise
        except MyoscopeError as exc:
            fail(str(exc))
        except BrokenPipeError:
            raise
        except MemoryError:
            fail("out of memory; give a smaller input (or a cohort table, which is streamed)")
        except Exception as exc:  # a bug: say so plainly, keep the traceback for those who ask
            if os.environ.get(DEBUG_ENV):
                raise
            if _is_click_exception(exc):
                raise
            typer.echo(
                f"Error: internal error ({type(exc).__name__}: {str(exc)[:200]}); please report it "
                f"with the command you ran ({DEBUG_ENV}=1 shows the traceback)",
                err=True,
            )
            raise typer.Exit(EXIT_INTERNAL) from None

    return run


def _is_click_exception(exc: BaseException) -> bool:
    return any(c.__name__ in ("ClickException", "Exit", "Abort") for c in type(exc).__mro__)


def _plain_metavars(params: list[Any], ctx: Any) -> list[Any]:
    """Help without Python type names: flags show no type, values a word (PATH, TEXT, NUMBER)."""
    for p in params:
        if p.metavar is not None:
            continue
        if isinstance(p, TyperArgument):
            p.metavar = p.name.upper() if p.name else "VALUE"
            p.display_type_rich = lambda ctx: None  # type: ignore[method-assign]  # the upper-case name says it; no "<list[Path]>"
        elif getattr(p, "is_flag", False) or getattr(p, "count", False):
            p.metavar = ""
        else:
            shown = str(p.display_type(ctx)).lower() if hasattr(p, "display_type") else ""
            p.metavar = ("PATH" if "path" in shown or "file" in shown else "INTEGER" if "int" in shown
                         else "NUMBER" if "float" in shown else "TEXT")
    return params


class _Command(TyperCommand):
    def get_params(self, ctx: Any) -> list[Any]:
        return _plain_metavars(super().get_params(ctx), ctx)


class _Group(TyperGroup):
    """Usage errors in the one ``Error: ...`` form (not a framed box), status 2."""

    def get_params(self, ctx: Any) -> list[Any]:
        return _plain_metavars(super().get_params(ctx), ctx)

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        try:
            rv = super().main(args, prog_name, complete_var, False, **extra)
        except typer.Abort:
            typer.echo("Aborted.", err=True)
            sys.exit(EXIT_INTERNAL)
        except Exception as exc:
            if not _is_click_exception(exc) or not hasattr(exc, "show"):
                raise
            if type(exc).__name__ == "NoArgsIsHelpError":
                ctx = exc.ctx  # type: ignore[attr-defined]
                ctx.command.format_help(ctx, ctx.make_formatter())
                typer.echo(ctx.make_formatter().getvalue(), nl=False)
                sys.exit(EXIT_USAGE)
            exc.show()
            sys.exit(getattr(exc, "exit_code", EXIT_USAGE))
        sys.exit(rv if isinstance(rv, int) else EXIT_OK)


class App(typer.Typer):
    """A Typer whose commands all run through the one error path and the plain-type help."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("cls", _Group)
        kwargs.setdefault("add_completion", False)
        kwargs.setdefault("pretty_exceptions_enable", False)
        super().__init__(**kwargs)

    def command(  # type: ignore[override]
        self, *args: Any, **kwargs: Any
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        kwargs.setdefault("cls", _Command)
        register = super().command(*args, **kwargs)

        def decorator(f: Callable[..., Any]) -> Callable[..., Any]:
            register(_guarded(f))
            return f

        return decorator


app = App(
    name="myoscope",
    help="Muscle wasting: assess under every consensus definition, explained and cited.",
    no_args_is_help=True,
)


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"myoscope {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", "-V", callback=_show_version, is_eager=True,
        help="Print the myoscope version and exit.",
    ),
) -> None:
    """Muscle wasting: assess under every consensus definition, explained and cited."""


@app.command("version")
def version_cmd() -> None:
    """Print the myoscope version and the knowledge version that assessments record."""
    from ..knowledge import load_knowledge

    typer.echo(f"myoscope {__version__}\nknowledge {load_knowledge().version}")


def main() -> None:
    try:
        app()
    except BrokenPipeError:  # e.g. `myoscope assess ... | head`
        # Python flushes stdout at exit and would complain again on the closed pipe
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(0)


# Command modules register themselves on `app`; keep this list sorted.
from . import assess, cohort, fhir, plan, registry, simulate, web, workup  # noqa: E402, F401
