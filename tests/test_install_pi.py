"""The kiosk's installer, lock files and appliance settings: what a technician's site needs.

Static checks of the scripts (they run as root on a Pi; tests/appliance runs them for real
in a booted Debian container by hand), and behaviour checks of what runs unprivileged.
"""

from __future__ import annotations

import configparser
import re
import subprocess
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
INSTALL_PI = (ROOT / "scripts/install-pi").read_text()
LOCKS = ROOT / "requirements"


def apt_packages() -> set[str]:
    block = re.search(r"^packages=\((.*?)\)", INSTALL_PI, re.S | re.M)[1]
    return set(block.split())


def test_the_usb_printer_s_library_and_debian_s_evdev_are_installed() -> None:
    assert {"libusb-1.0-0", "python3-evdev", "udev", "systemd-timesyncd"} <= apt_packages()


def test_the_default_voice_and_its_player_are_installed() -> None:
    # speech.engine = espeak and speech.output = alsa are the shipped defaults
    assert {"espeak-ng", "alsa-utils"} <= apt_packages()


def test_the_venv_sees_debian_s_evdev_and_picamera2_and_install_pi_proves_it() -> None:
    assert 'python3 -m venv --system-site-packages "$venv"' in INSTALL_PI
    # an older venv without them is recreated, and the imports are checked after install
    assert "include-system-site-packages = true" in INSTALL_PI
    assert '"$venv/bin/python" -c "import evdev"' in INSTALL_PI
    assert '"$venv/bin/python" -c "import picamera2"' in INSTALL_PI
    assert "python3-picamera2" in INSTALL_PI


def test_packages_come_from_the_lock_with_hashes_online_or_from_the_wheelhouse() -> None:
    # online, the locked wheels are downloaded (checked against the lock) into the kiosk's
    # own wheelhouse; offline, the wheelhouse is copied there; either way the install is
    # from it with the lock's hashes, and the updater installs releases from it later
    assert ('download --require-hashes --only-binary=:all: \\\n'
            '        -r "$source/requirements/$lock.lock" -d "$prefix/wheels"') in INSTALL_PI
    assert 'rsync -a --delete "$wheelhouse/$machine/" "$prefix/wheels/"' in INSTALL_PI
    assert ('install --no-index --find-links "$prefix/wheels" --require-hashes '
            '-r "$requirements"') in INSTALL_PI


def test_without_a_token_the_install_completes_and_says_how_to_enrol() -> None:
    provision = INSTALL_PI.index("provision --backend")
    assert INSTALL_PI.rindex('if [[ -n "$backend" ]]; then', 0, provision) > 0
    assert 'say "not enrolled: the kiosk starts and waits; enrol it with"' in INSTALL_PI
    # the services are started either way
    start = INSTALL_PI[INSTALL_PI.rindex("if [[ $start == yes ]]; then"):]
    assert "    systemctl restart motcua-kiosk-sync.service\n" in start
    assert "    systemctl restart --no-block motcua-kiosk-ui.service\n" in start


def test_install_pi_refuses_half_an_enrolment_before_touching_the_machine() -> None:
    result = subprocess.run(["bash", str(ROOT / "scripts/install-pi"), "--backend", "https://x"],
                            capture_output=True, text=True, check=False, timeout=30)
    assert (result.returncode, result.stderr) == (
        1, "install-pi: --backend needs --token (from the city's 'kiosk backend add-kiosk')\n")


def test_the_appliance_settings_are_installed() -> None:
    for needle in ("systemd/appliance/watchdog.conf", "systemd/appliance/journald.conf",
                   "systemctl mask getty@tty1.service", "timesyncd.conf.d/60-motcua.conf",
                   "KCFG_GRAPHICS_ROTATION=%s"):
        assert needle in INSTALL_PI


def read_ini(name: str) -> configparser.RawConfigParser:
    parser = configparser.RawConfigParser()
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(ROOT / "systemd/appliance" / name)
    return parser


def test_the_hardware_watchdog_fits_the_pi_s_15_second_limit() -> None:
    manager = read_ini("watchdog.conf")["Manager"]
    assert manager["RuntimeWatchdogSec"] == "15s"  # bcm2835_wdt cannot wait longer
    assert manager["RebootWatchdogSec"] == "2min"


def test_the_journal_persists_with_a_size_limit() -> None:
    journal = read_ini("journald.conf")["Journal"]
    assert journal["Storage"] == "persistent"
    assert (journal["SystemMaxUse"], journal["SystemKeepFree"]) == ("200M", "500M")


# -- lock files ------------------------------------------------------------------------------

def pyproject() -> dict[str, object]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def locked(name: str) -> dict[str, str]:
    text = (LOCKS / name).read_text()
    return dict(re.findall(r"^([a-z0-9][a-z0-9._-]*)==([^ ;\\\n]+)", text, re.M))


def requirement_names(requirements: list[str]) -> set[str]:
    return {re.match(r"[A-Za-z0-9._-]+", r)[0].lower().replace("_", "-") for r in requirements}


@pytest.mark.parametrize(("lock", "extras"), [("kiosk.lock", []), ("kiosk-camera.lock", ["camera"]),
                                              ("kiosk-hub.lock", ["backend"]),
                                              ("kiosk-hub-camera.lock", ["backend", "camera"]),
                                              ("server.lock", ["backend"])])
def test_each_lock_pins_every_direct_dependency_with_hashes(lock: str, extras: list[str]) -> None:
    project = pyproject()["project"]
    assert isinstance(project, dict)
    wanted = requirement_names(project["dependencies"])
    for extra in extras:
        wanted |= requirement_names(project["optional-dependencies"][extra])
    pins = locked(lock)
    assert wanted - {"psycopg"} <= set(pins)  # psycopg[binary] is pinned as psycopg
    text = (LOCKS / lock).read_text()
    blocks = re.split(r"\n(?=[a-z0-9])", text.split("\n", 1)[1])
    assert all("--hash=sha256:" in block for block in blocks if "==" in block)


def test_the_camera_is_optional_and_escpos_stays_below_4() -> None:
    assert "opencv-python-headless" not in locked("kiosk.lock")
    assert "pyzbar" not in locked("kiosk.lock")
    assert {"opencv-python-headless", "pyzbar"} <= set(locked("kiosk-camera.lock"))
    assert "python-escpos>=3.1,<4" in pyproject()["project"]["dependencies"]  # type: ignore[index,operator]
    assert int(locked("kiosk.lock")["python-escpos"].split(".")[0]) < 4


def test_the_wheelhouse_is_built_for_both_machines_from_the_lock() -> None:
    script = (ROOT / "scripts/build-wheelhouse").read_text()
    assert "arches=(aarch64 x86_64)" in script
    assert "--require-hashes --only-binary=:all:" in script
    assert '--platform "${tag}_${arch}"' in script


# -- the data partition ----------------------------------------------------------------------

def run_partition_setup(fstab: Path) -> None:
    subprocess.run(["bash", str(ROOT / "scripts/setup-data-partition"), "--fstab", str(fstab),
                    "--no-mount"], check=True, capture_output=True, timeout=30)


def test_the_data_partition_s_fstab_entries_never_block_boot_and_replace_the_old_line(
    tmp_path: Path,
) -> None:
    # GIVEN an fstab with the older guide's line mounting the label on the data directory
    fstab = tmp_path / "fstab"
    fstab.write_text("PARTUUID=1-02 / ext4 defaults,noatime 0 1\n"
                     "LABEL=kioskdata /var/lib/motcua-kiosk ext4 defaults,noatime 0 2\n")
    # WHEN the set-up runs twice
    run_partition_setup(fstab)
    first = fstab.read_text()
    run_partition_setup(fstab)
    # THEN the result is the same, the root line is kept, the old line is gone, and every
    # line of ours carries nofail
    assert fstab.read_text() == first
    lines = first.splitlines()
    assert lines[0] == "PARTUUID=1-02 / ext4 defaults,noatime 0 1"
    ours = lines[2:]
    assert [line.split()[1] for line in ours] == ["/data", "/var/lib/motcua-kiosk",
                                                  "/var/lib/motcua-hub", "/var/log/journal",
                                                  "/opt/motcua-kiosk"]
    assert all("nofail" in line.split()[3].split(",") for line in ours)
    assert "LABEL=kioskdata /var/lib/motcua-kiosk" not in first


def test_the_kiosk_s_units_wait_for_the_data_partition_s_mounts() -> None:
    # nofail mounts are not ordered before local-fs.target: each unit orders itself after
    # the data directory's and the releases' mounts (systemd's escaped unit names)
    for unit in ("motcua-kiosk-ui", "motcua-kiosk-sync", "motcua-kiosk-update"):
        text = (ROOT / "systemd" / f"{unit}.service").read_text()
        after = next(line for line in text.splitlines() if line.startswith("After="))
        assert after.endswith(" var-lib-motcua\\x2dkiosk.mount opt-motcua\\x2dkiosk.mount")
    # and the hub after its queue's (it lived in RAM under the overlay before)
    hub = (ROOT / "systemd/motcua-hub.service").read_text()
    after = next(line for line in hub.splitlines() if line.startswith("After="))
    assert after.endswith(" var-lib-motcua\\x2dhub.mount opt-motcua\\x2dkiosk.mount")


def test_the_guide_s_restart_check_kills_the_service_not_a_guessed_pid() -> None:
    guide = (ROOT / "docs/install.md").read_text()
    assert "pidof" not in guide
    assert "sudo systemctl kill --signal=KILL motcua-kiosk-ui" in guide
    assert "kiosk.commune_code" in guide and "queue_prefix" in guide


def test_every_script_is_executable() -> None:
    listed = subprocess.run(["git", "ls-files", "-s", "scripts", "tests/appliance"], cwd=ROOT,
                            capture_output=True, text=True, check=True, timeout=30).stdout
    # tests/appliance/*.sh are sourced by tests/appliance/run, not run themselves
    modes = {line.split()[3]: line.split()[0] for line in listed.splitlines()
             if not line.split()[3].endswith(".sh")}
    assert {path: mode for path, mode in modes.items() if mode != "100755"} == {}


# -- versioned releases and the updater ---------------------------------------------------

def test_each_version_gets_its_own_venv_and_current_is_switched_by_a_rename() -> None:
    assert 'release="$prefix/releases/$version"\nvenv="$release/venv"\n' in INSTALL_PI
    assert ('point() { ln -sfn "releases/$version" "$prefix/$1.tmp" && '
            'mv -T "$prefix/$1.tmp" "$prefix/$1"; }\npoint current\npoint known-good\n'
            ) in INSTALL_PI
    # the switch comes after the new venv is complete and checked
    assert INSTALL_PI.index("point current\n") > INSTALL_PI.index('-c "import evdev"')


def test_an_install_from_before_releases_is_replaced_and_its_path_still_works() -> None:
    assert 'if [[ -d "$prefix/venv" && ! -L "$prefix/venv" ]]; then' in INSTALL_PI
    assert 'ln -sfn current/venv "$prefix/venv.tmp" && mv -T "$prefix/venv.tmp" "$prefix/venv"' \
        in INSTALL_PI
    # removed only after the services were restarted on the new release
    assert INSTALL_PI.rindex('rm -rf "$old_layout"') > INSTALL_PI.index(
        "systemctl restart motcua-kiosk-sync.service")


def version_from(script_version: str, running: str | None,
                 tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """install-pi's version block, run alone against a fake prefix."""
    start = INSTALL_PI.index("# The version being installed:")
    block = INSTALL_PI[start:INSTALL_PI.index('say "Debian packages"')]
    source = tmp_path / "src"
    (source / "kiosk").mkdir(parents=True, exist_ok=True)
    (source / "kiosk/__init__.py").write_text(f'__version__ = "{script_version}"\n')
    prefix = tmp_path / "opt"
    (prefix / "releases").mkdir(parents=True, exist_ok=True)
    if running:
        (prefix / "current").symlink_to(f"releases/{running}")
    script = (f'set -euo pipefail\ndie() {{ echo "$*" >&2; exit 1; }}\nwheelhouse=""\n'
              f'source={source}\nprefix={prefix}\n{block}echo "$version from ${{running:-none}}"\n')
    return subprocess.run(["bash", "-c", script], capture_output=True, text=True, check=False,
                          timeout=30)


@pytest.mark.parametrize(("installing", "running", "said"), [
    ("0.1.0", None, "0.1.0 from none"),
    ("0.2.0", "0.1.0", "0.2.0 from 0.1.0"),
    ("0.1.0", "0.1.0", "0.1.0 from 0.1.0"),  # the same version again: rebuilt in place
    ("0.10.0", "0.9.2", "0.10.0 from 0.9.2"),
])
def test_install_pi_installs_the_source_s_version_beside_the_running_one(
        installing: str, running: str | None, said: str, tmp_path: Path) -> None:
    result = version_from(installing, running, tmp_path)
    assert (result.returncode, result.stdout) == (0, said + "\n")


def test_install_pi_refuses_to_go_back_to_an_older_version(tmp_path: Path) -> None:
    result = version_from("0.9.2", "0.10.0", tmp_path)
    assert (result.returncode, result.stderr) == (
        1, "0.9.2 is older than the running 0.10.0: go back through the update channel, "
           "not install-pi\n")


def test_the_update_timer_is_installed_and_release_keys_go_to_root_s_file() -> None:
    for needle in ("systemd/motcua-kiosk-update.service /etc/systemd/system/",
                   "systemd/motcua-kiosk-update.timer /etc/systemd/system/",
                   "systemctl enable motcua-kiosk-update.timer",
                   "    systemctl start motcua-kiosk-update.timer\n",
                   'config set --system update.release_keys "${release_keys[*]}"',
                   'config set --system update.channel "$channel"',
                   'say "WARNING: no release key: the updater refuses every update until one '
                   'is set"'):
        assert needle in INSTALL_PI
    assert "--release-key) release_keys+=(" in INSTALL_PI


def switch(prefix: Path, version: str, running: str) -> None:
    """install-pi's switch block, run alone on a fake /opt/motcua-kiosk."""
    start = INSTALL_PI.index("# Switch: `current`")
    block = INSTALL_PI[start:INSTALL_PI.index('say "device access: udev rules"')]
    script = (f"set -euo pipefail\nprefix={prefix}\nversion={version}\nrunning={running}\n"
              f"{block}echo \"${{old_layout:-}}\"\n")
    subprocess.run(["bash", "-c", script], check=True, capture_output=True, timeout=30)


def test_a_switch_from_the_old_layout_points_every_path_at_the_new_release(
        tmp_path: Path) -> None:
    # GIVEN an install from before releases/ (a venv directory) and the new release built
    prefix = tmp_path / "opt"
    (prefix / "venv/bin").mkdir(parents=True)
    (prefix / "releases/0.2.0/venv/bin").mkdir(parents=True)
    # WHEN install-pi switches
    switch(prefix, "0.2.0", "")
    # THEN the services, the update unit and the old path all reach the new release
    assert (prefix / "current").readlink() == Path("releases/0.2.0")
    assert (prefix / "known-good").readlink() == Path("releases/0.2.0")
    assert (prefix / "venv").readlink() == Path("current/venv")
    assert (prefix / "venv/bin").resolve() == (prefix / "releases/0.2.0/venv/bin").resolve()
    assert (prefix / "venv.before-releases/bin").is_dir()  # removed after the restart
    assert sorted(p.name for p in prefix.iterdir()) == [
        "current", "known-good", "releases", "venv", "venv.before-releases"]


def test_a_second_install_keeps_the_release_it_replaces_and_no_older_one(
        tmp_path: Path) -> None:
    prefix = tmp_path / "opt"
    for version in ("0.1.0", "0.2.0", "0.3.0"):
        (prefix / "releases" / version / "venv").mkdir(parents=True)
    (prefix / "current").symlink_to("releases/0.2.0")
    switch(prefix, "0.3.0", "0.2.0")
    assert sorted(p.name for p in (prefix / "releases").iterdir()) == ["0.2.0", "0.3.0"]
    assert (prefix / "current").readlink() == Path("releases/0.3.0")


def test_install_pi_waits_for_the_verdict_of_an_update_in_trial(tmp_path: Path) -> None:
    prefix = tmp_path / "opt"
    prefix.mkdir()
    (prefix / "update.json").write_text('{\n "state": "trial",\n "from": "0.1.0"\n}\n')
    result = version_from("0.2.0", None, tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("an update is in its trial (sudo ")
    (prefix / "update.json").write_text('{\n "state": "confirmed"\n}\n')
    assert version_from("0.2.0", None, tmp_path).returncode == 0


def test_a_hub_box_gets_the_hub_s_own_user_and_unit_only_with_hub() -> None:
    block = INSTALL_PI[INSTALL_PI.index('if [[ $hub == yes ]]; then\n    say "service point hub'):]
    block = block[:block.index("\nfi\n")]
    assert "useradd --system --home-dir /var/lib/motcua-hub" in block
    assert 'install -m 0644 "$source"/systemd/motcua-hub.service /etc/systemd/system/' in block
    assert "systemctl enable motcua-hub.service" in block
    assert "motcua-hub.service" not in INSTALL_PI.replace(block, "").replace(
        "systemctl restart motcua-hub.service", "")
    # the guide's hub steps use what install-pi makes
    guide = (ROOT / "docs/install.md").read_text()
    assert "sudo scripts/install-pi --hub" in guide and "/etc/motcua-kiosk/hub.env" in guide


def test_install_pi_picks_the_lock_and_records_the_extras_releases_get() -> None:
    # a hub needs the backend extra, a camera kiosk the camera's; the updater reads the
    # extras file (sync/release_parts.py installed_extras) for every release
    assert ('if [[ $hub == yes ]]; then lock="$lock-hub"; extras+=(backend); fi\n'
            'if [[ $camera == yes ]]; then lock="$lock-camera"; extras+=(camera); fi\n'
            ) in INSTALL_PI
    assert """(IFS=,; printf '%s\\n' "${extras[*]}") > "$prefix/extras"\n""" in INSTALL_PI
