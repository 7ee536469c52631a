"""Small parts of sync: backoff, verdicts on status codes, Retry-After, statuses kept."""

from __future__ import annotations

import random

import pytest
import requests

from kiosk.application_status import (
    ApplicationStatus,
    StatusRecord,
    apply_statuses,
    lookup_status,
    status_cursor,
)
from kiosk.storage import Database
from sync.backoff import MAX_RETRY_AFTER, Backoff
from sync.client import FailureKind, classify, retry_after_seconds


def test_backoff_doubles_with_jitter_up_to_the_cap_and_resets() -> None:
    backoff = Backoff(base=1.0, cap=60.0, rng=random.Random(1))
    delays = [backoff.next_delay() for _ in range(10)]
    ceilings = [1, 2, 4, 8, 16, 32, 60, 60, 60, 60]
    assert all(c / 2 <= d <= c for d, c in zip(delays, ceilings, strict=True)), delays
    backoff.reset()
    assert backoff.next_delay() <= 1.0


def test_retry_after_is_a_floor_even_above_the_cap_but_bounded() -> None:
    backoff = Backoff(base=1.0, cap=5.0, rng=random.Random(1))
    assert backoff.next_delay(retry_after=30) == 30
    assert backoff.next_delay(retry_after=10**9) == MAX_RETRY_AFTER


@pytest.mark.parametrize(
    ("status", "kind"),
    [(500, FailureKind.TRANSIENT), (503, FailureKind.TRANSIENT), (408, FailureKind.TRANSIENT),
     (409, FailureKind.TRANSIENT), (429, FailureKind.TRANSIENT),
     (401, FailureKind.UNAUTHORIZED), (403, FailureKind.UNAUTHORIZED),
     (400, FailureKind.REJECTED), (404, FailureKind.REJECTED), (413, FailureKind.REJECTED),
     (422, FailureKind.REJECTED)],
)
def test_status_codes_get_the_verdicts_of_the_issue(status: int, kind: FailureKind) -> None:
    assert classify(status) is kind


def _response(headers: dict[str, str]) -> requests.Response:
    response = requests.Response()
    response.headers.update(headers)
    return response


def test_retry_after_as_seconds_or_as_a_date_against_the_servers_own_clock() -> None:
    assert retry_after_seconds(_response({"Retry-After": "7"})) == 7.0
    # The device clock may say 1970: a date is measured against the answer's Date header.
    dated = _response({"Retry-After": "Fri, 27 Nov 2026 08:00:30 GMT",
                       "Date": "Fri, 27 Nov 2026 08:00:00 GMT"})
    assert retry_after_seconds(dated) == 30.0
    assert retry_after_seconds(_response({"Retry-After": "soon"})) is None
    assert retry_after_seconds(_response({})) is None


def _record(cursor: int, status: ApplicationStatus) -> StatusRecord:
    return StatusRecord("u-1", "ABCDEFGH", status, None, "2026-11-27T01:00:00+00:00", cursor)


def test_status_pages_apply_atomically_and_a_replayed_page_changes_nothing(
    db: Database,
) -> None:
    assert status_cursor(db) == 0
    assert apply_statuses(db, [_record(3, ApplicationStatus.RECEIVED),
                               _record(5, ApplicationStatus.IN_PROGRESS)], 5) == 2
    # WHEN an older page comes again (a crash before the cursor was known elsewhere)
    assert apply_statuses(db, [_record(3, ApplicationStatus.RECEIVED)], 3) == 0
    # THEN the latest status and cursor stay
    assert [s.status for s in lookup_status(db, "ABCDEFGH")] == [ApplicationStatus.IN_PROGRESS]
    assert status_cursor(db) == 5


def test_the_demo_key_pair_matches_the_demo_configuration() -> None:
    from kiosk.config import load_config
    from office.keys import DEMO_PRIVATE_KEY, SealingKeys

    demo = load_config(demo=True, environ={"KIOSK_DATA_DIR": "/nonexistent"})
    assert demo.text("sync.backend_public_key") == SealingKeys.from_base64(
        DEMO_PRIVATE_KEY).public_key
