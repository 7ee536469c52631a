"""``kiosk receipt``: see (or print again) the slip a citizen got for a receipt code.

Support's question "what did the citizen get?" is answered by ``kiosk receipt preview
CODE --png OUT``: the slip of the newest submission with that code, drawn exactly as the
configured printer would print it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kiosk import receipt_code
from kiosk.catalog import load_catalog
from kiosk.command import Context, UsageError, print_json
from kiosk.kinds import slip_for_submission
from kiosk.language import LANGUAGES
from kiosk.printing import PrinterSettings, PrintQueue
from kiosk.receipt import Receipt, SlipContext
from kiosk.submissions import Submission
from motcua.cli.printer import load_configured_printer, load_fault, report_fault
from motcua.cli.submissions import outbox_for


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``kiosk receipt ...``."""
    area = commands.add_parser("receipt", help="the slip of a submission, by receipt code")
    actions = area.add_subparsers(dest="action", metavar="ACTION", required=True)

    preview = actions.add_parser("preview", help="draw the slip as the printer would print it")
    preview.add_argument("code", metavar="RECEIPT_CODE", help="e.g. 7KQ3-MXPA (or the QR text)")
    preview.add_argument("--png", type=Path, required=True, metavar="OUT",
                         help="write the picture of the paper here")
    preview.add_argument("--escpos", type=Path, metavar="FILE",
                         help="also write the ESC/POS bytes of the job here")
    preview.add_argument("--language", choices=LANGUAGES,
                         help="slip language (default: ui.language)")
    preview.add_argument("--width", type=int, choices=(384, 576),
                         help="paper width in dots (default: the configured printer's)")
    preview.set_defaults(handler=_preview)

    again = actions.add_parser("print", help="print the slip again (through the print queue)")
    again.add_argument("code", metavar="RECEIPT_CODE")
    again.add_argument("--language", choices=LANGUAGES)
    again.add_argument("--json", action="store_true", help="print JSON")
    again.set_defaults(handler=_print)


def _submission(context: Context, typed: str) -> Submission:
    code = receipt_code.normalise(typed)
    if code is None:
        raise UsageError(f"{typed!r} is not a valid receipt code (XXXX-XXXX)")
    found = outbox_for(context).find_by_receipt(code)
    if not found:
        raise UsageError(f"no submission with receipt code {receipt_code.display(code)} "
                         f"on this kiosk")
    return found[0]


def _slip(context: Context, args: argparse.Namespace) -> Receipt:
    submission = _submission(context, args.code)
    slip_context = SlipContext.from_config(context.config, args.language)
    return slip_for_submission(submission, slip_context, load_catalog(context.database))


def _preview(args: argparse.Namespace, context: Context) -> int:
    from devices.escpos_encode import render_job  # noqa: PLC0415 - the core loads no driver
    from devices.fonts import FontMissingError  # noqa: PLC0415
    from devices.printer_profile import ProfileError, resolve_profile  # noqa: PLC0415

    receipt = _slip(context, args)
    config = context.config
    try:
        profile = resolve_profile(config.text("printer.profile"),
                                  args.width or config.number("printer.width_dots"))
        rendered, job = render_job(receipt, profile)
    except (ProfileError, FontMissingError) as error:
        raise UsageError(str(error)) from None
    try:
        args.png.parent.mkdir(parents=True, exist_ok=True)
        rendered.preview().save(args.png, format="PNG")
        if args.escpos is not None:
            args.escpos.write_bytes(job)
    except OSError as error:
        raise UsageError(f"cannot write the preview: {error}") from None
    print(f"{receipt.kind.value} {receipt.reference}: preview {rendered.width}x"
          f"{rendered.preview().height} dots written to {args.png}")
    return 0


def _print(args: argparse.Namespace, context: Context) -> int:
    receipt = _slip(context, args)
    printer = load_configured_printer(context)
    problem = load_fault(printer)
    if problem is not None:
        return report_fault(problem)
    settings = PrinterSettings.from_config(context.config)
    try:
        outcome = PrintQueue(context.database, printer, expiry=settings.job_expiry).submit(
            receipt
        )
    finally:
        printer.close()
    if args.json:
        print_json(outcome.to_json())
    elif outcome.printed:
        print(f"printed {receipt.kind.value} {receipt.reference} (job {outcome.job_id})")
    else:
        print(f"kiosk: not printed, job {outcome.job_id} stays queued: {outcome.error}",
              file=sys.stderr)
    return 0 if outcome.printed else 1
