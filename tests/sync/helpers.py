"""Submissions and citizens for the sync tests."""

from __future__ import annotations

import datetime as dt
import itertools

from kiosk.clock import HANOI
from kiosk.idcard import CitizenCard, parse_id_qr
from kiosk.kinds import (
    FeedbackCategory,
    FeedbackRequest,
    IntakeRequest,
    QueueTicketRequest,
    RatingLevel,
    RatingRequest,
)
from kiosk.submissions import Outbox

#: 08:00 today in Hà Nội: the backend takes service days near its own date only.
MORNING = dt.datetime.combine(dt.datetime.now(HANOI).date(), dt.time(8, 0), tzinfo=HANOI)

_SURNAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng")
_MIDDLE = ("Văn", "Thị", "Hữu", "Minh", "Ngọc")
_GIVEN = ("Khải", "Thắng", "Quỳnh", "Dũng", "Hường", "Tuấn", "Phượng", "Nghĩa")


def citizens(count: int) -> list[CitizenCard]:
    """``count`` distinct valid ID cards (born 15/03/1999 in Hà Nội, male)."""
    names = (f"{s} {m} {g}" for s, m, g in itertools.product(_SURNAMES, _MIDDLE, _GIVEN))
    cards = []
    for number, name in zip(range(count), names, strict=False):
        id_number = f"001099{(104729 * (number + 7)) % 1_000_000:06d}"
        cards.append(parse_id_qr(
            f"{id_number}||{name}|15031999|Nam|Số {number + 1} Phố Huế, Hà Nội|20042021",
            today=MORNING.date(),
        ))
    assert len({card.id_number for card in cards}) == count == len(cards)
    return cards


def fill(outbox: Outbox, count: int, *, now: dt.datetime = MORNING) -> list[str]:
    """``count`` submissions of every kind (an intake in five with a sealed identity);
    returns their UUIDs in order."""
    cards = citizens(min(count, 400))
    requests = [
        QueueTicketRequest(service="A"),
        FeedbackRequest(FeedbackCategory.TRAFFIC, "Đèn tín hiệu hỏng", "0912000111"),
        RatingRequest(RatingLevel.SATISFIED, counter="Quầy số 1"),
        QueueTicketRequest(service="C"),
    ]
    made = []
    for number in range(count):
        if number % 5 == 0:
            submission = outbox.create(IntakeRequest("1.001193", (0,)),
                                       citizen=cards[number % len(cards)], now=now)
        else:
            submission = outbox.create(requests[number % len(requests)], now=now)
        made.append(submission.uuid)
    return made
