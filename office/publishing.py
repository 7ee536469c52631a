"""Publishing for kiosks: the catalog or Hà Nội's overlay from a file, and service points.

`kiosk backend publish-catalog/publish-overlay` and the back office's catalog page both
call :func:`publish_file`: the file is checked whole by the kiosk's own reader (so nothing a
kiosk would refuse is ever served), then served, unless the very same bytes are served
already (``scripts/run`` publishes the shipped files at every start). A version not newer
than the one served is refused. The service-points page publishes one unit's details at
a time with :func:`publish_service_point`, in a directory that keeps every other unit's.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from kiosk.catalog_format import CatalogError, parse_catalog_bytes
from kiosk.catalog_overlay import parse_overlay_bytes
from kiosk.directory import detail_problem
from office.store import CatalogKind, NotNewerError, Principal, Store
from sync import wire

#: What each publishable kind is called (messages say it this way), and for short.
NAMES = {CatalogKind.CATALOG: "catalog", CatalogKind.OVERLAY: "catalog overlay",
         CatalogKind.DIRECTORY: "directory"}
SHORT_NAMES = {CatalogKind.CATALOG: "catalog", CatalogKind.OVERLAY: "overlay"}


class FileRefusedError(Exception):
    """A file not published, and why: one line per bad record, or one reason."""

    def __init__(self, message: str, errors: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors


@dataclass(frozen=True)
class Checked:
    """A file the kiosk's reader accepted: its version and what it holds, said briefly."""

    version: int
    contents: str


@dataclass(frozen=True)
class PublishResult:
    """What was served after a publication."""

    kind: CatalogKind
    version: int
    etag: str
    #: The same bytes were served already: nothing changed.
    already_published: bool
    contents: str

    def message(self) -> str:
        """One line saying what happened."""
        what = NAMES[self.kind]
        if self.already_published:
            return f"{what} version {self.version} is already published (ETag {self.etag})"
        return f"published {what} version {self.version}: {self.contents} (ETag {self.etag})"


def check_file(kind: CatalogKind, raw: bytes) -> Checked:
    """``raw`` read as a kiosk would import it; FileRefusedError with every bad record."""
    if len(raw) > wire.MAX_CATALOG_BYTES:
        raise FileRefusedError(f"over {wire.MAX_CATALOG_BYTES} bytes, the most the backend "
                               "serves; nothing published")
    try:
        if kind is CatalogKind.CATALOG:
            catalog = parse_catalog_bytes(raw)
            return Checked(catalog.version, f"{len(catalog.procedures)} procedures")
        if kind is CatalogKind.OVERLAY:
            overlay = parse_overlay_bytes(raw)
            return Checked(overlay.version, f"{len(overlay.entries)} entries")
    except CatalogError as error:  # OverlayError is one
        raise FileRefusedError(f"not a valid {SHORT_NAMES[kind]}, nothing published",
                               error.errors) from None
    raise ValueError(f"{kind.value} is not published from a file")


def publish_file(store: Store, kind: CatalogKind, raw: bytes,
                 principal: Principal) -> PublishResult:
    """Check ``raw`` whole, then serve it as ``kind`` (see the module docstring).

    FileRefusedError when the file is bad or its version is not newer than the one served.
    """
    checked = check_file(kind, raw)
    served = store.published(kind)
    if served is not None and served.body == raw:
        return PublishResult(kind, served.version, served.etag, True, checked.contents)
    try:
        publication = store.publish(kind, checked.version, raw, principal)
    except NotNewerError as error:
        raise FileRefusedError(f"refused, nothing published: {error}") from None
    return PublishResult(kind, publication.version, publication.etag, False, checked.contents)


# -- the directory: one service point at a time -----------------------------------------------

#: What the service-points page publishes of each unit (kiosk.directory.DETAIL_KEYS).
SERVICE_POINT_KEYS = ("address", "hotline", "opening_hours", "map_link")


def directory_body(document: wire.DirectoryDocument) -> bytes:
    """The directory as served to kiosks (``PUT /v1/directory`` writes the same bytes)."""
    return json.dumps({"version": document.version, "details": document.detail_dicts()},
                      ensure_ascii=False, sort_keys=True).encode("utf-8")


@dataclass(frozen=True)
class Directory:
    """The published directory: its version (0: none yet) and each unit's details."""

    version: int
    details: dict[int, dict[str, str | None]]


def published_directory(store: Store) -> Directory:
    """The directory served now, each unit's details by its code."""
    served = store.published(CatalogKind.DIRECTORY)
    if served is None:
        return Directory(0, {})
    document = wire.DirectoryDocument.model_validate_json(served.body)
    return Directory(served.version, {item["code"]: {k: v for k, v in item.items() if k != "code"}
                                      for item in document.detail_dicts()})


def service_point_problems(values: dict[str, str]) -> dict[str, str]:
    """A message per field of ``values`` that cannot be published (empty fields clear)."""
    return {key: problem for key in SERVICE_POINT_KEYS
            if (text := values.get(key, "").strip())
            and (problem := detail_problem(key, text)) is not None}


def publish_service_point(store: Store, unit_code: int, values: dict[str, str],
                          principal: Principal) -> PublishResult:
    """Publish one unit's service-point details in a new directory version that keeps every
    other unit's; an empty field clears that detail at the kiosks.

    FileRefusedError when a value is malformed or another publication came first.
    """
    problems = service_point_problems(values)
    if problems:
        raise FileRefusedError("not published", tuple(f"{k}: {v}" for k, v in problems.items()))
    current = published_directory(store)
    details = dict(current.details)
    details[unit_code] = {**details.get(unit_code, {}), **{
        key: values.get(key, "").strip() or None for key in SERVICE_POINT_KEYS}}
    document = wire.DirectoryDocument(
        version=current.version + 1,
        details=[wire.DirectoryDetail(code=code, **found)
                 for code, found in sorted(details.items())])
    try:
        publication = store.publish(CatalogKind.DIRECTORY, document.version,
                                    directory_body(document), principal)
    except NotNewerError as error:
        raise FileRefusedError(f"refused, nothing published: {error}") from None
    return PublishResult(CatalogKind.DIRECTORY, publication.version, publication.etag, False,
                         f"{len(details)} service points")
