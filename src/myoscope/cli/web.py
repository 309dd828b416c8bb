"""``myoscope serve`` (the web app) and ``myoscope user add`` (web sign-in accounts)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from ..errors import MyoscopeError
from .base import App, app, fail

user_app = App(help="Web app users: add a user of an organisation.", no_args_is_help=True)
app.add_typer(user_app, name="user")


@app.command("serve")
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    database: Annotated[
        str | None,
        typer.Option(
            "--database", "-D", help="Database URL (default: MYOSCOPE_DATABASE_URL or ./myoscope.sqlite)."
        ),
    ] = None,
    demo: Annotated[
        Path | None,
        typer.Option(help="Seed demo users and patients from this examples folder first (development only)."),
    ] = None,
    workers: Annotated[
        int,
        typer.Option(min=1, max=64, help="Worker processes (about one per core), each with its own socket."),
    ] = 1,
) -> None:
    """Run the clinician web app (uvicorn). The schema is brought up to date at start.

    With ``--workers`` above 1 the settings come from the ``MYOSCOPE_*`` environment, which each
    worker reads again (``--database`` is passed on to them); see :mod:`myoscope.web.serving`."""
    try:
        import uvicorn

        from ..web.app import create_app
        from ..web.settings import WebSettings
    except ImportError as exc:
        fail(f"the web app needs the 'web' extra (pip install 'myoscope[web]'): {exc}")
    try:
        settings = WebSettings.model_validate(
            {**({"database_url": database} if database else {}), "migrate_on_start": True}
        )
        web = create_app(settings)
        if demo is not None:
            from ..web import demo as demo_data

            with web.state.sessions.begin() as session:
                made = demo_data.seed(session, web.state.passwords, demo)
            typer.echo(f"demo: {made} patients added" if made else "demo: data already present")
            typer.echo(f"demo login: user {demo_data.DEMO_USERS[0][0]}, password {demo_data.DEMO_PASSWORD}")
        if workers > 1:
            if port == 0:
                fail("--workers above 1 needs a fixed --port (each worker binds it)")
            web.state.engine.dispose()
            from ..web import serving

            # the workers build the app from the environment: the same database, already migrated
            os.environ["MYOSCOPE_MIGRATE_ON_START"] = "false"
            if database:
                os.environ["MYOSCOPE_DATABASE_URL"] = database
            typer.echo(f"myoscope web app: http://{host}:{port}/ ({workers} workers)")
            serving.run(host, port, workers)
            return
    except (MyoscopeError, ValueError) as exc:
        fail(str(exc))
    typer.echo(f"myoscope web app: http://{host}:{port}/")
    uvicorn.run(web, host=host, port=port, log_level="warning")


@user_app.command("add")
def user_add(
    username: Annotated[str, typer.Argument(help="Sign-in name.")],
    organisation: Annotated[str, typer.Option("--organisation", "-o", help="Organisation (site).")],
    role: Annotated[str, typer.Option(help="clinician, researcher or admin.")] = "clinician",
    database: Annotated[str | None, typer.Option("--database", "-D", help="Database URL.")] = None,
) -> None:
    """Add a web user; the password is read from MYOSCOPE_NEW_PASSWORD or asked for."""
    from ..web.accounts import Passwords, create_user
    from ..web.app import create_app
    from ..web.settings import WebSettings

    password = os.environ.get("MYOSCOPE_NEW_PASSWORD") or typer.prompt(
        "Password", hide_input=True, confirmation_prompt=True
    )
    try:
        settings = WebSettings.model_validate({"database_url": database} if database else {})
        web = create_app(settings)
        with web.state.sessions.begin() as session:
            create_user(
                session,
                Passwords(settings),
                username=username,
                password=password,
                role=role,
                organisation=organisation,
                actor="cli",
            )
    except (MyoscopeError, ValueError) as exc:
        fail(str(exc))
    typer.echo(f"user {username} ({role}) added to {organisation}")
