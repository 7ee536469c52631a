"""The city server's installer: PostgreSQL, loopback-only backend behind Caddy, backups."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = (ROOT / "scripts/install-server").read_text()
SERVER_UNITS = ROOT / "systemd/server"


def test_the_backend_listens_on_loopback_behind_caddy_with_tls() -> None:
    assert ("ExecStart=/opt/motcua-kiosk/venv/bin/kiosk backend serve --host 127.0.0.1 "
            "--port 8765") in SCRIPT
    caddy = (SERVER_UNITS / "Caddyfile").read_text()
    assert "reverse_proxy 127.0.0.1:8765" in caddy
    assert 'tls_line="tls internal"' in SCRIPT
    assert "caddy validate --config /etc/caddy/Caddyfile" in SCRIPT


def test_postgresql_is_reached_by_peer_authentication_from_one_settings_file() -> None:
    assert "MOTCUA_BACKEND_DB=postgresql://$user@/$database?host=/var/run/postgresql" in SCRIPT
    assert 'createdb --owner="$user" "$database"' in SCRIPT
    assert "set -a; . /etc/motcua-kiosk/backend.env; set +a" in SCRIPT  # the admin wrapper
    assert '--require-hashes -r "$source/requirements/server.lock"' in SCRIPT


def test_install_server_needs_a_site_name_before_touching_the_machine() -> None:
    result = subprocess.run(["bash", str(ROOT / "scripts/install-server")], capture_output=True,
                            text=True, check=False, timeout=30)
    assert (result.returncode, result.stderr) == (
        1, "install-server: --site HOST is needed (the name kiosks use: https://HOST)\n")


def test_the_backup_runs_nightly_and_keeps_the_keys_with_the_dump(tmp_path: Path) -> None:
    timer = (SERVER_UNITS / "motcua-backup.timer").read_text()
    assert "OnCalendar=*-*-* 02:30:00" in timer and "Persistent=true" in timer
    backup = (ROOT / "scripts/backup-office").read_text()
    assert 'pg_dump --format=custom "$database"' in backup
    assert "-name '*.key*'" in backup
    # GIVEN an image root with systemd's units and ours WHEN systemd checks them THEN quiet
    root = tmp_path / "root"
    shutil.copytree("/usr/lib/systemd/system", root / "usr/lib/systemd/system", symlinks=True)
    (root / "etc/systemd/system").mkdir(parents=True)
    for name in ("motcua-backup.service", "motcua-backup.timer"):
        shutil.copy(SERVER_UNITS / name, root / "etc/systemd/system" / name)
    script = root / "opt/motcua-kiosk/src/scripts/backup-office"
    script.parent.mkdir(parents=True)
    script.write_text("#!/bin/sh\n")
    script.chmod(0o755)
    (root / "usr/lib/systemd/system/postgresql.service").write_text(
        "[Service]\nExecStart=/bin/true\n")
    result = subprocess.run(
        ["systemd-analyze", "verify", f"--root={root}",
         "/etc/systemd/system/motcua-backup.service", "/etc/systemd/system/motcua-backup.timer"],
        capture_output=True, text=True, check=False, timeout=60,
    )
    assert (result.returncode, result.stderr) == (0, "")
