"""The kiosk's "Cần hỗ trợ" over the hub's API (:class:`kiosk.staff_help.StaffCaller`).

One short request: a citizen is waiting at the screen, so the hub is given a couple of
seconds, then the kiosk tells them to go to the desk (kiosk/staff_help.py).
"""

from __future__ import annotations

from kiosk.config import Config
from kiosk.staff_help import StaffCallError
from sync import hub_wire
from sync.client import RequestFailedError
from sync.hub_client import HubClient

#: A citizen is waiting: ask briefly.
CONNECT_TIMEOUT = 2.0
READ_TIMEOUT = 3.0


class HubStaffCaller:
    """Calls staff through this kiosk's hub."""

    def __init__(self, client: HubClient) -> None:
        self.client = client

    @classmethod
    def from_config(cls, config: Config) -> HubStaffCaller | None:
        """The caller of this kiosk's hub; None when no hub is configured."""
        url, token = config.text("hub.url"), config.text("hub.token")
        if not url or not token:
            return None
        return cls(HubClient(url, token, connect_timeout=CONNECT_TIMEOUT,
                             read_timeout=READ_TIMEOUT))

    def call_staff(self, screen: str) -> int:
        """Show the call on the consoles; how many showed it (see StaffCaller)."""
        try:
            answer = self.client.call_for_help(hub_wire.HelpRequest(screen=screen))
        except RequestFailedError as failure:
            raise StaffCallError(failure.reason) from None
        return answer.consoles

    def close(self) -> None:
        """Close the pooled connection."""
        self.client.close()
