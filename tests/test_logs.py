"""Log lines for journald, without personal numbers."""

from __future__ import annotations

import io
import logging

from kiosk.logs import configure


def test_journald_lines_carry_the_priority_and_one_line_per_event() -> None:
    stream = io.StringIO()
    handler = configure(stream=stream, environ={"JOURNAL_STREAM": "8:1234"})
    try:
        log = logging.getLogger("kiosk.test")
        log.warning("printer paper near end")
        log.error("sync failed:\nconnection refused")
        log.debug("not shown at INFO")
    finally:
        logging.getLogger().removeHandler(handler)
    assert stream.getvalue() == (
        "<4>kiosk.test: printer paper near end\n"
        "<3>kiosk.test: sync failed: | connection refused\n"
    )


def test_long_digit_runs_are_masked_before_writing() -> None:
    stream = io.StringIO()
    handler = configure(stream=stream, environ={"JOURNAL_STREAM": "8:1"})
    try:
        logging.getLogger("kiosk.test").info("scan %s then %d items", "001099012345", 3)
    finally:
        logging.getLogger().removeHandler(handler)
    assert stream.getvalue() == "<6>kiosk.test: scan ************ then 3 items\n"
