"""``kiosk backend pull``: the back office's view of the submissions feed."""

from __future__ import annotations

import argparse

from kiosk.command import Context, UsageError, print_json
from office.cli.home import Action, open_store


def register(action: Action) -> None:
    """Add ``pull``."""
    pull = action("pull", "the back office's view: submissions after a cursor")
    pull.add_argument("--after", default="0", help="cursor to start after (0: the start)")
    pull.add_argument("--limit", type=int, default=100, help="page size (1 to 1000)")
    pull.add_argument("--json", action="store_true", help="print JSON")
    pull.set_defaults(handler=_pull)


def _pull(args: argparse.Namespace, context: Context) -> int:
    if not args.after.isdigit() or len(args.after) > 18:
        raise UsageError(f"--after {args.after!r}: a cursor is a whole number")
    if not 1 <= args.limit <= 1000:
        raise UsageError("--limit must be from 1 to 1000")
    page = open_store(args, context).pull(int(args.after), args.limit)
    if args.json:
        print_json(page.model_dump(mode="json"))
        return 0
    for item in page.items:
        submission = item.submission
        print(f"{item.cursor:>8}  {submission.kiosk_id:<12} {submission.kind.value:<18} "
              f"{submission.receipt_code}  {submission.uuid}")
    print(f"next cursor: {page.next_cursor}{' (more)' if page.has_more else ''}")
    return 0
