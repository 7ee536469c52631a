"""What a command-line handler needs: configuration and storage, opened only when asked for.

Shared by the composition root's CLI (:mod:`motcua.cli`) and the servers' own commands
(:mod:`office.cli`); plain Python like the rest of the core.
"""

from __future__ import annotations

import json
import sys
from functools import cached_property
from typing import Any

from kiosk.catalog import seed_demo_catalog
from kiosk.config import Config, load_config
from kiosk.directory import seed_directory
from kiosk.storage import Database, open_database


class UsageError(Exception):
    """Bad input from the person at the command line: printed, exit status 2."""


class Context:
    """Lazily loaded configuration and database for one command."""

    def __init__(self, *, demo: bool) -> None:
        self.demo = demo
        self._database: Database | None = None

    @cached_property
    def config(self) -> Config:
        """The layered configuration (raises ConfigError naming the bad file and key)."""
        return load_config(demo=self.demo)

    @property
    def database(self) -> Database:
        """The kiosk database, migrated, its directory seeded (and in demo mode its catalog)."""
        if self._database is None:
            database = open_database(self.config.database_path)
            seed_directory(database)
            if self.demo:
                seed_demo_catalog(database)
            self._database = database
        return self._database

    def close(self) -> None:
        """Close what this command opened."""
        if self._database is not None:
            self._database.close()
            self._database = None


def print_json(value: Any) -> None:
    """Print ``value`` as JSON on stdout, keeping Vietnamese letters readable."""
    json.dump(value, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
