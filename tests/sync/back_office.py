"""A back office with two units' kiosks, their submissions and its people, for the web tests."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient

from kiosk.kinds import FeedbackCategory, FeedbackRequest, IntakeRequest, RatingLevel, RatingRequest
from office.store.users import UserRole
from sync import wire
from sync.agent import to_wire
from tests.sync.conftest import Backend, Kiosk
from tests.sync.helpers import MORNING, citizens

#: Phường Ba Đình and Phường Hoàn Kiếm (kiosk/data/communes-hanoi.json).
BA_DINH, HOAN_KIEM = 4, 70
PASSWORD = "mat-khau-thu-nghiem-2026"


@dataclass(frozen=True)
class Seeded:
    """What :func:`seed` made: per unit, the feedback and the intake (submission UUIDs)."""

    feedback: dict[int, str]
    intake: dict[int, str]
    rating: dict[int, str]
    receipt: dict[str, str]


def deliver(backend: Backend, kiosk: Kiosk) -> None:
    """Store everything ``kiosk`` has pending, as the sync agent would."""
    items = [to_wire(d) for d in kiosk.outbox.pending_deliveries(500)]
    backend.store.ingest(wire.SubmissionBatch(submissions=items))


def seed(backend: Backend, make_kiosk: object) -> Seeded:
    """Kiosk K-BD in Ba Đình and K-HK in Hoàn Kiếm, each with a feedback (with a contact),
    an intake (with a sealed identity) and a rating; and one user of each role."""
    feedback: dict[int, str] = {}
    intake: dict[int, str] = {}
    rating: dict[int, str] = {}
    receipt: dict[str, str] = {}
    cards = citizens(2)
    for index, (unit, kiosk_id) in enumerate(((BA_DINH, "K-BD"), (HOAN_KIEM, "K-HK"))):
        backend.store.units.assign(kiosk_id, unit)
        kiosk: Kiosk = make_kiosk(kiosk_id)  # type: ignore[operator]
        made = kiosk.outbox.create(FeedbackRequest(
            FeedbackCategory.ENVIRONMENT_SANITATION, f"Rác để tràn ra vỉa hè ở ngõ {index + 5}",
            "0912000111"), now=MORNING)
        feedback[unit] = made.uuid
        receipt[made.uuid] = made.receipt_code
        made = kiosk.outbox.create(IntakeRequest("1.001193", (0,)), citizen=cards[index],
                                   now=MORNING)
        intake[unit] = made.uuid
        receipt[made.uuid] = made.receipt_code
        made = kiosk.outbox.create(RatingRequest(RatingLevel.SATISFIED, counter="Quầy 1"),
                                   now=MORNING)
        rating[unit] = made.uuid
        deliver(backend, kiosk)
    users = backend.store.users
    users.add_user("admin", UserRole.CITY_ADMIN, None, PASSWORD)
    users.add_user("canbo.badinh", UserRole.COMMUNE_OFFICER, BA_DINH, PASSWORD)
    users.add_user("canbo.hoankiem", UserRole.COMMUNE_OFFICER, HOAN_KIEM, PASSWORD)
    users.add_user("kiemtra", UserRole.AUDITOR, None, PASSWORD)
    return Seeded(feedback, intake, rating, receipt)


def csrf_of(page: str) -> str:
    """The CSRF token in a page's first form."""
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found is not None, "no CSRF field on the page"
    return found.group(1)


def sign_in(client: TestClient, username: str, password: str = PASSWORD) -> Any:
    """Fill in and send the sign-in form as a browser would."""
    form = client.get("/bo/sign-in")
    return client.post("/bo/sign-in", data={"csrf": csrf_of(form.text), "username": username,
                                            "password": password}, follow_redirects=False)


def signed_in(client: TestClient, username: str) -> str:
    """Sign in; returns the session's CSRF token (from the inbox's sign-out form)."""
    assert sign_in(client, username).status_code == 303
    return csrf_of(client.get("/bo/inbox").text)
