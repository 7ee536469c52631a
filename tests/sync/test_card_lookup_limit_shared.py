"""The card look-up's limit (12 a minute per kiosk) holds across worker processes: every
look-up adds one to a row all workers share in the database, so two workers (or eight)
admit 12 in all, not 12 each, even when the look-ups arrive at the same moment."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from fastapi.testclient import TestClient

from office.app import CARD_LOOKUP_RATE, create_app
from office.store import Store
from office.strict_ratelimit import StrictRateLimiter
from sync import wire
from tests.sync.conftest import KEYS, Backend

LOOKUP = wire.Endpoint.KIOSK_CARD_LOOKUP.value
BODY = {"key_id": "c1-000000000000", "card_hash": "0" * 64}
#: 20 s into a clock minute (40 s before it ends).
WALL = 1_000_040.0


def test_two_workers_admit_twelve_card_lookups_a_minute_in_all(backend: Backend) -> None:
    # GIVEN two workers' APIs over one database
    apps = [create_app(Store(backend.store.engine, KEYS), rate_limit="10000/second")
            for _ in range(2)]
    first, second = (TestClient(app) for app in apps)
    k1 = {"Authorization": f"Bearer {backend.token('K1')}"}
    allowed = int(CARD_LOOKUP_RATE.split("/")[0])
    assert allowed == 12
    # WHEN K1 looks up 6 cards through each, alternately
    codes = [client.post(LOOKUP, json=BODY, headers=k1).status_code
             for _ in range(allowed // 2) for client in (first, second)]
    # THEN all 12 are answered, and the 13th is refused by either worker
    assert codes == [200] * allowed
    for client in (first, second):
        refused = client.post(LOOKUP, json=BODY, headers=k1)
        assert refused.status_code == 429
        assert refused.json()["detail"] == "over the card look-up limit of 12/minute"
        assert 1 <= int(refused.headers["Retry-After"]) <= 60
    # AND another kiosk is not held back by K1's
    k2 = {"Authorization": f"Bearer {backend.token('K2')}"}
    assert second.post(LOOKUP, json=BODY, headers=k2).status_code == 200


def test_look_ups_at_the_same_moment_in_many_workers_admit_exactly_the_limit(
    backend: Backend,
) -> None:
    # GIVEN 4 workers' limiters over one database, all in the same minute
    workers = [StrictRateLimiter("12/minute", backend.store.engine, name="card-lookup",
                                 wall_clock=lambda: WALL) for _ in range(4)]
    # WHEN 40 look-ups of one kiosk arrive at once, 10 through each worker, 8 at a time
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda index: workers[index % 4].retry_after("K1"),
                                range(40)))
    # THEN exactly 12 are admitted, and each refusal waits till the minute ends
    assert answers.count(None) == 12
    assert {answer for answer in answers if answer is not None} == {40}


def test_a_new_minute_starts_from_zero_and_the_old_counts_are_deleted(
    backend: Backend,
) -> None:
    wall = [WALL]
    limiter = StrictRateLimiter("2/minute", backend.store.engine, name="card-lookup",
                                wall_clock=lambda: wall[0])
    other = StrictRateLimiter("2/minute", backend.store.engine, name="other",
                              wall_clock=lambda: wall[0])
    assert [limiter.retry_after("K1") for _ in range(3)] == [None, None, 40]
    assert other.retry_after("K1") is None  # another limit counts apart
    wall[0] += 60
    assert [limiter.retry_after("K1") for _ in range(3)] == [None, None, 40]
    with backend.store.engine.connect() as connection:
        rows = connection.exec_driver_sql(
            'SELECT limiter, "window", client_id, hits FROM strict_rate_counts '
            "ORDER BY limiter").all()
    minute = int(wall[0] // 60)
    assert [tuple(row) for row in rows] == [("card-lookup", minute, "K1", 3),
                                            ("other", minute - 1, "K1", 1)]
