"""Alembic environment: every upgrade runs in one locked transaction (see connectome.store.migrate)."""

from logging.config import fileConfig

from alembic import context

from connectome.store.engines import make_engine
from connectome.store.migrate import migration_transaction
from connectome.store.schema import Base
from connectome.store.url import resolve_url

config = context.config
if config.config_file_name is not None:
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def run(connection) -> None:
    """Run the pending migrations on `connection`, inside the transaction its caller holds."""
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True,
                      transactional_ddl=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    context.configure(url=resolve_url(), target_metadata=Base.metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
elif (given := config.attributes.get("connection")) is not None:
    run(given)  # connectome's own migrate(): the lock is already held
else:  # the `alembic` command line, from alembic.ini at the repository root
    engine = make_engine(resolve_url())
    try:
        with engine.connect() as connection, migration_transaction(connection):
            run(connection)
    finally:
        engine.dispose()
