"""The reference city backend: what kiosks deliver to and the back office pulls from.

An optional extra of the package (``pip install 'motcua-kiosk[backend]'``): FastAPI and
uvicorn for the HTTP API (:mod:`sync.backend.app`), SQLAlchemy and Alembic for one schema
on SQLite or PostgreSQL (:mod:`sync.backend.database`, :mod:`sync.backend.store`). Run it
with ``kiosk backend serve``; docs/sync.md describes the endpoints and provisioning.
"""
