"""Both ends of the wire between kiosks and the city backend.

- :mod:`sync.wire`: the versioned wire schema (``/v1``), used by both ends.
- :mod:`sync.agent`: the kiosk side, draining the outbox and pulling updates
  (``kiosk sync run``).
- :mod:`office`: the reference city backend (``kiosk backend serve``), an optional
  extra of the package.
"""
