"""``kiosk printer``: test slip, status, and the print queue (technicians and support).

The drivers live in ``devices/``; they are imported inside the handlers so that the core
never imports a hardware library when it is loaded.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kiosk.command import Context, UsageError, print_json
from kiosk.printing import (
    JobState,
    PrinterSettings,
    PrinterState,
    PrinterStatus,
    PrintJobs,
    PrintQueue,
    ReceiptPrinter,
    UnavailablePrinter,
    call_driver,
    describe_error,
    guarded_status,
)
from kiosk.receipt import SlipContext, printer_test_slip


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``kiosk printer ...``."""
    area = commands.add_parser("printer", help="the receipt printer: test, status, queue")
    actions = area.add_subparsers(dest="action", metavar="ACTION", required=True)

    test = actions.add_parser(
        "test", help="print a test slip (every Vietnamese letter and a QR code)"
    )
    test.add_argument(
        "--to", type=Path, metavar="FILE",
        help="write the ESC/POS bytes to FILE and the picture of the paper to FILE.png "
             "instead of printing",
    )
    test.set_defaults(handler=_test)

    status = actions.add_parser(
        "status", help="the printer's state now (exit status 1 when it cannot print)"
    )
    status.add_argument("--json", action="store_true", help="print JSON")
    status.set_defaults(handler=_status)

    queue = actions.add_parser("queue", help="print jobs, oldest first")
    queue.add_argument("--state", choices=[state.value for state in JobState])
    queue.add_argument("--json", action="store_true", help="print JSON")
    queue.set_defaults(handler=_queue)

    retry = actions.add_parser(
        "retry", help="print the queued jobs now, if the printer can (exit 1 if any is left)"
    )
    retry.add_argument("--json", action="store_true", help="print JSON")
    retry.set_defaults(handler=_retry)


def load_configured_printer(context: Context) -> ReceiptPrinter:
    """The printer the configuration names, or its stand-in saying why there is none."""
    from devices.printers import build_printer  # noqa: PLC0415 - the core loads no driver

    return build_printer(context.config)


def load_fault(printer: ReceiptPrinter) -> str | None:
    """Why the configured printer could not be built (None when it was, or is ``none``)."""
    if isinstance(printer, UnavailablePrinter) and printer.state is PrinterState.UNAVAILABLE:
        return printer.detail
    return None


def report_fault(problem: str) -> int:
    """Say that the printer could not be built; exit status 1."""
    print(f"kiosk: printer fault: {problem}", file=sys.stderr)
    return 1


def _test(args: argparse.Namespace, context: Context) -> int:
    slip_context = SlipContext.from_config(context.config)
    if args.to is not None:
        return _test_to_file(args.to, context, slip_context)
    printer = load_configured_printer(context)
    problem = load_fault(printer)
    if problem is not None:
        return report_fault(problem)
    receipt = printer_test_slip(slip_context, printer=printer.description)
    after = call_driver(
        "test slip",
        lambda: printer.print_receipt(receipt),
        lambda error: PrinterStatus(PrinterState.UNKNOWN, describe_error(error)),
    )
    printer.close()
    message = f"{after.state.value}: {after.detail}" if after.detail else after.state.value
    if after.state.can_print:
        print(f"test slip printed on {printer.description} ({message})")
        return 0
    print(f"kiosk: test slip not printed on {printer.description}: {message}", file=sys.stderr)
    return 1


def _test_to_file(path: Path, context: Context, slip_context: SlipContext) -> int:
    from devices.escpos_encode import render_job  # noqa: PLC0415
    from devices.file_printer import write_job  # noqa: PLC0415
    from devices.fonts import FontMissingError  # noqa: PLC0415
    from devices.printer_profile import ProfileError, resolve_profile  # noqa: PLC0415

    config = context.config
    try:
        profile = resolve_profile(config.text("printer.profile"),
                                  config.number("printer.width_dots"))
        receipt = printer_test_slip(slip_context, printer=f"{path} ({profile.describe()})")
        rendered, job = render_job(receipt, profile)
    except (ProfileError, FontMissingError) as error:
        raise UsageError(str(error)) from None
    try:
        written, preview = write_job(path, rendered, job)
    except OSError as error:
        raise UsageError(f"cannot write {path}: {describe_error(error)}") from None
    print(f"wrote {len(job)} bytes of ESC/POS to {written} and the preview to {preview}")
    return 0


def _status(args: argparse.Namespace, context: Context) -> int:
    driver = context.config.text("printer.driver")
    language = SlipContext.from_config(context.config).language
    printer = load_configured_printer(context)
    problem = load_fault(printer)
    if problem is not None:
        if args.json:
            print_json({"driver": driver, "printer": None, "state": None, "can_print": False,
                        "detail": problem, "message": None, "jobs": None})
            return 1
        return report_fault(problem)
    status = guarded_status(printer)
    printer.close()
    jobs = PrintJobs(context.database).counts()
    if args.json:
        print_json({"driver": driver, "printer": printer.description, **status.to_json(),
                    "message": status.state.message(language), "jobs": jobs})
    else:
        print(f"printer: {printer.description}")
        print(f"state:   {status.state.value} ({status.state.message(language)})")
        if status.detail:
            print(f"detail:  {status.detail}")
        print(f"jobs:    {jobs['queued']} queued, {jobs['printed']} printed, "
              f"{jobs['expired']} expired")
    return 0 if status.state.can_print else 1


def _queue(args: argparse.Namespace, context: Context) -> int:
    state = None if args.state is None else JobState(args.state)
    jobs = PrintJobs(context.database).jobs(state=state)
    if args.json:
        print_json([job.to_json() for job in jobs])
        return 0
    for job in jobs:
        problem = f"  ({job.last_error})" if job.last_error else ""
        print(f"{job.id:>5}  {job.created_at}  {job.state.value:<7}  "
              f"{job.receipt.kind.value:<19} {job.receipt.reference or '-'}  "
              f"tries {job.attempts}{problem}")
    return 0


def _retry(args: argparse.Namespace, context: Context) -> int:
    printer = load_configured_printer(context)
    problem = load_fault(printer)
    if problem is not None:
        return report_fault(problem)
    settings = PrinterSettings.from_config(context.config)
    queue = PrintQueue(context.database, printer, expiry=settings.job_expiry)
    try:
        outcomes = queue.retry_pending()
    finally:
        printer.close()
    left = queue.counts()["queued"]
    if args.json:
        print_json({"attempts": [outcome.to_json() for outcome in outcomes], "queued": left})
    else:
        for outcome in outcomes:
            result = "printed" if outcome.printed else f"not printed ({outcome.error})"
            print(f"job {outcome.job_id} {outcome.reference or '-'}: {result}")
        print(f"{left} job(s) still queued")
    return 0 if left == 0 else 1
