"""The kiosk's HTTP client for the backend: one keep-alive session, timeouts, verdicts.

Every call either returns the backend's parsed answer or raises :class:`RequestFailedError`
with a :class:`FailureKind` that tells the agent what to do:

- ``TRANSIENT``: connection errors, timeouts, a cut or unreadable answer, 5xx, 408, 409,
  429. Retried forever, with backoff (and the server's ``Retry-After``).
- ``UNAUTHORIZED``: 401 or 403 for the whole request (a revoked token, a kiosk id that
  does not match its token). Not the items' fault: they stay pending, retried with
  backoff, and the error is shown to technicians until someone fixes the configuration.
- ``REJECTED``: any other 4xx for the whole request (400, 404, 413, 422): the request as
  sent will never be accepted. The agent narrows a rejected batch down to the item at
  fault and marks only that one failed.

requests never retries a POST by itself, and this client does not either: the agent
decides, and the idempotency key makes every retry safe.
"""

from __future__ import annotations

import email.utils
import enum
import json
from dataclasses import dataclass
from typing import Any, TypeVar

import requests
from pydantic import BaseModel, ValidationError

from kiosk import __version__
from sync import wire

_M = TypeVar("_M", bound=BaseModel)
#: Characters of a backend error message kept in a failure reason.
MAX_REASON = 300


class FailureKind(enum.Enum):
    """What a failed request means for the items in it."""

    TRANSIENT = "transient"
    UNAUTHORIZED = "unauthorized"
    REJECTED = "rejected"


class RequestFailedError(Exception):
    """A request that did not get a usable answer."""

    def __init__(
        self, kind: FailureKind, reason: str, *, status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(reason)
        self.kind = kind
        self.reason = reason
        self.status = status
        self.retry_after = retry_after


def classify(status: int) -> FailureKind:
    """The verdict on a non-2xx status code."""
    if status in {408, 409, 429} or status >= 500:
        return FailureKind.TRANSIENT
    if status in {401, 403}:
        return FailureKind.UNAUTHORIZED
    return FailureKind.REJECTED


def retry_after_seconds(response: requests.Response) -> float | None:
    """``Retry-After`` in seconds: a number, or an HTTP date measured against the
    response's own ``Date`` header (the device clock may be decades off)."""
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        until = email.utils.parsedate_to_datetime(value)
        served = email.utils.parsedate_to_datetime(response.headers.get("Date", ""))
    except (TypeError, ValueError):
        return None
    return max(0.0, (until - served).total_seconds())


def _reason(response: requests.Response) -> str:
    """The backend's error in a line, without echoing the values it refused."""
    try:
        detail: Any = response.json().get("detail")
    except (ValueError, AttributeError):
        detail = None
    if isinstance(detail, list):  # validation errors: keep where and what, not the input
        detail = "; ".join(
            f"{'.'.join(str(part) for part in item.get('loc', []))}: {item.get('msg', '')}"
            for item in detail if isinstance(item, dict)
        )
    text = f"{response.status_code} {response.reason or ''}".strip()
    if detail:
        text += f": {detail}"
    return text[:MAX_REASON]


@dataclass(frozen=True)
class Document:
    """A published document pulled with its ETag and version."""

    body: bytes
    etag: str | None
    version: int | None


class BackendClient:
    """Calls the backend's v1 API over one keep-alive :class:`requests.Session`."""

    def __init__(
        self, base_url: str, token: str, *, connect_timeout: float, read_timeout: float,
        session: requests.Session | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = (connect_timeout, read_timeout)
        self.session = session or requests.Session()
        self.session.headers.update({
            "Authorization": f"Bearer {token}",
            "User-Agent": f"motcua-kiosk-sync/{__version__}",
        })
        self.last_server_date: str | None = None

    def close(self) -> None:
        """Close the pooled connections."""
        self.session.close()

    def _request(
        self, method: str, endpoint: wire.Endpoint, *, path: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> requests.Response:
        # ``path`` fills a templated endpoint's {fields}.
        url = self.base_url + (endpoint.value.format(**path) if path else endpoint.value)
        try:
            response = self.session.request(method, url, timeout=self.timeout, **kwargs)
            # Read the whole body here, so a connection cut mid-answer is a transient
            # failure of this call, not a surprise later.
            _ = response.content
        except requests.RequestException as error:
            raise RequestFailedError(
                FailureKind.TRANSIENT, f"{type(error).__name__}: {_short(error)}"
            ) from None
        self.last_server_date = response.headers.get("Date", self.last_server_date)
        if response.status_code == 304 or 200 <= response.status_code < 300:
            return response
        raise RequestFailedError(
            classify(response.status_code), _reason(response), status=response.status_code,
            retry_after=retry_after_seconds(response),
        )

    @staticmethod
    def _parse(response: requests.Response, model: type[_M]) -> _M:
        try:
            return model.model_validate_json(response.content)
        except ValidationError:
            # A 2xx whose body does not parse was cut or garbled on the way: retry.
            raise RequestFailedError(
                FailureKind.TRANSIENT, f"unreadable answer ({len(response.content)} bytes)",
                status=response.status_code,
            ) from None

    def send_batch(self, batch: wire.SubmissionBatch) -> wire.BatchResult:
        """Deliver ``batch``; the backend's result per item."""
        response = self._request(
            "POST", wire.Endpoint.SUBMISSIONS_BATCH,
            data=batch.model_dump_json().encode("utf-8"),
            headers={"Content-Type": "application/json"},
        )
        return self._parse(response, wire.BatchResult)

    def fetch(self, endpoint: wire.Endpoint, etag: str | None) -> Document | None:
        """A published document, or None when it has not changed since ``etag`` (or
        nothing is published yet)."""
        headers = {"If-None-Match": etag} if etag else {}
        try:
            response = self._request("GET", endpoint, headers=headers)
        except RequestFailedError as failure:
            if failure.status == 404:
                return None
            raise
        if response.status_code == 304:
            return None
        version = response.headers.get("X-Content-Version", "")
        return Document(response.content, response.headers.get("ETag"),
                        int(version) if version.isdigit() else None)

    def changes(self, unit_code: int | None, etag: str | None
                ) -> tuple[wire.KioskChanges, str | None] | None:
        """What this kiosk would pull now and the answer's ETag, or None when nothing
        changed since ``etag``. Raises :class:`RequestFailedError` (status 404 from a
        backend older than this endpoint)."""
        response = self._request(
            "GET", wire.Endpoint.KIOSK_CHANGES,
            params={} if unit_code is None else {"unit": str(unit_code)},
            headers={"If-None-Match": etag} if etag else {})
        if response.status_code == 304:
            return None
        return self._parse(response, wire.KioskChanges), response.headers.get("ETag")

    def status_feed(self, after: int, limit: int) -> wire.StatusPage:
        """This kiosk's status events after cursor ``after``."""
        response = self._request(
            "GET", wire.Endpoint.KIOSK_APPLICATION_STATUSES,
            params={"after": str(after), "limit": str(limit)},
        )
        return self._parse(response, wire.StatusPage)

    def queue_state(self, unit_code: int) -> wire.QueueState | None:
        """The queue the back office published for service point ``unit_code`` (None: none
        published yet)."""
        try:
            response = self._request(
                "GET", wire.Endpoint.QUEUE, path={"unit_code": str(unit_code)}
            )
        except RequestFailedError as failure:
            if failure.status == 404:
                return None
            raise
        return self._parse(response, wire.QueueState)

    def release_offer(self, channel: str) -> wire.ReleaseOffer | None:
        """The signed release ``channel`` serves (None: nothing published there)."""
        try:
            response = self._request("GET", wire.Endpoint.KIOSK_RELEASE,
                                     path={"channel": channel})
        except RequestFailedError as failure:
            if failure.status == 404:
                return None
            raise
        return self._parse(response, wire.ReleaseOffer)

    def look_up_application(self, receipt_code: str) -> wire.ApplicationLookup:
        """What the office knows of ``receipt_code`` (canonical form), from any kiosk."""
        response = self._request(
            "GET", wire.Endpoint.KIOSK_APPLICATION_LOOKUP, path={"receipt_code": receipt_code}
        )
        return self._parse(response, wire.ApplicationLookup)

    def look_up_dossier(self, dossier_code: str) -> wire.DossierLookup:
        """What the office knows of an official dossier code (mã hồ sơ), from any kiosk."""
        response = self._request("GET", wire.Endpoint.KIOSK_DOSSIER_LOOKUP,
                                 params={"code": dossier_code})
        return self._parse(response, wire.DossierLookup)

    def look_up_card(self, request: wire.CardLookupRequest) -> wire.CardApplications:
        """The applications made with one ID card, by its keyed hash (in the body: a URL
        would put the hash in proxies' logs)."""
        response = self._request(
            "POST", wire.Endpoint.KIOSK_CARD_LOOKUP,
            data=request.model_dump_json().encode("utf-8"),
            headers={"Content-Type": "application/json"},
        )
        return self._parse(response, wire.CardApplications)

    def identity(self) -> wire.KioskIdentity:
        """Who this token's kiosk is, and the backend's sealing key."""
        return self._parse(self._request("GET", wire.Endpoint.KIOSK_IDENTITY),
                           wire.KioskIdentity)

    def heartbeat(self, beat: wire.Heartbeat) -> wire.HeartbeatAck:
        """Send this kiosk's health."""
        response = self._request(
            "POST", wire.Endpoint.HEARTBEAT, data=beat.model_dump_json().encode("utf-8"),
            headers={"Content-Type": "application/json"},
        )
        return self._parse(response, wire.HeartbeatAck)


def _short(error: Exception) -> str:
    text = str(error)
    return text if len(text) <= MAX_REASON else text[: MAX_REASON - 3] + "..."


def decode_json(raw: bytes) -> Any:
    """JSON from a pulled document (raises ValueError when it is not)."""
    return json.loads(raw.decode("utf-8"))
