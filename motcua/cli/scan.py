"""``kiosk scan``: decode the QR codes in image files, as the kiosk's camera would.

The files go through the camera's own pipeline (decoder, retry, UTF-8 handling) and each
code through :func:`kiosk.scanned.classify`, so a technician can check a photo of a card
or a printed slip, and choose a decoder, without a camera. Device libraries are imported
only when the command runs: the core imports none.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from kiosk.clock import trusted_today
from kiosk.command import Context, print_json
from kiosk.scanned import classify

#: Exit status when an image file could not be read (bad input, like a usage error).
UNREADABLE_FILE_STATUS = 2
#: Exit status when no decoder can run here (a fault of this kiosk).
NO_DECODER_STATUS = 1


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``kiosk scan IMAGE...`` to the ``kiosk`` command."""
    scan = commands.add_parser(
        "scan",
        help="decode the QR codes in image files",
        description=(
            "Decode the QR codes in image files through the camera's pipeline and classify "
            "them (citizen ID, receipt code, URL, other). Exit status 0 when every file was "
            "read (with or without codes), 2 when a file could not be read (the others are "
            "still reported), 1 when no decoder is available."
        ),
    )
    scan.add_argument("images", metavar="IMAGE", nargs="+", type=Path, help="image file")
    scan.add_argument(
        "--decoder",
        choices=("auto", "zxing", "pyzbar"),
        help="QR decoder (default: the scanner.decoder setting)",
    )
    scan.add_argument("--json", action="store_true", help="print a JSON list")
    scan.set_defaults(handler=scan_command)


def scan_command(args: argparse.Namespace, context: Context) -> int:
    """``kiosk scan``: report every file's codes; a file that cannot be read is an error."""
    try:
        # Device code is loaded only here: the core imports no image or decoder library.
        from devices.image_files import UnreadableImageError, load_gray  # noqa: PLC0415
        from devices.qr_decoders import DecoderUnavailableError, load_decoder  # noqa: PLC0415
        from devices.qr_pipeline import FramePipeline  # noqa: PLC0415
    except ImportError as error:
        print(f"kiosk: scan: the decoding pipeline cannot load: {error}", file=sys.stderr)
        return NO_DECODER_STATUS

    choice: str = args.decoder or context.config.text("scanner.decoder")
    try:
        pipeline = FramePipeline(load_decoder(choice))
    except DecoderUnavailableError as error:
        print(f"kiosk: scan: {error}", file=sys.stderr)
        return NO_DECODER_STATUS

    today = trusted_today()
    status = 0
    report: list[dict[str, Any]] = []
    for path in args.images:
        entry: dict[str, Any] = {"file": str(path), "codes": []}
        report.append(entry)
        try:
            frame = load_gray(path)
        except UnreadableImageError as error:
            print(f"kiosk: scan: {path}: cannot read the image: {error}", file=sys.stderr)
            entry["error"] = str(error)
            status = UNREADABLE_FILE_STATUS
            continue
        for raw in pipeline.decode(frame):
            scanned = classify(raw, today=today)
            entry["codes"].append(
                {"kind": scanned.kind.value, "raw": raw, "parsed": scanned.parsed_json()}
            )
            if scanned.problem is not None:
                entry["codes"][-1]["problem"] = scanned.problem

    if args.json:
        print_json(report)
    else:
        _print_text(report, pipeline.decoder.name)
    return status


def _print_text(report: list[dict[str, Any]], decoder: str) -> None:
    for entry in report:
        if "error" in entry:
            continue  # already said on standard error
        codes = entry["codes"]
        if not codes:
            print(f"{entry['file']}: no QR code found (decoder {decoder})")
        for code in codes:
            print(f"{entry['file']}: {code['kind']}: {code['raw']}")
            if "problem" in code:
                print(f"  refused as an ID card: {code['problem']}")
