"""The release each channel serves: published from a signed manifest and its artifact.

A release is accepted only if the kiosks would accept it: its signature verifies under the
release keys the publisher names (the same public keys kiosks trust), its artifact is the
one the manifest describes, and the manifest names the channel it is published to (the
channel is signed, so promoting a pilot build to ``stable`` is a deliberate new signature,
never a server-side move).

The artifact's bytes are stored in ``release_chunks`` as 1 MiB pieces keyed by the
artifact's SHA-256, and read back one piece per query: a 135 MB bundle is never whole in a
worker's memory, and a resumed download (an HTTP Range) starts at the piece it needs. Pieces
in the database rather than a file in the server's state directory: every worker on every
host of the city server sees them (the state directory is per host), a publication stays one
transaction (the channel's row and its bytes commit together or not at all) and the
database's backup holds the releases. Pieces no channel serves any more are deleted in the
publication that stops serving them.

Publications run one at a time (on PostgreSQL under a transaction-scoped advisory lock, on
SQLite by its single writer): under READ COMMITTED, two at once could each delete pieces the
other had just started serving, or both insert the same new artifact's pieces.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from kiosk.release import Manifest, ManifestError, Version, check_artifact_digest
from kiosk.release_signature import verify
from office import schema
from office.database import is_postgresql, read_snapshot, write_transaction
from office.store.base import StorePart

#: Bytes in one stored piece of an artifact (and the most a download holds at once).
CHUNK_SIZE = 1 << 20

#: The advisory lock publications hold (one at a time: see the module's docstring).
_PUBLISH_LOCK = 0x6D6F7407


class PublicationClashError(RuntimeError):
    """A publication the database refused because another one changed the same rows."""


@dataclass(frozen=True)
class StoredArtifact:
    """Which artifact a channel serves: its name, SHA-256 (the download's ETag) and size."""

    name: str
    sha256: str
    size: int


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
        artifact: bytes | BinaryIO,
        trusted_keys: Iterable[str],
        publisher: str,
    ) -> PublishedRelease:
        """Serve this release on ``channel``; ManifestError (with the reason) if refused.

        ``artifact`` is the bytes or an open binary file, read piece by piece: nothing is
        committed unless its size and SHA-256 are the signed manifest's.
        """
        parsed = verify(manifest, signature, trusted_keys)
        if parsed.channel != channel:
            raise ManifestError(
                f"the manifest is signed for channel {parsed.channel!r}, not {channel!r}: "
                "sign a manifest for that channel"
            )
        stream = io.BytesIO(artifact) if isinstance(artifact, bytes) else artifact
        expected = parsed.artifact
        stamp = self._stamp()
        row: dict[str, object] = {
               "channel": channel, "version": str(parsed.version), "manifest": manifest,
               "signature": signature.strip(), "artifact_name": expected.name,
               "artifact_sha256": expected.sha256, "artifact_size": expected.size,
               "published_at": stamp, "published_by": publisher}
        dialect = postgresql if is_postgresql(self.engine) else sqlite
        statement = dialect.insert(schema.release_channels).values(row)
        statement = statement.on_conflict_do_update(
            index_elements=["channel"],
            set_={column: statement.excluded[column] for column in row if column != "channel"})
        try:
            with write_transaction(self.engine) as connection:
                self._serialize(connection, _PUBLISH_LOCK)
                # Raising in here rolls the pieces back with the rest.
                self._store_pieces(connection, stream, parsed)
                connection.execute(statement)
                self._delete_unserved(connection)
        except sa.exc.IntegrityError as error:
            # Not expected under the lock; if it happens anyway, say what to do.
            raise PublicationClashError(
                f"another publication changed the releases at the same time ({error.orig}); "
                f"nothing was published on {channel!r}: publish again"
            ) from error
        return PublishedRelease(channel, parsed.version, manifest, signature.strip(),
                                parsed.artifact.name, stamp)

    @staticmethod
    def _store_pieces(connection: sa.Connection, stream: BinaryIO, parsed: Manifest) -> None:
        """Write the artifact's pieces (unless stored already), checking it is the signed one."""
        table = schema.release_chunks
        sha256 = parsed.artifact.sha256
        stored = connection.execute(
            sa.select(sa.func.count()).select_from(table).where(table.c.sha256 == sha256)
        ).scalar_one()
        keep = stored == 0
        digest = hashlib.sha256()
        length = 0
        for seq, piece in enumerate(iter(lambda: stream.read(CHUNK_SIZE), b"")):
            digest.update(piece)
            length += len(piece)
            if keep:
                connection.execute(table.insert().values(sha256=sha256, seq=seq, data=piece))
        check_artifact_digest(parsed, parsed.artifact.name, length, digest.hexdigest())

    @staticmethod
    def _delete_unserved(connection: sa.Connection) -> None:
        """Delete the pieces of artifacts no channel serves (after a publication)."""
        pieces, channels = schema.release_chunks, schema.release_channels
        connection.execute(pieces.delete().where(
            pieces.c.sha256.not_in(sa.select(channels.c.artifact_sha256))))

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

    def artifact(self, channel: str) -> StoredArtifact | None:
        """Which artifact ``channel`` serves (read its bytes with :meth:`read`), or None."""
        table = schema.release_channels
        with read_snapshot(self.engine) as connection:
            row = connection.execute(
                sa.select(table.c.artifact_name, table.c.artifact_sha256,
                          table.c.artifact_size)
                .where(table.c.channel == channel)).one_or_none()
        return None if row is None else StoredArtifact(
            row.artifact_name, row.artifact_sha256, row.artifact_size)

    def read(self, artifact: StoredArtifact, start: int = 0,
             end: int | None = None) -> Iterator[bytes]:
        """The artifact's bytes ``start`` to ``end`` (exclusive; None: to its end), at most
        one piece at a time (each a query of its own: no transaction lasts a slow download).

        Stops early if the pieces are gone (a publication since replaced the artifact): the
        caller's answer is then short, and the kiosk's next request sees the new ETag.
        """
        table = schema.release_chunks
        stop = artifact.size if end is None else min(end, artifact.size)
        position = start
        while position < stop:
            seq, skip = divmod(position, CHUNK_SIZE)
            with read_snapshot(self.engine) as connection:
                data = connection.execute(
                    sa.select(table.c.data).where(table.c.sha256 == artifact.sha256,
                                                  table.c.seq == seq)).scalar_one_or_none()
            if data is None:
                return
            piece = bytes(data)[skip:skip + stop - position]
            if not piece:
                return
            position += len(piece)
            yield piece
