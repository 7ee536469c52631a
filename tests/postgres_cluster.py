"""A private, throwaway PostgreSQL cluster on 127.0.0.1: for the tests and the benches.

``initdb`` + ``pg_ctl`` in a temporary directory (as the ``postgres`` user when we are
root, which PostgreSQL refuses to run as), stopped and removed when the context ends.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg


class PostgresMissingError(RuntimeError):
    """PostgreSQL is not installed here."""


def free_port() -> int:
    """A port on 127.0.0.1 nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def postgres_bin() -> Path:
    """The directory of the newest installed PostgreSQL's programs."""
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), reverse=True)
    if candidates:
        return candidates[0].parent
    found = shutil.which("pg_ctl")
    if found is None:
        raise PostgresMissingError(
            "PostgreSQL is not installed (scripts/setup installs the Debian package)")
    return Path(found).resolve().parent


@dataclass
class PostgresServer:
    """A running private cluster."""

    port: int
    _names: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def new_database(self) -> str:
        """A fresh empty database; returns its SQLAlchemy URL."""
        name = f"backend_{next(self._names)}"
        with psycopg.connect(host="127.0.0.1", port=self.port, user="postgres",
                             dbname="postgres", autocommit=True) as connection:
            connection.execute(f"CREATE DATABASE {name}")
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"


@contextlib.contextmanager
def postgres_cluster(*, durable: bool = False, max_connections: int = 100
                     ) -> Iterator[PostgresServer]:
    """A cluster for the duration of the ``with``.

    ``durable=False`` runs with fsync off (tests: the cluster is thrown away, and the
    backend relies on PostgreSQL's own durability); a bench measures with ``durable=True``,
    PostgreSQL's defaults (fsync on, synchronous commit).
    """
    bindir = postgres_bin()
    base = Path(tempfile.mkdtemp(prefix="kiosk-pg-"))
    base.chmod(0o755)
    prefix: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(base, "postgres", "postgres")
        prefix = ["runuser", "-u", "postgres", "--"]
    data = base / "data"
    port = free_port()

    def run(*command: str) -> None:
        subprocess.run([*prefix, *command], check=True, capture_output=True, timeout=120,
                       cwd=base)

    try:
        run(str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
            "-E", "UTF8", "--no-sync")
        options = (f"{'' if durable else '-F '}-p {port} -k {base} "
                   f"-c listen_addresses=127.0.0.1 -c max_connections={max_connections}")
        run(str(bindir / "pg_ctl"), "-D", str(data), "-l", str(base / "server.log"), "-w",
            "-t", "60", "-o", options, "start")
        yield PostgresServer(port)
    finally:
        subprocess.run([*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate",
                        "-w", "stop"], check=False, capture_output=True, timeout=120)
        shutil.rmtree(base, ignore_errors=True)
