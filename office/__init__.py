"""The reference city backend: what kiosks deliver to and the back office pulls from.

An optional extra of the package (``pip install 'motcua-kiosk[backend]'``): FastAPI and
uvicorn for the HTTP API (:mod:`office.app`), SQLAlchemy and Alembic for one schema
on SQLite or PostgreSQL (:mod:`office.database`, :mod:`office.store`). Run it
with ``kiosk backend serve``; docs/sync.md describes the endpoints and provisioning.
"""
