"""``kiosk sync``: the sync agent (``run``, ``once``) and its state (``status``).

``run`` and ``once`` import the agent (and so requests) only when they are called: the
core stays importable without the HTTP library. ``status`` reads the kiosk database only.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from collections.abc import Callable
from types import FrameType
from typing import TYPE_CHECKING, Any

from kiosk.application_status import status_cursor
from kiosk.catalog import installed_version
from kiosk.command import Context, UsageError, print_json
from kiosk.config import Config, load_config
from kiosk.enrolment import enrolment_of, wait_for_enrolment
from kiosk.logs import configure as configure_logging
from kiosk.parts import SyncNotReadyError
from kiosk.queue_state import kept_publication
from kiosk.receipt_code import display
from kiosk.sd_notify import Notifier
from kiosk.storage import Database
from kiosk.submissions import Outbox, OutboxState
from kiosk.sync_state import SyncFact, read_facts
from motcua.wiring import hub_link, sync_round

if TYPE_CHECKING:
    from sync.agent import SyncAgent
    from sync.hub_link import HubLink


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``kiosk sync ...``."""
    area = commands.add_parser("sync", help="deliver submissions to the city backend")
    actions = area.add_subparsers(dest="action", metavar="ACTION", required=True)

    run = actions.add_parser("run", help="the sync agent: rounds until stopped (systemd)")
    run.set_defaults(handler=_run)

    once = actions.add_parser("once", help="one round: deliver, heartbeat, pull updates")
    once.add_argument("--json", action="store_true", help="print JSON")
    once.set_defaults(handler=_once)

    hub_once = actions.add_parser(
        "hub-once", help="one round with the service point's hub: tickets in, live queue back")
    hub_once.set_defaults(handler=_hub_once)

    status = actions.add_parser(
        "status", help="pending, sent, failed (with reasons), last success and last error"
    )
    status.add_argument("--json", action="store_true", help="print JSON")
    status.set_defaults(handler=_status)

    retry = actions.add_parser(
        "retry-failed", help="put every failed submission back in the queue (after a fix)"
    )
    retry.set_defaults(handler=_retry_failed)


def _agent(config: Config, database: Database,
           alive: Callable[[], object] = lambda: None) -> SyncAgent:
    from sync.agent import AgentSettings, SyncAgent  # noqa: PLC0415 - needs requests

    settings = AgentSettings.from_config(config)
    problems = settings.problems()
    if problems:
        raise UsageError("cannot sync: " + "; ".join(problems))
    return SyncAgent(database, settings, alive=alive)


def _run(args: argparse.Namespace, context: Context) -> int:
    configure_logging()
    notifier = Notifier()
    stop = threading.Event()

    def _stop(signum: int, _frame: FrameType | None) -> None:
        logging.getLogger("sync.agent").info("stopping on signal %d", signum)
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    wait = watchdog_wait(stop, notifier)
    config = context.config
    # A point with a hub but no city link yet still runs its queue: the hub link alone.
    hub_only = bool(config.text("hub.url")) and not config.text("sync.backend_url")
    enrolment = enrolment_of(config)
    if not hub_only and not enrolment.enrolled:
        # Installed without --backend/--token: up and waiting, never a restart loop.
        notifier.ready(status=enrolment.describe())
        enrolled = wait_for_enrolment(lambda: load_config(demo=context.demo), wait)
        if enrolled is None:
            notifier.stopping()
            return 0
        config = enrolled
        notifier.status("syncing")
    else:
        notifier.ready(status="hub only: sync.backend_url is not set" if hub_only else "syncing")
    agent = None if hub_only else _agent(config, context.database, alive=notifier.watchdog)
    hub = _hub_thread(context, stop)
    try:
        if agent is None:
            while not wait(3600):
                pass
        else:
            agent.run_forever(wait=wait)
    finally:
        stop.set()
        notifier.stopping()
        if agent is not None:
            agent.client.close()
        if hub is not None:
            hub.join(10)
    return 0


def _hub_thread(context: Context, stop: threading.Event) -> threading.Thread | None:
    """With ``hub.url`` set: the link to the hub in its own thread, own connection."""
    from kiosk.storage import open_database  # noqa: PLC0415
    from sync.hub_link import hub_thread  # noqa: PLC0415 - needs requests

    config = context.config
    if not config.text("hub.url"):
        return None

    def make_link() -> HubLink:
        link = hub_link(open_database(config.database_path), config)
        assert link is not None
        return link

    thread = hub_thread(make_link, stop, float(config.number("hub.interval_seconds")))
    thread.start()
    return thread


def watchdog_wait(stop: threading.Event, notifier: Notifier) -> Callable[[float], bool]:
    """A wait between rounds that keeps pinging systemd's watchdog; True when stopping."""
    def wait(seconds: float) -> bool:
        interval = notifier.ping_interval()
        remaining = seconds
        while remaining > 0:
            step = remaining if interval is None else min(remaining, interval)
            if stop.wait(step):
                return True
            notifier.watchdog()
            remaining -= step
        return stop.is_set()

    return wait


def _once(args: argparse.Namespace, context: Context) -> int:
    try:
        outcome = sync_round(context.database, context.config)
    except SyncNotReadyError as error:
        raise UsageError(str(error)) from None
    summary: dict[str, Any] = {
        "sent": outcome.sent, "failed": outcome.refused, "pending": outcome.pending,
        "error": outcome.error, "notes": list(outcome.notes),
    }
    if args.json:
        print_json(summary)
    else:
        print(f"delivered {outcome.sent}, refused {outcome.refused}, {outcome.pending} pending")
        for note in outcome.notes:
            print(note)
        if outcome.error is not None:
            print(f"error: {outcome.error}", file=sys.stderr)
    return 0 if outcome.error is None else 1


def _hub_once(args: argparse.Namespace, context: Context) -> int:
    link = hub_link(context.database, context.config)
    if link is None:
        raise UsageError("no hub: hub.url is not set (docs/queue.md)")
    try:
        report = link.run_once()
    finally:
        link.client.close()
    print(f"tickets sent {report.sent}, refused {report.refused}, "
          f"queue {'received' if report.queue_received else 'unchanged'}")
    for note in report.notes:
        print(note)
    if report.failure is not None:
        print(f"error: {report.failure.reason}", file=sys.stderr)
        return 1
    return 0


def status_report(context: Context) -> dict[str, Any]:
    """What ``kiosk sync status`` shows."""
    config = context.config
    db = context.database
    outbox = Outbox(db, kiosk_id=config.text("kiosk.id"),
                    queue_prefix=config.text("kiosk.queue_prefix"))
    counts = outbox.counts()
    facts = read_facts(db)
    queue = kept_publication(db)
    return {
        "pending": counts[OutboxState.PENDING.value],
        "sent": counts[OutboxState.SENT.value],
        "failed": counts[OutboxState.FAILED.value],
        "failures": [
            {"uuid": s.uuid, "receipt_code": display(s.receipt_code), "kind": s.kind.value,
             "attempts": s.attempts, "reason": s.last_error}
            for s in outbox.list(state=OutboxState.FAILED)
        ],
        "last_success_at": facts.get(SyncFact.LAST_SUCCESS_AT),
        "last_success_server_time": facts.get(SyncFact.LAST_SUCCESS_SERVER_TIME),
        "last_error": facts.get(SyncFact.LAST_ERROR),
        "last_error_at": facts.get(SyncFact.LAST_ERROR_AT),
        "last_heartbeat_at": facts.get(SyncFact.LAST_HEARTBEAT_AT),
        "catalog_version": installed_version(db),
        "directory_version": facts.get(SyncFact.DIRECTORY_VERSION),
        "status_cursor": status_cursor(db),
        "queue": None if queue is None else {
            "unit_code": queue[0], "published_at": queue[1].isoformat(),
            "received_at": queue[2].isoformat(),
        },
        "backend_url": config.text("sync.backend_url"),
        "token_set": bool(config.text("sync.token")),
        "backend_public_key_set": bool(config.text("sync.backend_public_key")),
    }


def _status(args: argparse.Namespace, context: Context) -> int:
    report = status_report(context)
    if args.json:
        print_json(report)
        return 0
    print(f"outbox: {report['pending']} pending, {report['sent']} sent, "
          f"{report['failed']} failed")
    print(f"backend: {report['backend_url'] or '(not set)'}; token "
          f"{'set' if report['token_set'] else 'NOT SET'}; sealing key "
          f"{'set' if report['backend_public_key_set'] else 'NOT SET'}")
    success = report["last_success_at"]
    print(f"last success: {success or 'never'}"
          + (f" (backend clock: {report['last_success_server_time']})"
             if report["last_success_server_time"] else ""))
    print(f"last error: {report['last_error_at'] or 'never'}"
          + (f": {report['last_error']}" if report["last_error"] else ""))
    queue = report["queue"]
    print("queue: " + ("none received" if queue is None else
                       f"unit {queue['unit_code']}, counted {queue['published_at']}, "
                       f"received {queue['received_at']}"))
    for failure in report["failures"]:
        print(f"failed {failure['receipt_code']}  {failure['kind']:<18} {failure['uuid']}"
              f"  {failure['reason']}")
    return 0


def _retry_failed(args: argparse.Namespace, context: Context) -> int:
    config = context.config
    outbox = Outbox(context.database, kiosk_id=config.text("kiosk.id"),
                    queue_prefix=config.text("kiosk.queue_prefix"))
    print(f"{outbox.retry_failed()} failed submission(s) queued again")
    return 0
