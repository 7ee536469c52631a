"""A release bundle: the application's wheel, its locks and the wheels a kiosk may lack.

A kiosk installs updates offline (no PyPI): a release whose dependencies changed must bring
the new wheels itself. The bundle is the release's artifact, one uncompressed tar (the
wheels inside are compressed already)::

    app/motcua_kiosk-2.4.0-py3-none-any.whl    the application (installed --no-deps)
    locks/kiosk.lock, locks/kiosk-hub.lock...   requirements/*.lock of this build: every
                                                dependency's version and SHA-256
    wheels/*.whl                                locked wheels (aarch64, x86_64, pure)

The manifest signs the tar's SHA-256, so every byte inside is signed; the kiosk installs
with ``pip --require-hashes -r locks/<its lock>``, so every dependency installed, whether
from the bundle or from the wheels the kiosk already keeps, is one the signed lock names.

A bundle may leave out the wheels an older release already locked (``since``): a kiosk
keeps every wheel of the release it runs (install-pi's, then each update's), so a bundle
built since the oldest release running on the channel carries only what changed. A kiosk
older than that finds a wheel missing: its install fails, nothing is switched, the fleet
page says "update not applied" (docs/updates.md).
"""

from __future__ import annotations

import hashlib
import io
import re
import tarfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

#: The lock a release was installed from, kept in its folder (``releases/VERSION/``).
RELEASE_LOCK = "requirements.lock"
#: How a bundle's file name ends (a plain ``.whl`` artifact is the older, wheel-only form).
BUNDLE_SUFFIX = ".release.tar"
APP_FOLDER, LOCKS_FOLDER, WHEELS_FOLDER = "app", "locks", "wheels"
_WHEEL = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+!-]{0,230}\.whl")
_LOCK = re.compile(r"kiosk(-[a-z0-9]+)*\.lock")
_HASH = re.compile(r"--hash=sha256:([0-9a-f]{64})")
#: Which lock an extra selects (scripts/install-pi: kiosk[-hub][-camera].lock).
_LOCK_PART = {"backend": "hub", "camera": "camera"}


class BundleError(ValueError):
    """A bundle that cannot be built or must not be installed, and why."""


def is_bundle(name: str) -> bool:
    """Whether an artifact named ``name`` is a bundle (not a bare wheel)."""
    return name.endswith(BUNDLE_SUFFIX)


def lock_name(extras: Iterable[str]) -> str:
    """The lock file of a kiosk installed with ``extras`` (install-pi's choice)."""
    chosen = set(extras)
    unknown = sorted(chosen - _LOCK_PART.keys())
    if unknown:
        raise BundleError(f"no lock for the extra(s) {', '.join(unknown)}")
    parts = [_LOCK_PART[extra] for extra in ("backend", "camera") if extra in chosen]
    return "-".join(["kiosk", *parts]) + ".lock"


def lock_hashes(text: str) -> frozenset[str]:
    """Every SHA-256 a lock file (``pip --require-hashes`` form) accepts."""
    return frozenset(_HASH.findall(text))


def wheel_fits(name: str, machine: str) -> bool:
    """Whether the wheel file ``name`` runs on ``machine`` (pure, or built for it)."""
    platforms = name.removesuffix(".whl").rsplit("-", 1)[-1].split(".")
    return any(tag == "any" or tag.endswith(f"_{machine}") for tag in platforms)


@dataclass(frozen=True)
class BundleContents:
    """What a bundle holds (file names inside its folders), as built or as unpacked."""

    app: str
    locks: tuple[str, ...]
    wheels: tuple[str, ...]


def build_bundle(output: Path, app_wheel: Path, locks: Sequence[Path],
                 wheel_folders: Sequence[Path],
                 since: Mapping[str, frozenset[str]] | None = None) -> BundleContents:
    """Write the bundle of ``app_wheel`` and ``locks`` to ``output``.

    Its wheels are those in ``wheel_folders`` that a lock names (others are ignored), less
    the ones every lock naming them already named in ``since`` (lock file name -> hashes of
    that lock in an older release): a kiosk of each kind kept those. The tar is the same
    bytes for the same inputs (sorted, no dates, no owners), so a rebuild can be compared.
    """
    if not is_bundle(output.name):
        raise BundleError(f"{output.name}: a bundle's name ends with {BUNDLE_SUFFIX}")
    if _WHEEL.fullmatch(app_wheel.name) is None:
        raise BundleError(f"{app_wheel}: not a wheel")
    wanted: dict[str, frozenset[str]] = {}
    for lock in locks:
        if _LOCK.fullmatch(lock.name) is None:
            raise BundleError(f"{lock.name}: a kiosk lock is kiosk[-hub][-camera].lock")
        wanted[lock.name] = lock_hashes(lock.read_text(encoding="utf-8"))
    older = since or {}
    chosen: dict[str, Path] = {}
    for folder in wheel_folders:
        for path in sorted(folder.glob("*.whl")):
            digest = _sha256(path.read_bytes())
            needed_by = [name for name, hashes in wanted.items() if digest in hashes]
            kept_by_all = all(digest in older.get(name, frozenset()) for name in needed_by)
            if needed_by and not kept_by_all:
                chosen.setdefault(path.name, path)
    members = [(f"{APP_FOLDER}/{app_wheel.name}", app_wheel),
               *((f"{LOCKS_FOLDER}/{lock.name}", lock) for lock in sorted(locks)),
               *((f"{WHEELS_FOLDER}/{name}", chosen[name]) for name in sorted(chosen))]
    with tarfile.open(output, "w", format=tarfile.PAX_FORMAT) as archive:
        for member, path in members:
            data = path.read_bytes()
            info = tarfile.TarInfo(member)
            info.size, info.mode = len(data), 0o644
            archive.addfile(info, io.BytesIO(data))
    return BundleContents(app_wheel.name, tuple(sorted(lock.name for lock in locks)),
                          tuple(sorted(chosen)))


def read_lock_hashes(source: Path) -> dict[str, frozenset[str]]:
    """The locks' hashes of an older release: its bundle, or a folder of its lock files."""
    if source.is_dir():
        return {path.name: lock_hashes(path.read_text(encoding="utf-8"))
                for path in sorted(source.glob("kiosk*.lock")) if _LOCK.fullmatch(path.name)}
    found: dict[str, frozenset[str]] = {}
    try:
        with tarfile.open(source, "r:") as archive:
            for info in archive:
                folder, _, name = info.name.partition("/")
                if folder == LOCKS_FOLDER and info.isreg() and _LOCK.fullmatch(name):
                    stream = archive.extractfile(info)
                    assert stream is not None  # a regular file
                    found[name] = lock_hashes(stream.read().decode("utf-8"))
    except tarfile.TarError as error:
        raise BundleError(f"{source}: neither a bundle nor a folder of locks ({error})") from None
    return found


def unpack_bundle(bundle: Path, target: Path) -> BundleContents:
    """Unpack ``bundle`` (already checked against its signed manifest) into ``target``.

    Only what a bundle holds is written, under names checked here (never a path given by
    the tar: no ``..``, link, device or folder member), and every wheel must be one of its
    locks' (BundleError otherwise): a wrongly built bundle is refused whole before pip sees
    it.
    """
    for folder in (APP_FOLDER, LOCKS_FOLDER, WHEELS_FOLDER):
        (target / folder).mkdir(parents=True, exist_ok=True)
    try:
        with tarfile.open(bundle, "r:") as archive:
            app, locks, hashes = _write_members(archive, bundle.name, target)
    except tarfile.TarError as error:
        raise BundleError(f"{bundle.name}: not a readable tar ({error})") from None
    if len(app) != 1:
        raise BundleError(f"{bundle.name}: {len(app)} application wheels, not one")
    locked = frozenset[str]().union(*(lock_hashes(data.decode("utf-8")) for data in locks.values()))
    unlocked = sorted(name for name, digest in hashes.items() if digest not in locked)
    if unlocked:
        raise BundleError(f"{bundle.name}: wheel(s) that no lock names: {', '.join(unlocked)}")
    return BundleContents(app[0], tuple(sorted(locks)), tuple(sorted(hashes)))


def _write_members(archive: tarfile.TarFile, bundle: str, target: Path,
                   ) -> tuple[list[str], dict[str, bytes], dict[str, str]]:
    """Write each member under its checked name: the app wheels, the locks' bytes by name,
    and each wheel's SHA-256 by name."""
    app: list[str] = []
    locks: dict[str, bytes] = {}
    hashes: dict[str, str] = {}
    for info in archive:
        folder, _, name = info.name.partition("/")
        pattern = _LOCK if folder == LOCKS_FOLDER else _WHEEL
        if (not info.isreg() or folder not in {APP_FOLDER, LOCKS_FOLDER, WHEELS_FOLDER}
                or pattern.fullmatch(name) is None):
            raise BundleError(f"{bundle}: unexpected member {info.name!r}")
        path = target / folder / name
        if path.exists():
            raise BundleError(f"{bundle}: {info.name} twice")
        stream = archive.extractfile(info)
        assert stream is not None  # a regular file
        data = stream.read()
        path.write_bytes(data)
        if folder == APP_FOLDER:
            app.append(name)
        elif folder == LOCKS_FOLDER:
            locks[name] = data
        else:
            hashes[name] = _sha256(data)
    return app, locks, hashes


def prune_wheels(folder: Path, locks: Sequence[str]) -> tuple[str, ...]:
    """Delete the wheels in ``folder`` that none of the ``locks`` (their text) names; the
    names deleted. A kiosk keeps the wheels of the releases it may install again."""
    wanted = frozenset[str]().union(*(lock_hashes(text) for text in locks))
    deleted = []
    for path in sorted(folder.glob("*.whl")):
        if _sha256(path.read_bytes()) not in wanted:
            path.unlink()
            deleted.append(path.name)
    return tuple(deleted)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
