"""What the back office publishes for kiosks: the catalog, Hà Nội's overlay on it and the
directory of offices."""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass

import sqlalchemy as sa

from office import schema
from office.database import read_snapshot, write_transaction
from office.store.base import NotNewerError, StorePart
from office.store.credentials import Principal
from sync import wire


class CatalogKind(enum.Enum):
    """What the back office publishes for kiosks."""

    CATALOG = "catalog"
    DIRECTORY = "directory"
    #: Hà Nội's overlay on the catalog (its own fees and counters; kiosk.catalog_overlay).
    OVERLAY = "catalog-overlay"


@dataclass(frozen=True)
class Published:
    """The currently published version of a catalog or directory."""

    version: int
    etag: str
    body: bytes


class Publications(StorePart):
    """The version of each catalog kind served now; only a newer one replaces it."""

    def publish(
        self, kind: CatalogKind, version: int, body: bytes, principal: Principal
    ) -> wire.Publication:
        """Serve ``body`` as ``version`` of ``kind``; a version not newer is refused."""
        etag = wire.quote_etag(hashlib.sha256(body).hexdigest())
        table = schema.publications
        with write_transaction(self.engine) as connection:
            current = connection.execute(
                sa.select(table.c.version).where(table.c.kind == kind.value)
            ).scalar_one_or_none()
            if current is not None and version <= current:
                raise NotNewerError(
                    f"{kind.value} version {current} is published; publish a higher version "
                    f"than {version}"
                )
            values = {"version": version, "etag": etag, "body": body,
                      "published_at": self._stamp(), "client_id": principal.client_id}
            if current is None:
                connection.execute(table.insert().values(kind=kind.value, **values))
            else:
                connection.execute(table.update().where(table.c.kind == kind.value)
                                   .values(**values))
        return wire.Publication(version=version, etag=etag)

    def published(self, kind: CatalogKind) -> Published | None:
        """The version of ``kind`` served now, or None before the first publication."""
        table = schema.publications
        with read_snapshot(self.engine) as connection:
            row = connection.execute(
                sa.select(table.c.version, table.c.etag, table.c.body)
                .where(table.c.kind == kind.value)
            ).first()
        return None if row is None else Published(int(row[0]), row[1], bytes(row[2]))
