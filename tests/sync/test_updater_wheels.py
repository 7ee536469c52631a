"""At keep, the kiosk's wheels shrink to what the kept and the previous release locked
(fake installer that writes the release's lock, as the real one does for a bundle)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from kiosk.update_policy import TrialVerdict
from tests.sync.test_updater import START, Kiosk, key, kiosk, publish  # noqa: F401 - fixtures
from tests.tiny_wheels import lock, wheel


class LockingInstaller:
    """Installs 2.4.0 as a bundle would: its lock kept in the release's folder."""

    def __init__(self, locks: dict[str, Path]) -> None:
        self.locks = locks

    def install(self, artifact: Path, target: Path) -> None:
        if target.name in self.locks:
            (target / "requirements.lock").write_text(self.locks[target.name].read_text())


def kept_wheels(kiosk: Kiosk, tmp_path: Path, *, previous_locked: bool) -> list[str]:  # noqa: F811
    wheels, build = kiosk.paths.root / "wheels", tmp_path / "build"
    wheels.mkdir()
    build.mkdir()
    old = wheel(wheels, "old-dep", "1.0", {"old_dep/__init__.py": ""})
    both = wheel(wheels, "both-dep", "1.0", {"both_dep/__init__.py": ""})
    new = wheel(wheels, "new-dep", "1.0", {"new_dep/__init__.py": ""})
    wheel(wheels, "gone-dep", "1.0", {"gone_dep/__init__.py": ""})  # neither locks it
    if previous_locked:
        lock(kiosk.paths.releases / "2.3.1" / "requirements.lock", old, both)
    kiosk.updater.installer = LockingInstaller({"2.4.0": lock(build / "2.4.0.lock", both, new)})
    return sorted(path.name for path in wheels.iterdir())


def keep_2_4_0(kiosk: Kiosk, sqlite_backend, key) -> None:  # noqa: F811
    publish(sqlite_backend, key, "2.4.0")
    kiosk.updater.check_for_update()
    kiosk.now[0] = START + dt.timedelta(minutes=5)
    assert kiosk.updater.check_trial().verdict is TrialVerdict.KEEP


def test_at_keep_the_wheels_no_kept_or_previous_release_locks_are_deleted(
        kiosk: Kiosk, tmp_path: Path, sqlite_backend, key):  # noqa: F811
    kept_wheels(kiosk, tmp_path, previous_locked=True)
    keep_2_4_0(kiosk, sqlite_backend, key)
    assert sorted(path.name for path in (kiosk.paths.root / "wheels").iterdir()) == [
        "both_dep-1.0-py3-none-any.whl", "new_dep-1.0-py3-none-any.whl",
        "old_dep-1.0-py3-none-any.whl"]


def test_a_previous_release_without_its_lock_deletes_nothing(
        kiosk: Kiosk, tmp_path: Path, sqlite_backend, key):  # noqa: F811
    # GIVEN 2.3.1 installed by install-pi (no lock kept with it)
    before = kept_wheels(kiosk, tmp_path, previous_locked=False)
    keep_2_4_0(kiosk, sqlite_backend, key)
    assert sorted(path.name for path in (kiosk.paths.root / "wheels").iterdir()) == before
