"""The kiosk's HTTP client for the service point's hub (``hub.url``).

Same verdicts as the city client (:mod:`sync.client`): a failure is a
:class:`RequestFailedError` whose kind says whether to retry. A 409 (another ticket under
this UUID, or its number already taken at the hub) is final here, unlike at the city: the
ticket is refused for good and the next ones go on.
"""

from __future__ import annotations

from typing import Any, TypeVar

import requests
from pydantic import BaseModel, ValidationError

from kiosk import __version__
from sync import hub_wire, wire
from sync.client import FailureKind, RequestFailedError, classify, retry_after_seconds

_M = TypeVar("_M", bound=BaseModel)
#: Characters of a hub error kept in a failure reason.
MAX_REASON = 300


class HubClient:
    """Calls the hub's kiosk API over one keep-alive session."""

    def __init__(self, base_url: str, token: str, *, connect_timeout: float = 3.0,
                 read_timeout: float = 10.0, session: requests.Session | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = (connect_timeout, read_timeout)
        self.session = session or requests.Session()
        self.session.headers.update({"Authorization": f"Bearer {token}",
                                     "User-Agent": f"motcua-kiosk-sync/{__version__}"})

    def close(self) -> None:
        """Close the pooled connections."""
        self.session.close()

    def _request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        try:
            response = self.session.request(method, self.base_url + path,
                                            timeout=self.timeout, **kwargs)
            _ = response.content
        except requests.RequestException as error:
            raise RequestFailedError(FailureKind.TRANSIENT,
                                     f"hub: {type(error).__name__}") from None
        if 200 <= response.status_code < 300:
            return response
        kind = FailureKind.REJECTED if response.status_code == 409 \
            else classify(response.status_code)
        reason = f"hub: {response.status_code} {response.text[:MAX_REASON]}"
        raise RequestFailedError(kind, reason, status=response.status_code,
                                 retry_after=retry_after_seconds(response))

    @staticmethod
    def _parse(response: requests.Response, model: type[_M]) -> _M:
        try:
            return model.model_validate_json(response.content)
        except ValidationError:
            raise RequestFailedError(FailureKind.TRANSIENT, "hub: unreadable answer",
                                     status=response.status_code) from None

    def register(self, ticket: hub_wire.TicketRegistration) -> hub_wire.TicketPlace:
        """Queue a ticket at the hub (safe to repeat: the UUID is the key)."""
        response = self._request("POST", hub_wire.HubEndpoint.TICKETS.value,
                                 data=ticket.model_dump_json().encode("utf-8"),
                                 headers={"Content-Type": "application/json"})
        return self._parse(response, hub_wire.TicketPlace)

    def place(self, submission_uuid: str) -> hub_wire.TicketPlace | None:
        """Where one ticket stands (None: the hub does not have it)."""
        path = hub_wire.HubEndpoint.TICKET.value.format(submission_uuid=submission_uuid)
        try:
            return self._parse(self._request("GET", path), hub_wire.TicketPlace)
        except RequestFailedError as failure:
            if failure.status == 404:
                return None
            raise

    def queue(self) -> wire.QueuePublication:
        """Every service's load now."""
        return self._parse(self._request("GET", hub_wire.HubEndpoint.QUEUE.value),
                           wire.QueuePublication)

    def ticket_for_rating(self, token: str) -> hub_wire.TicketForRating | None:
        """A scanned ticket as the hub describes it for a rating (None: unknown there)."""
        path = hub_wire.HubEndpoint.RATING.value.format(token=token)
        try:
            return self._parse(self._request("GET", path), hub_wire.TicketForRating)
        except RequestFailedError as failure:
            if failure.status == 404:
                return None
            raise

    def rate(self, token: str, rating: hub_wire.TicketRating) -> hub_wire.TicketForRating:
        """Rate a served ticket (409: rated already; 422: not served; 404: unknown)."""
        path = hub_wire.HubEndpoint.RATING.value.format(token=token)
        response = self._request("POST", path, data=rating.model_dump_json().encode("utf-8"),
                                 headers={"Content-Type": "application/json"})
        return self._parse(response, hub_wire.TicketForRating)
    def call_for_help(self, request: hub_wire.HelpRequest) -> hub_wire.HelpAnswer:
        """Ask the point's staff to come to this kiosk ("Cần hỗ trợ")."""
        response = self._request("POST", hub_wire.HubEndpoint.HELP.value,
                                 data=request.model_dump_json().encode("utf-8"),
                                 headers={"Content-Type": "application/json"})
        return self._parse(response, hub_wire.HelpAnswer)
