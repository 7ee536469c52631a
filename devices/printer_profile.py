"""What a printer model can do, from python-escpos's capabilities database.

``printer.profile`` names a profile of python-escpos (the community-kept database of ESC/POS
printers, e.g. ``default``, ``TM-T20II``, ``POS-5890``): it says whether the printer draws
QR codes itself (``GS ( k``), whether it has a cutter, and its width in dots when known.
Where the profile does not know the width (``default``, ``simple``), ``printer.width_dots``
gives it (384 for 58 mm paper, 576 for 80 mm).

Text is always printed as a raster image: no profile is trusted with Vietnamese text (see
docs/printing.md).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from escpos import capabilities  # type: ignore[import-untyped]

from kiosk.config import Config
from kiosk.printing import PrinterLoadError

#: Widths we lay slips out for; anything else is refused (no such paper on our kiosks).
MIN_WIDTH_DOTS = 320
MAX_WIDTH_DOTS = 640


class ProfileError(ValueError):
    """A profile name python-escpos does not know, or a width we cannot print at."""


@dataclass(frozen=True)
class PrinterProfile:
    """The capabilities slips are laid out and encoded for."""

    name: str
    width_dots: int
    native_qr: bool
    cutter: bool

    def apply_to(self, printer: Any) -> None:
        """Give a python-escpos printer this profile, with the width we print at.

        python-escpos checks images against the profile's width (and prints a warning on
        stdout when it is unknown), so the width is set on a private copy of the profile's
        data on this printer object; the shared database is never changed.
        """
        profile = capabilities.get_profile(self.name)
        data = copy.deepcopy(profile.profile_data)
        data.setdefault("media", {}).setdefault("width", {})["pixels"] = self.width_dots
        profile.profile_data = data
        printer.profile = profile

    def describe(self) -> str:
        """One line for people: "default, 384 dots, QR by printer, cutter"."""
        qr = "QR by printer" if self.native_qr else "QR as image"
        cut = "cutter" if self.cutter else "no cutter"
        return f"{self.name}, {self.width_dots} dots, {qr}, {cut}"


def known_profiles() -> list[str]:
    """The profile names python-escpos knows."""
    return sorted(capabilities.CAPABILITIES["profiles"])


def resolve_profile(name: str, width_dots: int) -> PrinterProfile:
    """The profile ``name`` at its own width, or at ``width_dots`` when it has none."""
    profiles: dict[str, Any] = capabilities.CAPABILITIES["profiles"]
    data = profiles.get(name)
    if data is None:
        raise ProfileError(
            f"unknown printer profile {name!r}; known: {', '.join(known_profiles())}"
        )
    declared = data.get("media", {}).get("width", {}).get("pixels")
    width = declared if isinstance(declared, int) else width_dots
    if not MIN_WIDTH_DOTS <= width <= MAX_WIDTH_DOTS:
        raise ProfileError(
            f"printer profile {name!r} is {width} dots wide; slips need "
            f"{MIN_WIDTH_DOTS}..{MAX_WIDTH_DOTS} (58 or 80 mm paper)"
        )
    features: dict[str, Any] = data.get("features", {})
    return PrinterProfile(
        name=name,
        width_dots=width,
        native_qr=bool(features.get("qrCode")),
        cutter=bool(features.get("paperFullCut") or features.get("paperPartCut")),
    )


def configured_profile(config: Config) -> PrinterProfile:
    """The profile a driver prints with: ``printer.profile`` (at ``printer.width_dots`` when
    it names no width); PrinterLoadError saying what is wrong with the setting."""
    try:
        return resolve_profile(config.text("printer.profile"), config.number("printer.width_dots"))
    except ProfileError as error:
        raise PrinterLoadError(str(error)) from None
