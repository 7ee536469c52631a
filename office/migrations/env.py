"""Alembic's entry point: runs the migrations on the connection it is handed.

:func:`office.database.migrate` passes an open connection in
``config.attributes["connection"]``; no URL is read from an ini file.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from office.schema import metadata

connection: Connection = context.config.attributes["connection"]
# render_as_batch: SQLite alters tables by copying them; Alembic does it for us.
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
