"""Signed releases fetched from the city server (the updater's ReleaseSource)."""

from __future__ import annotations

from pathlib import Path

from sync.artifact_download import download_artifact
from sync.client import BackendClient


class BackendReleaseSource:
    """The channel's release from ``GET /v1/kiosk/releases/{channel}`` with this kiosk's token."""

    def __init__(self, client: BackendClient) -> None:
        self.client = client

    def offer(self, channel: str) -> tuple[bytes, str] | None:
        """The manifest's exact bytes and its signature, or None when nothing is published."""
        offer = self.client.release_offer(channel)
        return None if offer is None else (offer.manifest.encode(), offer.signature)

    def download(self, channel: str, target: Path, sha256: str) -> None:
        """Write the artifact whose SHA-256 is ``sha256`` to ``target`` (the caller checks it
        against the manifest), streamed to disk and resuming a partial download of it
        (sync/artifact_download.py); stops early if the channel serves another one."""
        download_artifact(self.client, channel, target, sha256=sha256)
