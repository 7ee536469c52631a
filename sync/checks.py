"""The sync side's checks for ``kiosk doctor`` and the technician screen.

:func:`sync_checks` is a :data:`kiosk.doctor.CheckSource`: the backend is configured,
reachable, and accepts this kiosk's token for this kiosk's identity; the sealing key is
set, and is the one the backend published at the agent's last heartbeat (after a key
rotation, a warning until the kiosk is re-provisioned); and the last successful delivery
is reported with its age.
"""

from __future__ import annotations

from kiosk.config import Config
from kiosk.doctor import Check, CheckStatus
from kiosk.enrolment import enrolment_of
from kiosk.storage import StorageError, open_database
from kiosk.sync_state import SyncFact, read_facts
from sync import wire
from sync.client import BackendClient, RequestFailedError

#: Doctor must answer quickly even when the network hangs.
CHECK_TIMEOUT_SECONDS = 5.0


#: The agent's facts read from the kiosk database, or why they could not be read.
Facts = dict[SyncFact, str] | StorageError


def sync_checks(config: Config) -> list[Check]:
    """Backend reachability and authentication, the sealing key, the last delivery."""
    facts = read_sync_facts(config)
    return [check_backend(config), check_sealing_key(config, facts),
            check_last_sync(config, facts)]


def read_sync_facts(config: Config) -> Facts:
    """What the sync agent recorded in the kiosk database (one read for every check)."""
    try:
        db = open_database(config.database_path)
    except StorageError as error:
        return error
    try:
        return read_facts(db)
    finally:
        db.close()


def check_backend(config: Config) -> Check:
    """The backend answers and takes this kiosk's token as this kiosk."""
    name = "city backend"
    url, token = config.text("sync.backend_url"), config.text("sync.token")
    if not url or not token:
        missing = "sync.backend_url" if not url else "sync.token"
        return Check(name, CheckStatus.FAULT,
                     f"not enrolled: {missing} is not set, nothing is delivered",
                     "kiosk provision --backend URL --token TOKEN")
    client = BackendClient(url, token, connect_timeout=CHECK_TIMEOUT_SECONDS,
                           read_timeout=CHECK_TIMEOUT_SECONDS)
    try:
        identity = client.identity()
    except RequestFailedError as failure:
        if failure.status in (401, 403):
            return Check(name, CheckStatus.FAULT, f"{url} refuses the token: {failure.reason}",
                         "ask the city for a new token (kiosk backend add-kiosk), then "
                         "kiosk provision")
        return Check(name, CheckStatus.FAULT, f"{url} is not reachable: {failure.reason}",
                     "check the network cable/Wi-Fi and that the address is right; "
                     "submissions wait safely in the outbox meanwhile")
    finally:
        client.close()
    kiosk_id = config.text("kiosk.id")
    if identity.kiosk_id != kiosk_id:
        return Check(name, CheckStatus.FAULT,
                     f"the token belongs to kiosk {identity.kiosk_id}, this is {kiosk_id}",
                     "kiosk provision with this kiosk's own token")
    return Check(name, CheckStatus.OK, f"{url}: token accepted for {kiosk_id} (API "
                 f"{identity.api}, expects {wire.API_VERSION})")


#: Characters of a public key shown by a check (enough to tell two keys apart).
KEY_PREFIX = 8


def check_sealing_key(config: Config, facts: Facts | None = None) -> Check:
    """The key that seals citizens' personal data is set, and is the one the backend
    published when the agent last asked (unknown until its first heartbeat: OK)."""
    configured = config.text("sync.backend_public_key")
    if not configured:
        return Check("sealing key", CheckStatus.FAULT,
                     "sync.backend_public_key is not set: intakes with an ID card are refused",
                     "kiosk provision (or kiosk config set sync.backend_public_key KEY)")
    if facts is None:
        facts = read_sync_facts(config)
    # Unknown (no heartbeat yet, or the database unreadable: its own check says why): OK.
    published = None if isinstance(facts, StorageError) else facts.get(
        SyncFact.BACKEND_PUBLISHED_KEY)
    if published is not None and published != configured:
        return Check(
            "sealing key", CheckStatus.WARNING,
            f"the backend now publishes sealing key {published[:KEY_PREFIX]}…; this kiosk "
            f"seals with {configured[:KEY_PREFIX]}…",
            "run 'kiosk provision' (or kiosk config set sync.backend_public_key <key>) to "
            "seal with the new key; what was sealed before still opens",
        )
    return Check("sealing key", CheckStatus.OK, "set")


def check_last_sync(config: Config, facts: Facts | None = None) -> Check:
    """When the agent last delivered, and the last error it met."""
    if facts is None:
        facts = read_sync_facts(config)
    if isinstance(facts, StorageError):
        return Check("last sync", CheckStatus.FAULT, str(facts), "see the database check")
    success = facts.get(SyncFact.LAST_SUCCESS_AT)
    last_error = facts.get(SyncFact.LAST_ERROR)
    if success is None and not enrolment_of(config).enrolled:
        # Not "is the agent running?": it is, waiting for enrolment.
        return Check("last sync", CheckStatus.WARNING, "never: the kiosk is not enrolled",
                     "kiosk provision --backend URL --token TOKEN")
    if success is None:
        detail = "never" + (f"; last error: {last_error}" if last_error else "")
        return Check("last sync", CheckStatus.WARNING, detail,
                     "is the sync agent running? systemctl status motcua-kiosk-sync")
    detail = f"last success {success}" + (f"; since then: {last_error}" if last_error else "")
    return Check("last sync", CheckStatus.OK, detail)
