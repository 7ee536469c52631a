"""The updater's state for ``kiosk doctor`` and the technician screen (docs/updates.md).

:func:`update_checks` is a :data:`kiosk.doctor.CheckSource`: which release runs, the
channel, and whether updates can apply at all (a release key trusted from root's file) and
how the last one ended. Never a FAULT: a new doctor fault is what rolls a release in trial
back, and the state of updates says nothing about whether this release serves citizens.
"""

from __future__ import annotations

from pathlib import Path

from kiosk.config import Config
from kiosk.doctor import Check, CheckStatus
from kiosk.system_config import root_only_from_technician
from kiosk.update_policy import UpdateState
from kiosk.update_report import read_last_update
from sync.updater import CURRENT_LINK

NAME = "updates"
KEY_FIX = "sudo kiosk config set --system update.release_keys KEY (docs/updates.md)"


def update_checks(config: Config) -> list[Check]:
    """The one updates check."""
    return [check_updates(config)]


def check_updates(config: Config) -> Check:
    """The running release and channel, and why updates would not apply."""
    root = Path(config.text("update.root"))
    current = root / CURRENT_LINK
    if not current.is_symlink():
        return Check(NAME, CheckStatus.OK,
                     f"not installed by install-pi (no {current}): no updates here")
    running = f"{current.readlink().name}, channel {config.text('update.channel')}"
    return _trust_problem(config, running) or _last_outcome(root, running)


def _trust_problem(config: Config, running: str) -> Check | None:
    """Why the updater would refuse every release, or None."""
    kiosk_writable = root_only_from_technician(config)
    if kiosk_writable:
        return Check(NAME, CheckStatus.WARNING,
                     f"{running}: {', '.join(kiosk_writable)} set in the technician layer, "
                     "which the root updater refuses: no update applies",
                     f"remove it from {config.technician_path}; {KEY_FIX}")
    if not config.text("update.release_keys").strip():
        return Check(NAME, CheckStatus.WARNING,
                     f"{running}: no release key, every update is refused", KEY_FIX)
    return None


def _last_outcome(root: Path, running: str) -> Check:
    """How the last update ended (kiosk/update_report.py reads it as the heartbeat does)."""
    try:
        last = read_last_update(root)
    except ValueError as error:
        return Check(NAME, CheckStatus.WARNING, f"{running}: {error}",
                     "sudo kiosk update status; the next update check rewrites it")
    if last is None:
        return Check(NAME, CheckStatus.OK, f"{running}: no update applied yet")
    if last.problem is not None:
        # The words when the updater kept them; a file of the first updater may have lost
        # a rollback's under a later refusal's, and the problem still stands.
        words = last.reason or f"{last.problem.value} {last.target_version or '-'}"
        return Check(NAME, CheckStatus.WARNING, f"{running}: {words}",
                     "see journalctl -u motcua-kiosk-update; a failed release is not tried "
                     "again until the channel serves another")
    outcome = (f"{last.target_version} in trial" if last.state is UpdateState.TRIAL
               else last.state.value)
    if last.postponed is not None:
        outcome += f"; {last.postponed}"
    return Check(NAME, CheckStatus.OK, f"{running}: {outcome}")
