"""``kiosk config``: show, read, check and change the configuration."""

from __future__ import annotations

import argparse
import os

from kiosk.command import Context, UsageError, print_json
from kiosk.config import SETTINGS, SETTINGS_BY_KEY, parse_value, shown, write_technician_layer
from kiosk.system_config import set_system_values, system_config_path


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``kiosk config ...``."""
    area = commands.add_parser("config", help="the kiosk's configuration")
    actions = area.add_subparsers(dest="action", metavar="ACTION", required=True)

    show = actions.add_parser("show", help="every key: value, where it came from, meaning")
    show.add_argument("--json", action="store_true", help="print JSON")
    show.set_defaults(handler=_show)

    get = actions.add_parser("get", help="one value")
    get.add_argument("key")
    get.set_defaults(handler=_get)

    check = actions.add_parser("check", help="load every layer; exit 2 naming the first fault")
    check.set_defaults(handler=_check)

    change = actions.add_parser("set", help="change a value in the technician layer")
    change.add_argument("key")
    change.add_argument("value")
    change.add_argument("--system", action="store_true",
                        help="in the system file (/etc/motcua-kiosk/kiosk.toml or "
                        "KIOSK_CONFIG; root) instead: where the updater reads update.*")
    change.set_defaults(handler=_set)


def _show(args: argparse.Namespace, context: Context) -> int:
    config = context.config
    if args.json:
        print_json(
            [
                {
                    "key": s.key,
                    "value": shown(s, config.values[s.key]),
                    "source": config.sources[s.key],
                    "allowed": s.allowed(),
                    "meaning": s.meaning,
                }
                for s in SETTINGS
            ]
        )
        return 0
    print(f"# data directory: {config.data_dir}")
    for setting in SETTINGS:
        print(f"{setting.key} = {shown(setting, config.values[setting.key])!r}    "
              f"# {setting.meaning} [{setting.allowed()}] ({config.sources[setting.key]})")
    return 0


def _get(args: argparse.Namespace, context: Context) -> int:
    if args.key not in SETTINGS_BY_KEY:
        raise UsageError(f"unknown key {args.key!r} (known keys: kiosk config show)")
    value = context.config.values[args.key]
    print(str(value).lower() if isinstance(value, bool) else value)
    return 0


def _check(args: argparse.Namespace, context: Context) -> int:
    config = context.config  # loading checks every layer
    print(f"configuration OK ({len(config.values)} keys, data directory {config.data_dir})")
    return 0


def _set(args: argparse.Namespace, context: Context) -> int:
    value = parse_value(args.key, args.value)
    if args.system:
        system = system_config_path(os.environ)
        try:
            set_system_values(system, {args.key: value})
        except PermissionError:
            raise UsageError(f"cannot write {system}: it is root's (sudo)") from None
        print(f"{args.key} = {shown(SETTINGS_BY_KEY[args.key], value)!r} written to {system}")
        return 0
    path = write_technician_layer(context.config, {args.key: value})
    print(f"{args.key} = {shown(SETTINGS_BY_KEY[args.key], value)!r} written to {path}")
    return 0
