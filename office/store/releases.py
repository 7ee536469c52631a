"""The release each channel serves: published from a signed manifest and its artifact.

A release is accepted only if the kiosks would accept it: its signature verifies under the
release keys the publisher names (the same public keys kiosks trust), its artifact is the
one the manifest describes, and the manifest names the channel it is published to (the
channel is signed, so promoting a pilot build to ``stable`` is a deliberate new signature,
never a server-side move).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from kiosk.release import ManifestError, Version, check_artifact_data
from kiosk.release_signature import verify
from office import schema
from office.database import is_postgresql, read_snapshot, write_transaction
from office.store.base import StorePart


@dataclass(frozen=True)
class PublishedRelease:
    """What a channel serves."""

    channel: str
    version: Version
    manifest: bytes
    signature: str
    artifact_name: str
    published_at: str


class Releases(StorePart):
    """Publishing a release on a channel and reading what a channel serves."""

    def publish(
        self,
        channel: str,
        manifest: bytes,
        *,
        signature: str,
        artifact: bytes,
        trusted_keys: Iterable[str],
        publisher: str,
    ) -> PublishedRelease:
        """Serve this release on ``channel``; ManifestError (with the reason) if refused."""
        parsed = verify(manifest, signature, trusted_keys)
        if parsed.channel != channel:
            raise ManifestError(
                f"the manifest is signed for channel {parsed.channel!r}, not {channel!r}: "
                "sign a manifest for that channel"
            )
        check_artifact_data(parsed, parsed.artifact.name, artifact)
        stamp = self._stamp()
        row: dict[str, object] = {
               "channel": channel, "version": str(parsed.version), "manifest": manifest,
               "signature": signature.strip(), "artifact_name": parsed.artifact.name,
               "artifact": artifact, "published_at": stamp,
               "published_by": publisher}
        dialect = postgresql if is_postgresql(self.engine) else sqlite
        statement = dialect.insert(schema.release_channels).values(row)
        statement = statement.on_conflict_do_update(
            index_elements=["channel"],
            set_={column: statement.excluded[column] for column in row if column != "channel"})
        with write_transaction(self.engine) as connection:
            connection.execute(statement)
        return PublishedRelease(channel, parsed.version, manifest, signature.strip(),
                                parsed.artifact.name, stamp)

    def current(self, channel: str) -> PublishedRelease | None:
        """The release ``channel`` serves (without its artifact), or None."""
        table = schema.release_channels
        with read_snapshot(self.engine) as connection:
            row = connection.execute(
                sa.select(table.c.version, table.c.manifest, table.c.signature,
                          table.c.artifact_name, table.c.published_at)
                .where(table.c.channel == channel)).one_or_none()
        if row is None:
            return None
        return PublishedRelease(channel, Version.parse(row.version), bytes(row.manifest),
                                row.signature, row.artifact_name, row.published_at)

    def artifact(self, channel: str) -> tuple[str, bytes] | None:
        """The name and bytes of the artifact ``channel`` serves, or None."""
        table = schema.release_channels
        with read_snapshot(self.engine) as connection:
            row = connection.execute(
                sa.select(table.c.artifact_name, table.c.artifact)
                .where(table.c.channel == channel)).one_or_none()
        return None if row is None else (row.artifact_name, bytes(row.artifact))
