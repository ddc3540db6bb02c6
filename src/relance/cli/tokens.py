"""`relance token …`: API tokens (create, list, revoke).

The full token is printed once, at creation; only its prefix and a hash are kept.
"""

from __future__ import annotations

import typer
from rich.table import Column, Table

from relance.cli.base import app, clean_errors, fail, out, setup_django

tokens_app = typer.Typer(help="API tokens: create, list, revoke.", no_args_is_help=True)
app.add_typer(tokens_app, name="token")


@tokens_app.command("create")
def create(
    user: str = typer.Option(..., "--user", help="Username the token acts as."),
    creditor: int | None = typer.Option(
        None, "--creditor", help="Creditor id (default: the user's only or first membership)."
    ),
    name: str = typer.Option("", "--name", help="What the token is for, e.g. 'ERP sync'."),
    expires_days: int | None = typer.Option(
        None, "--expires-days", min=1, help="Expire after this many days (default: never)."
    ),
) -> None:
    """Create a token and print it (shown once: store it now)."""
    setup_django()
    from django.contrib.auth import get_user_model

    from relance.accounts.access import NoAccess, membership_for
    from relance.api.models import ApiToken

    with clean_errors():
        found = get_user_model().objects.filter(username=user).first()
        if found is None:
            fail(f"no user named '{user}'")
        try:
            membership = membership_for(found, creditor)
        except NoAccess:
            where = f"creditor {creditor}" if creditor is not None else "any creditor"
            fail(f"user '{user}' has no membership at {where}")
        token, text = ApiToken.issue(
            found, membership.creditor_id, name=name, expires_days=expires_days
        )
        expires = f"{token.expires_at:%Y-%m-%d %H:%M} UTC" if token.expires_at else "never"
        out.print(text, highlight=False, soft_wrap=True)
        typer.echo(
            f"token {token.prefix} for {user} at creditor {membership.creditor_id} "
            f"({membership.role}); expires: {expires}. "
            "It is shown once: store it now.",
            err=True,
        )


@tokens_app.command("list")
def list_tokens(
    user: str | None = typer.Option(None, "--user", help="Only this user's tokens."),
    all_: bool = typer.Option(False, "--all", help="Include revoked and expired tokens."),
) -> None:
    """List tokens (prefix, user, creditor, name, dates) — never the secret."""
    setup_django()
    from django.utils import timezone

    from relance.api.models import ApiToken

    qs = ApiToken.objects.select_related("user", "creditor").order_by("created_at", "id")
    if user:
        qs = qs.filter(user__username=user)
    if not all_:
        qs = qs.active()
    now = timezone.now()
    table = Table(
        Column("prefix", no_wrap=True),
        "user",
        "creditor",
        "name",
        Column("created", no_wrap=True),
        "last used",
        Column("expires", no_wrap=True),
        "state",
    )
    for t in qs:
        if t.revoked_at is not None:
            state = "revoked"
        elif t.expires_at is not None and t.expires_at <= now:
            state = "expired"
        else:
            state = "active"
        table.add_row(
            t.prefix,
            t.user.get_username(),
            str(t.creditor_id),
            t.name,
            f"{t.created_at:%Y-%m-%d}",
            f"{t.last_used_at:%Y-%m-%d}" if t.last_used_at else "",
            f"{t.expires_at:%Y-%m-%d}" if t.expires_at else "never",
            state,
        )
    out.print(table)


@tokens_app.command("revoke")
def revoke(
    prefix: str = typer.Argument(..., help="Token prefix (as shown by `token list`)."),
) -> None:
    """Revoke a token: it stops working at once."""
    setup_django()
    from relance.api.models import TOKEN_MARK, ApiToken, split_token

    parts = split_token(prefix)
    key = parts[0] if parts else prefix.removeprefix(f"{TOKEN_MARK}_").strip()
    token = ApiToken.objects.filter(prefix=key).first()
    if token is None:
        fail(f"no token with prefix '{prefix}'")
    token.revoke()
    typer.echo(f"token {token.prefix} revoked")
