"""Where one scanned code ends, for scanners that send a stream of bytes or key presses.

A scanner ends each code with a suffix it is configured for (CR, LF, CR LF, Tab) or with
none at all. A code therefore ends at CR or LF, or when the scanner has been quiet for
:data:`QUIET_SECONDS` after sending something: a scanner sends one code in one burst,
milliseconds long, so a tenth of a second of silence means it has finished.
"""

from __future__ import annotations

#: Silence that ends a code sent without a suffix.
QUIET_SECONDS = 0.1

#: A code longer than this is cut here: a QR code holds at most 2,953 bytes.
MAX_CODE_BYTES = 4096

_LINE_ENDS = (b"\r", b"\n")


class LineAssembler:
    """Bytes as they arrive -> whole codes (bytes, without the suffix).

    ``now`` arguments are monotonic seconds from the caller, so tests need no clock.
    """

    def __init__(self, quiet_seconds: float = QUIET_SECONDS) -> None:
        self._quiet = quiet_seconds
        self._pending = bytearray()
        self._last_byte_at = 0.0

    def feed(self, data: bytes, now: float) -> list[bytes]:
        """Add ``data``; the codes it completed."""
        codes: list[bytes] = []
        if data:
            self._last_byte_at = now
        for byte in data:
            if bytes((byte,)) in _LINE_ENDS:
                # CR LF (and empty lines) end nothing more than the first CR did.
                if self._pending:
                    codes.append(bytes(self._pending))
                    self._pending.clear()
                continue
            self._pending.append(byte)
            if len(self._pending) >= MAX_CODE_BYTES:
                codes.append(bytes(self._pending))
                self._pending.clear()
        return codes

    def flush_if_quiet(self, now: float) -> bytes | None:
        """The pending code, if the scanner has been quiet long enough to have finished."""
        if self._pending and now - self._last_byte_at >= self._quiet:
            code = bytes(self._pending)
            self._pending.clear()
            return code
        return None
