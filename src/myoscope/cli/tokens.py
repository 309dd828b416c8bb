"""``myoscope token create|list|revoke``: API tokens for machines (docs/api.md).

The token is printed once, on creation, and never again (only its hash is stored).
"""

from __future__ import annotations

from typing import Annotated

import typer

from .base import App, app
from .registry import Database, Format, User, _actor, _echo_json, _format, _require_row_id, _session

token_app = App(help="HTTP API tokens: create (shown once), list and revoke.", no_args_is_help=True)
app.add_typer(token_app, name="token")


@token_app.command("create")
def token_create(
    username: Annotated[str, typer.Argument(help="The web user the token acts as (role and organisation).")],
    name: Annotated[str, typer.Option("--name", help="What the token is for, e.g. 'EHR bridge'.")],
    expires_days: Annotated[int | None, typer.Option("--expires-days", help="Refuse the token after this "
                                                     "many days (default: until revoked).")] = None,
    database: Database = None, user: User = None,
) -> None:
    """Create a token for USERNAME and print it once (store it now: it cannot be shown again)."""
    from ..registry.tokens import create_token

    with _session(database) as s:
        token, row = create_token(s, username=username, name=name, actor=_actor(user),
                                  expires_days=expires_days)
    typer.echo(token)
    typer.echo(f"token {row.id} for {row.username} ({row.name}); shown once: store it now. "
               f"Send it as 'Authorization: Bearer <token>'.", err=True)


@token_app.command("list")
def token_list(
    username: Annotated[str | None, typer.Option("--for", help="Only this user's tokens.")] = None,
    format: Format = "text", database: Database = None,
) -> None:
    """List tokens: id, key, user, name, state, created and last used (never the secret)."""
    from ..registry.tokens import list_tokens

    _format(format)
    with _session(database) as s:
        rows = list_tokens(s, username=username)
    if format == "json":
        _echo_json([r.to_dict() for r in rows])
    else:
        typer.echo("\n".join(str(r) for r in rows) if rows else "No tokens.")


@token_app.command("revoke")
def token_revoke(
    token_id: Annotated[int, typer.Argument(help="Token id (from token list).")],
    database: Database = None, user: User = None,
) -> None:
    """Revoke a token: the next request with it is refused (401)."""
    from ..registry.tokens import revoke_token

    with _session(database) as s:
        _require_row_id(token_id, "token")
        row = revoke_token(s, token_id=token_id, actor=_actor(user))
    typer.echo(f"token {row.id} ({row.username}, {row.name}) revoked")
