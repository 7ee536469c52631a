"""What ``kiosk backend fleet`` prints of a kiosk's updates (the fleet page shows the same,
office/web/fleet_page.py, in Vietnamese)."""

from __future__ import annotations

from sync import wire


def update_detail(update: wire.UpdateReport | None) -> str:
    """``", channel stable, update confirmed 2.4.0"``, with the problem and its reason when
    there is one; empty for a kiosk that does not report its updates (older software)."""
    if update is None:
        return ""
    text = f", channel {update.channel}"
    if update.state is None:
        return text + ", no update yet"
    text += f", update {update.state.value} {update.target_version or '-'}"
    if update.problem is not None and update.reason:
        text += f" ({update.problem.value}: {update.reason})"
    return text
