"""Asking the office about a receipt code this kiosk does not know, over the backend's API.

A citizen may check an application at any kiosk, not only the one that printed its code:
the desk (:mod:`kiosk.desk`) asks through this adapter, on its worker thread, when the code
is not in the kiosk's own records. One short request; no network, a refusal or a garbled
answer all mean "the office could not be asked just now", never a wrong answer.
"""

from __future__ import annotations

import re

from kiosk.application_status import OfficeRecord, OfficeUnreachableError
from kiosk.card_applications import CardApplication, CardReply
from kiosk.config import Config
from sync import wire
from sync.client import BackendClient, RequestFailedError

#: A citizen is waiting at the screen: ask briefly, then say the office could not be asked.
CONNECT_TIMEOUT = 2.0
READ_TIMEOUT = 4.0


class BackendOffice:
    """:class:`kiosk.application_status.OfficeLookup` over the city backend."""

    def __init__(self, client: BackendClient) -> None:
        self.client = client

    @classmethod
    def from_config(cls, config: Config) -> BackendOffice | None:
        """The office of this kiosk's backend; None when the kiosk is not enrolled."""
        url, token = config.text("sync.backend_url"), config.text("sync.token")
        if not url or not token:
            return None
        return cls(BackendClient(url, token, connect_timeout=CONNECT_TIMEOUT,
                                 read_timeout=READ_TIMEOUT))

    def look_up(self, receipt_code: str) -> list[OfficeRecord]:
        """Applications with ``receipt_code`` (or the intake linked to an official dossier
        code, when it is not a receipt code), newest first (see OfficeLookup)."""
        try:
            if re.fullmatch(wire.RECEIPT_CODE_PATTERN, receipt_code) is None:
                dossier = self.client.look_up_dossier(receipt_code)
                if dossier.receipt_code is None:
                    return []
                answer = wire.ApplicationLookup(receipt_code=dossier.receipt_code,
                                                applications=dossier.applications)
            else:
                answer = self.client.look_up_application(receipt_code)
        except RequestFailedError as failure:
            raise OfficeUnreachableError(failure.reason) from None
        return [
            OfficeRecord(
                submission_uuid=str(found.submission_uuid), receipt_code=answer.receipt_code,
                kind=found.kind.value, procedure_code=found.procedure_code,
                received_at=found.received_at, status=found.status, note=found.note,
                updated_at=found.updated_at,
            )
            for found in answer.applications
        ]

    def applications_by_card(self, key_id: str, card_hash: str) -> CardReply:
        """The applications made with the card whose keyed hash is ``card_hash`` (see
        :class:`kiosk.card_applications.CardOffice`)."""
        try:
            answer = self.client.look_up_card(
                wire.CardLookupRequest(key_id=key_id, card_hash=card_hash))
        except RequestFailedError as failure:
            raise OfficeUnreachableError(failure.reason) from None
        return CardReply(key_known=answer.key_known, applications=tuple(
            CardApplication(receipt_code=found.receipt_code,
                            procedure_code=found.procedure_code,
                            received_at=found.received_at, status=found.status,
                            updated_at=found.updated_at)
            for found in answer.applications))

    def close(self) -> None:
        """Close the pooled connection."""
        self.client.close()
