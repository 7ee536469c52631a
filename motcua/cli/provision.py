"""``kiosk provision``: enrol this kiosk with the city backend in one step.

With the backend's address and the token from ``kiosk backend add-kiosk``, it fetches the
kiosk's identity and the backend's sealing key, writes them to the technician layer
(checked by the same schema as every setting), then runs one sync round, which pulls the
catalog and the directory when the backend publishes them, and says what it got.
"""

from __future__ import annotations

import argparse

from kiosk.card_applications import setting_text
from kiosk.catalog import installed_version
from kiosk.command import Context, UsageError
from kiosk.config import ConfigError, load_config, parse_value, write_technician_layer
from kiosk.storage import Database
from kiosk.sync_state import SyncFact, read_fact


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``kiosk provision``."""
    provision = commands.add_parser(
        "provision", help="enrol with the backend: identity, sealing key, catalog, directory"
    )
    provision.add_argument("--backend", required=True, help="backend URL, https://...")
    provision.add_argument("--token", required=True, help="from 'kiosk backend add-kiosk'")
    provision.set_defaults(handler=_provision)


def _provision(args: argparse.Namespace, context: Context) -> int:
    from sync.agent import AgentSettings, SyncAgent  # noqa: PLC0415 - needs requests
    from sync.client import BackendClient, RequestFailedError  # noqa: PLC0415

    try:
        url = parse_value("sync.backend_url", args.backend)
        token = parse_value("sync.token", args.token)
    except ConfigError as error:
        raise UsageError(str(error)) from None
    client = BackendClient(str(url), str(token), connect_timeout=5, read_timeout=30)
    try:
        identity = client.identity()
    except RequestFailedError as failure:
        raise UsageError(f"the backend at {url} refused or did not answer: {failure}") from None
    finally:
        client.close()
    changes = {
        "sync.backend_url": url,
        "sync.token": token,
        "kiosk.id": parse_value("kiosk.id", identity.kiosk_id),
        "sync.backend_public_key": parse_value(
            "sync.backend_public_key", identity.backend_public_key
        ),
    }
    if identity.card_lookup_key_id is not None and identity.card_lookup_key is not None:
        # Kept secret like the token (config shows its last 4 characters only).
        changes["sync.card_lookup_key"] = parse_value("sync.card_lookup_key", setting_text(
            identity.card_lookup_key_id, identity.card_lookup_key))
    path = write_technician_layer(context.config, changes)
    print(f"kiosk {identity.kiosk_id} enrolled with {url} (settings in {path})")
    config = load_config(demo=context.demo)
    agent = SyncAgent(context.database, AgentSettings.from_config(config))
    try:
        report = agent.run_once()
    finally:
        agent.client.close()
    if report.failure is not None:
        print(f"first sync failed: {report.failure}; the sync agent will keep trying")
        return 1
    print(f"first sync done: {report.sent} submission(s) sent")
    for line in pulled_summary(context.database, report.notes):
        print(line)
    return 0


def pulled_summary(database: Database, notes: list[str]) -> list[str]:
    """What the first round pulled, in its own words, then what the server had none of.

    Said truthfully: a server that has published no catalog yet leaves the kiosk without
    one, and the technician must hear that, not "catalog pulled".
    """
    lines = list(notes)
    if installed_version(database) is None:
        lines.append("no catalog: the server has published none yet (on the server: kiosk "
                     "backend publish-catalog); the sync agent pulls it once it is published")
    if read_fact(database, SyncFact.DIRECTORY_VERSION) is None:
        lines.append("no directory from the server: it has published none yet; the kiosk "
                     "shows its built-in directory meanwhile")
    return lines
