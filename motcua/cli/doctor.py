"""``kiosk doctor``: every dependency checked; exit 1 on any fault, each with its fix."""

from __future__ import annotations

import argparse

from kiosk.command import Context, print_json
from kiosk.doctor import CheckSource, CheckStatus, has_fault, run_checks

_MARK = {CheckStatus.OK: "ok   ", CheckStatus.WARNING: "WARN ", CheckStatus.FAULT: "FAULT"}


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``kiosk doctor``."""
    doctor = commands.add_parser("doctor", help="check every device and dependency")
    doctor.add_argument("--json", action="store_true", help="print JSON")
    doctor.set_defaults(handler=_doctor)


def check_sources() -> list[CheckSource]:
    """The device and sync checks, loaded only when a doctor runs."""
    from motcua.wiring import all_check_sources  # noqa: PLC0415 - drivers load only here

    return all_check_sources()


def _doctor(args: argparse.Namespace, context: Context) -> int:
    if context.demo:
        context.database  # noqa: B018 - demo mode seeds its catalog on first open
    checks = run_checks(context.config, check_sources())
    if args.json:
        print_json([check.to_json() for check in checks])
    else:
        width = max(len(check.name) for check in checks)
        for check in checks:
            print(f"{_MARK[check.status]} {check.name:<{width}}  {check.detail}")
            if check.status is not CheckStatus.OK and check.fix:
                print(f"      {'':<{width}}  fix: {check.fix}")
    return 1 if has_fault(checks) else 0
