"""Where the root updater takes its trust from: root's system file, never the technician
layer the kiosk user writes; and how install-pi writes that file without losing a line."""

from __future__ import annotations

import os
import pwd
from collections.abc import Callable
from pathlib import Path

import pytest

from kiosk.config import ConfigError
from kiosk.release_signature import generate_key_pair
from kiosk.system_config import set_in_text, set_system_values
from motcua.cli.update import release_runner_user
from tests.conftest import Result

INSTALLED = """\
# This kiosk's settings (every key: kiosk config show).
[kiosk]
# commune_code = 4                 # the ward code this kiosk serves

[printer]
driver = "usb"
"""


def test_a_new_table_is_added_at_the_end_and_comments_stay() -> None:
    assert set_in_text(INSTALLED, "update.channel", "pilot") == (
        INSTALLED + '\n[update]\nchannel = "pilot"\n')


def test_a_key_is_replaced_in_its_own_table_only() -> None:
    text = '[printer]\ndriver = "usb"\n# driver = "file"\n\n[scanner]\ndriver = "serial"\n'
    assert set_in_text(text, "scanner.driver", "keyboard") == (
        '[printer]\ndriver = "usb"\n# driver = "file"\n\n[scanner]\ndriver = "keyboard"\n')


def test_a_key_missing_from_an_existing_table_goes_under_its_header() -> None:
    text = '[update]  # signed releases\nroot = "/opt/motcua-kiosk"\n[printer]\ndriver = "usb"\n'
    assert set_in_text(text, "update.channel", "pilot") == (
        '[update]  # signed releases\nchannel = "pilot"\nroot = "/opt/motcua-kiosk"\n'
        '[printer]\ndriver = "usb"\n')


def test_the_system_file_is_written_whole_or_not_at_all(tmp_path: Path) -> None:
    system = tmp_path / "etc" / "kiosk.toml"
    system.parent.mkdir()
    system.write_text(INSTALLED)
    key = generate_key_pair().public
    set_system_values(system, {"update.release_keys": key, "update.channel": "pilot"})
    assert system.read_text() == (
        INSTALLED + f'\n[update]\nchannel = "pilot"\nrelease_keys = "{key}"\n')
    assert system.stat().st_mode & 0o777 == 0o644
    before = system.read_text()
    with pytest.raises(ConfigError, match=r"update\.channel = 'Pilot!' is not allowed"):
        set_system_values(system, {"update.channel": "Pilot!"})
    assert system.read_text() == before
    assert [p.name for p in system.parent.iterdir()] == ["kiosk.toml"]


def enrol(kiosk: Callable[..., Result]) -> None:
    assert kiosk("config", "set", "sync.backend_url", "http://127.0.0.1:9").status == 0
    assert kiosk("config", "set", "sync.token", "K" * 32).status == 0


def test_release_keys_from_the_kiosk_user_s_layer_are_refused_by_the_root_updater(
        kiosk: Callable[..., Result]) -> None:
    enrol(kiosk)
    assert kiosk("config", "set", "update.release_keys", generate_key_pair().public).status == 0
    refused = kiosk("update", "check")
    assert refused.status == 2
    assert "update.release_keys is set in " in refused.err
    assert "sudo kiosk config set --system update.release_keys VALUE" in refused.err


def test_release_keys_and_root_from_the_system_file_are_used(
        kiosk: Callable[..., Result], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    enrol(kiosk)
    system = tmp_path / "kiosk.toml"
    system.write_text(INSTALLED)
    monkeypatch.setenv("KIOSK_CONFIG", str(system))
    key = generate_key_pair().public
    written = kiosk("config", "set", "--system", "update.release_keys", key)
    assert (written.status, written.out) == (
        0, f"update.release_keys = {key!r} written to {system}\n")
    assert kiosk("config", "set", "--system", "update.root", str(tmp_path / "opt")).status == 0
    # past the trust check, the updater looks for the installed release
    checked = kiosk("update", "check")
    assert (checked.status, checked.out) == (
        1, f"kiosk update: {tmp_path / 'opt' / 'current'} does not exist: install the "
           "kiosk first\n")


def test_no_update_is_applied_under_the_read_only_overlay(
        kiosk: Callable[..., Result], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a kiosk whose root file system is the Pi's overlay (only /data persists)
    from kiosk import doctor
    enrol(kiosk)
    mounts = tmp_path / "overlay-mounts"
    mounts.write_text("overlay / overlay rw 0 0\n/dev/sda2 /data ext4 rw 0 0\n")
    monkeypatch.setattr(doctor, "MOUNTS_TABLE", mounts)
    # WHEN the update unit runs THEN it does nothing, says why, and is no failed unit
    checked = kiosk("update", "check")
    assert (checked.status, checked.out) == (
        0, "kiosk update: /opt/motcua-kiosk is on overlay (/) and would be lost at reboot: "
           "no update while the root file system is read-only (docs/install.md, step 6)\n")


def test_the_system_file_cannot_be_changed_without_root(
        kiosk: Callable[..., Result], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import kiosk.system_config as system_config

    def refuse(path: Path, changes: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("motcua.cli.config.set_system_values", refuse)
    monkeypatch.setenv("KIOSK_CONFIG", str(tmp_path / "kiosk.toml"))
    (tmp_path / "kiosk.toml").write_text(INSTALLED)
    refused = kiosk("config", "set", "--system", "update.channel", "pilot")
    assert (refused.status, refused.err) == (
        2, f"kiosk: cannot write {tmp_path / 'kiosk.toml'}: it is root's (sudo)\n")
    assert system_config.system_config_path({}) == Path("/etc/motcua-kiosk/kiosk.toml")


@pytest.mark.skipif(os.geteuid() != 0, reason="the owner of a directory is given by root")
def test_root_runs_a_release_s_commands_as_the_owner_of_the_data_directory(
        tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    os.chown(data, 65534, 65534)
    assert release_runner_user(data) == pwd.getpwuid(65534).pw_name


@pytest.mark.parametrize(("extras", "hub"), [("camera\n", False), ("backend,camera\n", True)])
def test_a_box_installed_as_its_point_s_hub_switches_the_hub_with_the_kiosk(
        kiosk: Callable[..., Result], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        extras: str, hub: bool) -> None:
    from kiosk.command import Context
    from motcua.cli.update import _updater
    enrol(kiosk)
    system = tmp_path / "kiosk.toml"
    system.write_text(INSTALLED)
    monkeypatch.setenv("KIOSK_CONFIG", str(system))
    monkeypatch.delenv("KIOSK_HUB_HOME", raising=False)
    monkeypatch.setattr("motcua.cli.update.HUB_ENV_FILE", tmp_path / "no-hub.env")
    assert kiosk("config", "set", "--system", "update.root", str(tmp_path / "opt")).status == 0
    (tmp_path / "opt").mkdir()
    (tmp_path / "opt" / "extras").write_text(extras)  # install-pi's (--hub: backend)

    updater = _updater(Context(demo=False))

    assert updater.paths.hub_database == (Path("/var/lib/motcua-hub/hub.sqlite3") if hub
                                          else None)
    assert updater.services.units == (  # type: ignore[attr-defined] - SystemdServices
        ("motcua-kiosk-ui.service", "motcua-kiosk-sync.service")
        + (("motcua-hub.service",) if hub else ()))


def test_the_updater_finds_the_hub_s_database_where_its_unit_puts_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from motcua.cli.update import hub_home
    monkeypatch.delenv("KIOSK_HUB_HOME", raising=False)
    hub_env = tmp_path / "hub.env"
    monkeypatch.setattr("motcua.cli.update.HUB_ENV_FILE", hub_env)
    assert hub_home() == Path("/var/lib/motcua-hub")  # no hub.env: the unit's default
    hub_env.write_text("# the city link\nKIOSK_HUB_CITY_TOKEN=secret\n")
    assert hub_home() == Path("/var/lib/motcua-hub")
    hub_env.write_text('KIOSK_HUB_CITY_TOKEN=secret\n KIOSK_HUB_HOME = "/data/hub"\n')
    assert hub_home() == Path("/data/hub")  # hub.env's, as the unit reads it
    monkeypatch.setenv("KIOSK_HUB_HOME", "/srv/hub")
    assert hub_home() == Path("/srv/hub")  # this process's own, as `kiosk hub` does
