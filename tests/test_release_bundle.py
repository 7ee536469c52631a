"""Release bundles: which wheels go in, what unpacking refuses, and `kiosk release bundle`."""

from __future__ import annotations

import io
import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest

from kiosk.release_bundle import (
    BundleContents,
    BundleError,
    build_bundle,
    lock_name,
    prune_wheels,
    read_lock_hashes,
    unpack_bundle,
    wheel_fits,
)
from tests.conftest import Result
from tests.tiny_wheels import lock, wheel

Kiosk = Callable[..., Result]


@pytest.mark.parametrize(("extras", "expected"), [
    ((), "kiosk.lock"), (("backend",), "kiosk-hub.lock"), (("camera",), "kiosk-camera.lock"),
    (("camera", "backend"), "kiosk-hub-camera.lock")])
def test_a_kiosk_s_extras_choose_install_pi_s_lock(extras: tuple[str, ...], expected: str):
    assert lock_name(extras) == expected


def test_an_extra_without_a_lock_is_refused():
    with pytest.raises(BundleError, match="no lock for the extra"):
        lock_name(["dev"])


@pytest.mark.parametrize(("name", "machine", "fits"), [
    ("pydantic-2.14.4-py3-none-any.whl", "aarch64", True),
    ("Kivy-2.3.1-cp311-cp311-manylinux_2_17_aarch64.manylinux2014_aarch64.whl", "aarch64", True),
    ("Kivy-2.3.1-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", "aarch64", False),
    ("pynacl-1.6.2-cp38-abi3-manylinux_2_34_x86_64.whl", "x86_64", True)])
def test_a_wheel_fits_its_machine_or_any(name: str, machine: str, fits: bool):
    assert wheel_fits(name, machine) is fits


class Build:
    """An application wheel, dependencies in two download folders, and two locks."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.downloads, self.other = root / "dl-a", root / "dl-b"
        for folder in (self.downloads, self.other, root / "locks"):
            folder.mkdir()
        self.app = wheel(root, "motcua-kiosk", "2.4.0", {"kiosk/__init__.py": ""})
        self.common = wheel(self.downloads, "common-dep", "1.0", {"common/__init__.py": ""})
        self.hub_only = wheel(self.other, "hub-dep", "1.0", {"hub_dep/__init__.py": ""})
        wheel(self.other, "stray", "1.0", {"stray/__init__.py": ""})  # no lock names it
        (self.other / self.common.name).write_bytes(self.common.read_bytes())  # twice
        self.kiosk_lock = lock(root / "locks" / "kiosk.lock", self.common)
        self.hub_lock = lock(root / "locks" / "kiosk-hub.lock", self.common, self.hub_only)

    def bundle(self, name: str = "motcua-kiosk-2.4.0.release.tar",
               since: dict[str, frozenset[str]] | None = None) -> tuple[Path, BundleContents]:
        output = self.root / name
        made = build_bundle(output, self.app, [self.kiosk_lock, self.hub_lock],
                            [self.downloads, self.other], since)
        return output, made


def test_a_bundle_holds_the_app_its_locks_and_each_locked_wheel_once(tmp_path: Path):
    build = Build(tmp_path)
    bundle, made = build.bundle()

    unpacked = unpack_bundle(bundle, tmp_path / "out")

    assert made == unpacked == BundleContents(
        "motcua_kiosk-2.4.0-py3-none-any.whl", ("kiosk-hub.lock", "kiosk.lock"),
        ("common_dep-1.0-py3-none-any.whl", "hub_dep-1.0-py3-none-any.whl"))
    assert (tmp_path / "out" / "app" / build.app.name).read_bytes() == build.app.read_bytes()
    assert (tmp_path / "out" / "locks" / "kiosk-hub.lock").read_text() == \
        build.hub_lock.read_text()
    assert (tmp_path / "out" / "wheels" / build.common.name).read_bytes() == \
        build.common.read_bytes()
    # The same inputs give the same bytes: a rebuild can be compared with what was signed.
    again, _ = build.bundle("again.release.tar")
    assert again.read_bytes() == bundle.read_bytes()


def test_a_bundle_since_an_older_release_leaves_out_what_each_kind_of_kiosk_kept(
        tmp_path: Path):
    build = Build(tmp_path)
    older, _ = build.bundle("motcua-kiosk-2.3.0.release.tar")
    # GIVEN an older release that locked the common wheel for both kinds of kiosk
    since = read_lock_hashes(older)
    _, made = build.bundle(since=since)
    assert made.wheels == ()
    # AND one whose hub lock did not have it (a hub then lacks it: it goes in)
    _, made = build.bundle(since={"kiosk.lock": since["kiosk.lock"]})
    assert made.wheels == ("common_dep-1.0-py3-none-any.whl", "hub_dep-1.0-py3-none-any.whl")
    # The older release's locks read from its requirements/ folder are the same
    assert read_lock_hashes(tmp_path / "locks") == since


def test_a_bundle_is_named_as_one(tmp_path: Path):
    with pytest.raises(BundleError, match=r"ends with \.release\.tar"):
        Build(tmp_path).bundle("motcua.tar")


def test_an_older_release_that_is_no_bundle_is_named(tmp_path: Path):
    wrong = tmp_path / "old.whl"
    wrong.write_bytes(b"PK not a tar")
    with pytest.raises(BundleError, match="neither a bundle nor a folder of locks"):
        read_lock_hashes(wrong)


def crafted(path: Path, members: list[tuple[str, bytes]], link: str | None = None) -> Path:
    """A tar of ``members`` (and a symbolic link named ``link``), as an attacker builds it."""
    with tarfile.open(path, "w") as archive:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
        if link is not None:
            info = tarfile.TarInfo(link)
            info.type, info.linkname = tarfile.SYMTYPE, "/etc/passwd"
            archive.addfile(info)
    return path


APP = ("app/motcua_kiosk-2.4.0-py3-none-any.whl", b"app")


@pytest.mark.parametrize(("members", "link", "message"), [
    ([APP, ("wheels/../../evil.whl", b"x")], None, "unexpected member 'wheels/../../evil.whl'"),
    ([APP, ("../evil.whl", b"x")], None, "unexpected member '../evil.whl'"),
    ([APP, ("bin/kiosk", b"x")], None, "unexpected member 'bin/kiosk'"),
    ([APP, ("locks/kiosk.toml", b"x")], None, "unexpected member 'locks/kiosk.toml'"),
    ([APP], "wheels/evil.whl", "unexpected member 'wheels/evil.whl'"),
    ([APP, APP], None, "app/motcua_kiosk-2.4.0-py3-none-any.whl twice"),
    ([APP, ("app/other-1.0-py3-none-any.whl", b"x")], None, "2 application wheels, not one"),
    ([("locks/kiosk.lock", b"")], None, "0 application wheels, not one"),
    ([APP, ("locks/kiosk.lock", b""), ("wheels/dep-1.0-py3-none-any.whl", b"x")], None,
     "wheel(s) that no lock names: dep-1.0-py3-none-any.whl"),
])
def test_unpacking_refuses_what_a_bundle_never_holds(
        tmp_path: Path, members: list[tuple[str, bytes]], link: str | None, message: str):
    bundle = crafted(tmp_path / "bad.release.tar", members, link)
    with pytest.raises(BundleError) as error:
        unpack_bundle(bundle, tmp_path / "out")
    assert str(error.value) == f"bad.release.tar: {message}"
    assert not (tmp_path / "evil.whl").exists()
    assert not (tmp_path / "out" / "wheels" / "evil.whl").exists()


def test_a_file_that_is_no_tar_is_refused(tmp_path: Path):
    bundle = tmp_path / "bad.release.tar"
    bundle.write_bytes(b"PK\x03\x04 a wheel renamed")
    with pytest.raises(BundleError, match="not a readable tar"):
        unpack_bundle(bundle, tmp_path / "out")


def test_kiosk_release_bundle_builds_and_measures_it(kiosk: Kiosk, tmp_path: Path):
    build = Build(tmp_path)
    older, _ = build.bundle("motcua-kiosk-2.3.0.release.tar")
    output = tmp_path / "motcua-kiosk-2.4.0.release.tar"

    made = kiosk("release", "bundle", str(build.app), "--lock", str(build.kiosk_lock),
                 "--lock", str(build.hub_lock), "--wheels", str(build.downloads),
                 "--wheels", str(build.other), "--since", str(older),
                 "--since", str(tmp_path / "locks"), "-o", str(output))

    assert made.status == 0, made.err
    size = output.stat().st_size
    assert made.out == (f"{output}: motcua_kiosk-2.4.0-py3-none-any.whl, 2 lock(s), "
                        f"0 wheel(s), {size} bytes ({size / 1e6:.1f} MB)\n")
    missing = kiosk("release", "bundle", str(build.app), "--lock", str(tmp_path / "kiosk.lock"),
                    "-o", str(output))
    assert (missing.status, missing.err) == (
        2, f"kiosk: cannot read {tmp_path / 'kiosk.lock'}: No such file or directory\n")


def test_pruning_keeps_only_the_wheels_a_lock_names(tmp_path: Path):
    build = Build(tmp_path)
    deleted = prune_wheels(build.other, [build.kiosk_lock.read_text()])
    assert deleted == ("hub_dep-1.0-py3-none-any.whl", "stray-1.0-py3-none-any.whl")
    assert [path.name for path in build.other.iterdir()] == [build.common.name]
