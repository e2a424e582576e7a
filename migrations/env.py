"""Alembic environment: one transaction per upgrade, foreign keys off and checked on SQLite."""

from logging.config import fileConfig

from alembic import context

from connectome.db import make_engine, migration_transaction, resolve_url
from connectome.models import Base

config = context.config
if config.config_file_name is not None:
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def run(connection) -> None:
    """Run the pending migrations on `connection` inside the guarded migration transaction."""
    with migration_transaction(connection):
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=True,
            transactional_ddl=True,
        )
        context.run_migrations()


if context.is_offline_mode():
    context.configure(url=resolve_url(), target_metadata=Base.metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
elif (given := config.attributes.get("connection")) is not None:
    run(given)
else:
    engine = make_engine(resolve_url())
    try:
        with engine.connect() as connection:
            run(connection)
    finally:
        engine.dispose()
