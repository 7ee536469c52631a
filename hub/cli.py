"""``kiosk hub``: run and set up a service point's hub (its queue, console and display).

Needs the ``backend`` extra (FastAPI, uvicorn, Jinja2); those libraries are imported only
inside the handlers. The hub keeps its state in a home directory (``--home``, else
``KIOSK_HUB_HOME``, else ``/var/lib/motcua-hub``; in demo mode ``hub/`` in the demo data
directory): the SQLite database ``hub.sqlite3`` and the key that signs officers' sessions,
``session.key`` (made on first use).
"""

from __future__ import annotations

import argparse
import getpass
import os
import re
import secrets
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.command import Context, UsageError
from kiosk.config import service_home

if TYPE_CHECKING:
    from collections.abc import Callable

    from hub.heartbeat import Presence
    from hub.queue import HubQueue
    from hub.voice import CallAudio
    from kiosk.config import Config

PRODUCTION_HOME = Path("/var/lib/motcua-hub")
DATABASE_FILE = "hub.sqlite3"
SIGNING_KEY_FILE = "session.key"
DEMO_PORT = 8770
#: The demo point's officer and PIN, published like the demo kiosk's token.
DEMO_OFFICER = ("canbo1", "Nguyễn Thị Lan (demo)", "123456")
KIOSK_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,39}")


def no_voice(_config: Config) -> CallAudio | None:
    """The default: no voice (the display says calls are not spoken)."""
    return None


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser], *,
             call_audio: Callable[[Config], CallAudio | None] = no_voice) -> None:
    """Add ``kiosk hub ...``; ``call_audio`` builds the voice of the display's calls from
    the configuration (the composition root passes the real one)."""
    area = commands.add_parser("hub", help="the service point's hub: queue, console, display")
    actions = area.add_subparsers(dest="action", metavar="ACTION", required=True)

    def action(name: str, help_text: str) -> argparse.ArgumentParser:
        parser = actions.add_parser(name, help=help_text)
        parser.add_argument("--home", type=Path, help="the hub's directory")
        return parser

    serve = action("serve", "serve the console (/console), the display (/display) and the "
                   "kiosks' API (/api/v1)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=int, default=DEMO_PORT, help="port to listen on")
    serve.add_argument("--secure-cookies", action="store_true",
                       help="send session cookies over HTTPS only (behind a TLS proxy)")
    serve.add_argument("--city-url", default=os.environ.get("KIOSK_HUB_CITY_URL", ""),
                       help="the city backend queue events are forwarded to (default "
                       "$KIOSK_HUB_CITY_URL, else the hub.city_url setting; empty: kept "
                       "at the hub until one is set)")
    serve.add_argument("--unit-code", type=int,
                       default=int(os.environ.get("KIOSK_HUB_UNIT_CODE", "0") or 0),
                       help="this point's commune or ward code (default $KIOSK_HUB_UNIT_CODE)")
    serve.set_defaults(handler=_serve, call_audio=call_audio)

    services = action("import-services", "take the queue services from this kiosk's catalog")
    services.set_defaults(handler=_import_services)

    counter = action("add-counter", "add a counter, or change the services it serves")
    counter.add_argument("number", type=int)
    counter.add_argument("name", help="as shown on the display, e.g. 'Quầy số 2'")
    counter.add_argument("--services", required=True, help="service codes, e.g. A,C")
    counter.set_defaults(handler=_add_counter)

    officer = action("add-officer", "add an officer or change their PIN (read from the "
                     "terminal, or one line of standard input)")
    officer.add_argument("login")
    officer.add_argument("name")
    officer.set_defaults(handler=_add_officer)

    kiosk = action("add-kiosk", "enrol a kiosk: print its hub token, once")
    kiosk.add_argument("kiosk_id")
    kiosk.set_defaults(handler=_add_kiosk)

    rule = action("set-rule", "how priority tickets are mixed in (docs/queue.md)")
    group = rule.add_mutually_exclusive_group(required=True)
    group.add_argument("--interleave", type=int, metavar="N",
                       help="one priority ticket after every N regular ones")
    group.add_argument("--weighted", type=int, metavar="SECONDS",
                       help="oldest first, priority tickets counted SECONDS earlier")
    rule.set_defaults(handler=_set_rule)

    pull = action("pull-setup", "apply the counters and officers the city published for this "
                  "point, now (hub.city_url, hub.city_token; the serving hub pulls every 5 "
                  "minutes)")
    pull.set_defaults(handler=_pull_setup)

    status = action("status", "counters, who is at them, and who waits")
    status.set_defaults(handler=_status)


def hub_home(args: argparse.Namespace, context: Context) -> Path:
    """The hub's directory for this command."""
    demo_home = context.config.data_dir / "hub" if context.demo else None
    return service_home(args.home, "KIOSK_HUB_HOME", demo_home, PRODUCTION_HOME)


def _queue(args: argparse.Namespace, context: Context) -> HubQueue:
    return _queue_in(hub_home(args, context))


def _queue_in(home: Path) -> HubQueue:
    from hub.database import HubDatabase, HubDatabaseError  # noqa: PLC0415
    from hub.queue import HubQueue  # noqa: PLC0415

    try:
        home.mkdir(parents=True, exist_ok=True)
        return HubQueue(HubDatabase(home / DATABASE_FILE))
    except (OSError, HubDatabaseError) as error:
        raise UsageError(f"cannot open the hub in {home}: {error}") from None


def session_secret(home: Path) -> str:
    """The key that signs officers' sessions, made once (readable by the hub only)."""
    path = home / SIGNING_KEY_FILE
    if not path.exists():
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_urlsafe(48))
    return path.read_text(encoding="utf-8").strip()


def _seed_demo(queue: HubQueue, context: Context) -> None:
    """Demo mode: the demo catalog's services, one counter each plus one for all, the demo
    officer and the demo kiosk, so `scripts/run` shows a working point at once."""
    _import_from_catalog(queue, context)
    codes = [service.code for service in queue.services()]
    existing = {counter.number for counter in queue.counters()}
    for index, code in enumerate(codes, start=1):
        if index not in existing:
            queue.add_counter(index, f"Quầy số {index}", [code])
    if len(codes) + 1 not in existing and codes:
        queue.add_counter(len(codes) + 1, f"Quầy số {len(codes) + 1}", codes)
    login, name, pin = DEMO_OFFICER
    if queue.officer(login) is None:
        queue.add_officer(login, name, pin)
    # The demo kiosk's hub token is published in kiosk/data/demo.toml (hub.token).
    token = context.config.text("hub.token")
    if token and queue.kiosk_for_token(token) is None:
        queue.add_kiosk_token(context.config.text("kiosk.id"), token)


def _import_from_catalog(queue: HubQueue, context: Context) -> int:
    rows = context.database.execute("SELECT code, name, name_en FROM services ORDER BY code")
    count = 0
    for code, name, name_en in rows:
        queue.add_service(code, name, name_en)
        count += 1
    return count


def _serve(args: argparse.Namespace, context: Context) -> int:
    import uvicorn  # noqa: PLC0415 - the backend extra

    from hub.app import create_app  # noqa: PLC0415

    queue = _queue(args, context)
    if context.demo:
        _seed_demo(queue, context)
        login, _, pin = DEMO_OFFICER
        print(f"demo hub: sign in at http://{args.host}:{args.port}/console as {login}, "
              f"PIN {pin}; the display is /display", file=sys.stderr)
    voice = args.call_audio(context.config)
    if voice is None:
        print("hub: no voice can speak (kiosk doctor says why): the display shows calls "
              "without sound", file=sys.stderr)
    app = create_app(queue, secret=session_secret(hub_home(args, context)), call_audio=voice,
                     point_name=context.config.text("kiosk.service_point_name"),
                     secure_cookies=args.secure_cookies)
    stop = threading.Event()
    forwarding = _forwarding_thread(args, context, stop, app.state.web)
    # timeout_keep_alive: kiosks reuse one connection between rounds.
    try:
        uvicorn.run(app, host=args.host, port=args.port, timeout_keep_alive=75,
                    log_level="info")
    finally:
        stop.set()
        if forwarding is not None:
            forwarding.join(10)
    return 0


def _forwarding_thread(args: argparse.Namespace, context: Context, stop: threading.Event,
                       presence: Presence) -> threading.Thread | None:
    """Queue events, the public queue state and heartbeats (with ``presence``: who is
    connected) to the city, in a thread with its own database connection.

    The hub's city token (a hub token: ``kiosk backend add-hub``) comes from
    ``$KIOSK_HUB_CITY_TOKEN`` (the hub.env file of the systemd unit) or the secret
    ``hub.city_token`` setting, never from the command line where other users could read
    it; in demo mode the demo hub's published token is the setting.
    """
    from hub.forwarder import CityLink, Forwarder  # noqa: PLC0415

    url = args.city_url or context.config.text("hub.city_url")
    token = os.environ.get("KIOSK_HUB_CITY_TOKEN", "") or context.config.text("hub.city_token")
    unit_code = args.unit_code or context.config.number("kiosk.commune_code")
    if not (url and token and unit_code):
        print("hub: queue events are kept here, not forwarded (set hub.city_url, "
              "hub.city_token and kiosk.commune_code: docs/queue.md)", file=sys.stderr)
        return None
    home = hub_home(args, context)

    def run() -> None:
        from hub.city_setup import CitySetupLink, SetupPuller  # noqa: PLC0415
        from hub.city_state import CityStateLink, StatePublisher  # noqa: PLC0415
        from hub.heartbeat import HeartbeatLink, HeartbeatSender  # noqa: PLC0415

        link = CityLink(url, token)
        beat_link = HeartbeatLink(url, token)
        state_link = CityStateLink(url, token)
        setup_link = CitySetupLink(url, token)
        queue = _queue_in(home)
        publisher = StatePublisher(queue, state_link, unit_code=unit_code)
        puller = SetupPuller(queue, setup_link)
        beats = HeartbeatSender(queue, presence, beat_link)

        def also() -> None:
            publisher.run_once()
            puller.run_once()
            beats.run_once()

        try:
            Forwarder(queue, link, unit_code=unit_code).run_forever(stop, 5.0, also=also)
        finally:
            link.close()
            state_link.close()
            setup_link.close()
            beat_link.close()

    thread = threading.Thread(target=run, name="hub-forwarder", daemon=True)
    thread.start()
    return thread


def _import_services(args: argparse.Namespace, context: Context) -> int:
    count = _import_from_catalog(_queue(args, context), context)
    if not count:
        raise UsageError("this kiosk's catalog has no services: import a catalog first")
    print(f"{count} service(s) imported")
    return 0


def _add_counter(args: argparse.Namespace, context: Context) -> int:
    from hub.queue import QueueError  # noqa: PLC0415

    codes = [code.strip() for code in args.services.split(",") if code.strip()]
    try:
        _queue(args, context).add_counter(args.number, args.name, codes)
    except QueueError as error:
        raise UsageError(str(error)) from None
    print(f"counter {args.number} ({args.name}) serves {', '.join(codes)}")
    return 0


def _add_officer(args: argparse.Namespace, context: Context) -> int:
    from hub.queue import QueueError  # noqa: PLC0415
    from kiosk.technician_pin import PinError  # noqa: PLC0415

    pin = (getpass.getpass("PIN (6 to 12 digits): ") if sys.stdin.isatty()
           else sys.stdin.readline().strip())
    try:
        _queue(args, context).add_officer(args.login, args.name, pin)
    except (PinError, QueueError) as error:
        raise UsageError(str(error)) from None
    print(f"officer {args.login} ({args.name}) can sign in")
    return 0


def _add_kiosk(args: argparse.Namespace, context: Context) -> int:
    if KIOSK_ID.fullmatch(args.kiosk_id) is None:
        raise UsageError(f"{args.kiosk_id!r}: use 1 to 40 letters, digits, '.', '_' or '-'")
    token = _queue(args, context).add_kiosk(args.kiosk_id)
    print(token)
    print(f"# on kiosk {args.kiosk_id} (shown once; the hub keeps only its hash):")
    print("#   kiosk config set hub.url http://HUB-ADDRESS:8770")
    print(f"#   kiosk config set hub.token {token}")
    return 0


def _set_rule(args: argparse.Namespace, context: Context) -> int:
    from kiosk.servicepoint.ordering import OrderingRule, RuleKind  # noqa: PLC0415

    try:
        if args.interleave is not None:
            rule = OrderingRule(RuleKind.INTERLEAVE, every_n_regular=args.interleave)
        else:
            rule = OrderingRule(RuleKind.WEIGHTED, priority_head_start_seconds=args.weighted)
    except ValueError as error:
        raise UsageError(str(error)) from None
    _queue(args, context).set_rule(rule)
    print(f"ordering rule: {rule.kind.value}, every {rule.every_n_regular} regular, "
          f"head start {rule.priority_head_start_seconds} s")
    return 0


def _pull_setup(args: argparse.Namespace, context: Context) -> int:
    from hub.city_setup import CitySetupLink, SetupPullError, pull_once  # noqa: PLC0415

    url = os.environ.get("KIOSK_HUB_CITY_URL", "") or context.config.text("hub.city_url")
    token = os.environ.get("KIOSK_HUB_CITY_TOKEN", "") or context.config.text("hub.city_token")
    if not (url and token):
        raise UsageError("set hub.city_url and hub.city_token first (docs/queue.md)")
    link = CitySetupLink(url, token)
    try:
        report = pull_once(_queue(args, context), link)
    except SetupPullError as error:
        raise UsageError(f"the city could not be asked: {error}") from None
    finally:
        link.close()
    if report.version is None:
        print("the city has published no counters or officers for this point")
    elif not report.applied:
        print(f"version {report.version} is applied already: nothing changed")
    else:
        print(f"applied version {report.version}: {report.counters} counter(s), "
              f"{report.officers} officer(s)")
    for reason in report.skipped:
        print(f"skipped {reason}", file=sys.stderr)
    return 0


def _status(args: argparse.Namespace, context: Context) -> int:
    queue = _queue(args, context)
    for counter in queue.counters():
        current = queue.current(counter.number)
        print(f"{counter.number:>3} {counter.name:<14} {counter.state.value:<7} "
              f"{counter.officer or '-':<12} {','.join(counter.services):<10} "
              f"{current.number if current else '-'}")
    for load in queue.loads():
        print(f"  {load.service}: {load.waiting} waiting ({load.priority_waiting} priority), "
              f"{load.counters_open} counter(s) open")
    return 0
