"""`db …`: inspect and upgrade the schema."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from .common import Group

if TYPE_CHECKING:
    from ..store.connection import Database


@click.group("db", cls=Group)
def db_group() -> None:
    """Inspect and upgrade the database schema."""


def _database(ctx: click.Context) -> "Database":
    from ..store.connection import Database
    from ..store.url import resolve_url

    return Database(resolve_url(ctx.find_root().obj["db"]))


@db_group.command("upgrade")
@click.pass_context
def db_upgrade(ctx: click.Context) -> None:
    """Back up a SQLite file to FILE.bak-REVISION, then migrate it to the newest schema.

    \b
    Examples:
      connectome db upgrade
      connectome --db postgresql+psycopg://lab@db.example/connectome db upgrade
    """
    from ..store.migrate import upgrade_with_backup

    database = _database(ctx)
    try:
        current, head, saved = upgrade_with_backup(database)
    finally:
        database.close()
    if current == head:
        click.echo(f"already at {head} (head)")
        return
    if saved:
        click.echo(f"backed up to {saved}")
    elif current is not None:
        click.echo("not a SQLite file: no backup was made; back the server database up with its own tools first")
    click.echo(f"upgraded {current or 'empty database'} -> {head}")


@db_group.command("current")
@click.pass_context
def db_current(ctx: click.Context) -> None:
    """Print the schema revision of the database and the one this version expects.

    \b
    Example:
      connectome db current
    """
    from ..errors import DatabaseError
    from ..store.migrate import HEAD, command_hint, current_revision, upgrade_hint

    database = _database(ctx)
    if database.path is not None and not database.path.exists():  # reading never creates a database
        raise DatabaseError(f"{database.where}: no such database file (nothing was created); "
                            f"`{command_hint('topology import FILE')}` or `{upgrade_hint()}` creates one")
    try:
        with database.connect() as conn:
            current = current_revision(conn)
    finally:
        database.close()
    state = "up to date" if current == HEAD else f"behind: run `{upgrade_hint()}`" if current else "empty"
    click.echo(f"{current or 'none'} (this version expects {HEAD}; {state})")


@db_group.command("history")
def db_history() -> None:
    """List the schema migrations, oldest first.

    \b
    Example:
      connectome db history
    """
    from ..store.migrate import history

    for rev in history():
        click.echo(f"{rev['down_revision'] or '<base>'} -> {rev['revision']}: {rev['message']}")
