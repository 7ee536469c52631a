"""Migration 0015 moves each channel's artifact into pieces, and back on a downgrade."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from office.database import MIGRATIONS, create_database_engine
from office.store.releases import Releases, StoredArtifact

#: Two and a bit pieces of 1 MiB.
BIG = hashlib.sha256(b"seed").digest() * (65536 + 10)


def _to(engine: sa.Engine, revision: str, *, down: bool = False) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.connect() as connection:
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, revision)
        connection.commit()


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_published_artifacts_survive_the_move_to_pieces(kind: str, tmp_path: Path,
                                                       request: pytest.FixtureRequest):
    url = (request.getfixturevalue("postgres").new_database() if kind == "postgresql"
           else str(tmp_path / "b.sqlite3"))
    engine = create_database_engine(url)
    request.addfinalizer(engine.dispose)
    _to(engine, "0014")
    with engine.begin() as connection:
        for channel, data in (("pilot", BIG), ("stable", b"small"), ("beta", BIG)):
            connection.execute(sa.text(
                "INSERT INTO release_channels VALUES (:c, '2.4.0', :m, 'sig', :n, :a, "
                "'2026-12-07T09:00:00+07:00', 'cli')"),
                {"c": channel, "m": b"{}", "n": f"{channel}.tar", "a": data})
    _to(engine, "head")
    releases = Releases(engine)
    pilot = releases.artifact("pilot")
    assert pilot == StoredArtifact("pilot.tar", hashlib.sha256(BIG).hexdigest(), len(BIG))
    assert b"".join(releases.read(pilot)) == BIG
    stable = releases.artifact("stable")
    assert stable is not None
    assert b"".join(releases.read(stable)) == b"small"
    with engine.connect() as connection:
        # pilot and beta serve one artifact: stored once, in three pieces.
        assert connection.execute(sa.text(
            "SELECT count(*) FROM release_chunks")).scalar_one() == 3 + 1
    _to(engine, "0014", down=True)
    with engine.connect() as connection:
        rows = dict(connection.execute(sa.text(
            "SELECT channel, artifact FROM release_channels")).all())
    assert {channel: bytes(data) for channel, data in rows.items()} == {
        "pilot": BIG, "stable": b"small", "beta": BIG}
