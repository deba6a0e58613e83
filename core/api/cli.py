"""`flask --app wsgi api-tokens create|list|revoke`: tokens for integrations, from the command line."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from core.api.models import ApiToken
from core.api.scopes import known_scopes
from core.api.tokens import TokenError, create_token, label, list_tokens, revoke_token
from core.auth.models import Role, User
from core.db import current_db, utc_now

api_tokens_cli = AppGroup("api-tokens", help="API tokens for integrations (CRM, PRM).")


def _owner(email: str | None) -> User | None:
    if not email:
        return None
    user = current_db().session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or not user.is_active or user.role is not Role.ADMIN:
        raise click.BadParameter(f"{email} is not an active administrator", param_hint="--owner")
    return user


@api_tokens_cli.command("create")
@click.option("--name", required=True, help="What the token is for, e.g. 'Salesforce sync'.")
@click.option("--scopes", required=True, help="Comma-separated, e.g. content:read,suppressions:write.")
@click.option("--expires-days", type=int, default=None, help="Expire after N days (default: never).")
@click.option("--owner", default=None, help="An administrator's email: the token stops if they are deactivated.")
def create_command(name: str, scopes: str, expires_days: int | None, owner: str | None) -> None:
    """Make a token and print it once (only its hash is kept)."""
    session = current_db().session
    try:
        made = create_token(
            session,
            name=name,
            scopes=scopes.split(","),
            known_scopes=known_scopes(current_app),
            by=_owner(owner),
            now=utc_now(),
            expires_in_days=expires_days,
        )
    except TokenError as error:
        option = {"name": "--name", "scopes": "--scopes", "expires_days": "--expires-days"}.get(error.field, "")
        raise click.BadParameter(error.message, param_hint=option or None) from None
    session.commit()
    click.echo(made.secret)
    expiry = f"expires {made.token.expires_at:%Y-%m-%d %H:%M} UTC" if made.token.expires_at else "never expires"
    click.echo(f"Token {label(made.token)}, scopes {', '.join(made.token.scopes)}; {expiry}.", err=True)
    click.echo("Store it now: it is shown this once.", err=True)


@api_tokens_cli.command("list")
def list_command() -> None:
    """Every token: prefix, name, scopes, expiry, last use and whether it is revoked."""
    now = utc_now()
    for token in list_tokens(current_db().session):
        state = "revoked" if token.revoked_at else ("usable" if token.is_usable(now) else "expired or maker inactive")
        used = f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never used"
        click.echo(f"{token.id}\t{token.prefix}…\t{token.name}\t{','.join(token.scopes)}\t{used}\t{state}")


@api_tokens_cli.command("revoke")
@click.argument("token_ref")
def revoke_command(token_ref: str) -> None:
    """Revoke the token with this id or prefix, effective at once."""
    session = current_db().session
    column = ApiToken.id if token_ref.isdigit() else ApiToken.prefix
    token = session.scalar(select(ApiToken).where(column == (int(token_ref) if token_ref.isdigit() else token_ref)))
    if token is None:
        raise click.ClickException(f"No token with id or prefix {token_ref!r}.")
    changed = revoke_token(session, token, by=None, now=utc_now())
    session.commit()
    click.echo(f"Revoked {label(token)}." if changed else f"{label(token)} was revoked already.")
