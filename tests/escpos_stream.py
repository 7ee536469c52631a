"""Test helpers: read an ESC/POS job back into commands, and into the paper it would print.

A small interpreter for exactly the commands our encoder emits, written from the ESC/POS
reference independently of python-escpos: if the encoder sent a wrong length or a wrong
header, the parse fails or the paper differs from the preview.
"""

from __future__ import annotations

from dataclasses import dataclass

import qrcode
from PIL import Image

ESC, GS, DLE = 0x1B, 0x1D, 0x10
#: python-escpos's QR error levels (GS ( k fn 69 argument 48 + level) -> qrcode constants.
QR_LEVELS = {
    48: qrcode.constants.ERROR_CORRECT_L,
    49: qrcode.constants.ERROR_CORRECT_M,
    50: qrcode.constants.ERROR_CORRECT_Q,
    51: qrcode.constants.ERROR_CORRECT_H,
}


@dataclass(frozen=True)
class Command:
    """One command of a job: its name, its parameter bytes and its data."""

    name: str
    args: bytes = b""
    data: bytes = b""


def parse(job: bytes) -> list[Command]:
    """The commands of ``job``; printable bytes outside commands come out as TEXT."""
    commands: list[Command] = []
    i = 0
    while i < len(job):
        rest = job[i:]
        if rest[:2] == b"\x1b@":
            commands.append(Command("ESC @"))
            i += 2
        elif rest[:2] in (b"\x1ba", b"\x1bJ", b"\x1bd"):
            commands.append(Command("ESC " + chr(rest[1]), rest[2:3]))
            i += 3
        elif rest[:3] == b"\x1dv0":
            header = rest[3:8]
            width_bytes = header[1] + 256 * header[2]
            height = header[3] + 256 * header[4]
            size = width_bytes * height
            assert len(rest) >= 8 + size, "raster data cut short"
            commands.append(Command("GS v 0", header, rest[8 : 8 + size]))
            i += 8 + size
        elif rest[:3] == b"\x1d(k":
            length = rest[3] + 256 * rest[4]
            commands.append(Command("GS ( k", rest[5:7], rest[7 : 5 + length]))
            i += 5 + length
        elif rest[:2] == b"\x1dV":
            size = 4 if rest[2] in (65, 66, 97, 98, 103, 104) else 3
            commands.append(Command("GS V", rest[2:size]))
            i += size
        elif rest[:2] == b"\x10\x04":
            commands.append(Command("DLE EOT", rest[2:3]))
            i += 3
        elif rest[0] == 0x0A:
            commands.append(Command("LF"))
            i += 1
        else:
            if commands and commands[-1].name == "TEXT":
                commands[-1] = Command("TEXT", data=commands[-1].data + rest[:1])
            else:
                commands.append(Command("TEXT", data=rest[:1]))
            i += 1
    return commands


def paper(job: bytes, width: int) -> Image.Image:
    """What a printer ``width`` dots wide prints for ``job``, up to its final feed and cut.

    Feeds after the last image (before the cut) are left out, as the preview leaves them.
    """
    bands: list[Image.Image] = []
    align = 0
    qr_size, qr_level, qr_data = 3, qrcode.constants.ERROR_CORRECT_L, b""
    for command in parse(job):
        if command.name == "ESC a":
            align = command.args[0]
        elif command.name == "GS v 0":
            width_bytes = command.args[1] + 256 * command.args[2]
            height = command.args[3] + 256 * command.args[4]
            inverted = bytes(255 - value for value in command.data)
            bands.append(_placed(Image.frombytes("1", (width_bytes * 8, height), inverted),
                                 width, align))
        elif command.name == "GS ( k":
            function = command.args[1]
            if function == 67:
                qr_size = command.data[0]
            elif function == 69:
                qr_level = QR_LEVELS[command.data[0]]
            elif function == 80:
                qr_data = command.data[1:]  # after the "0" of m
            elif function == 81:
                bands.append(_placed(_qr(qr_data.decode("utf-8"), qr_size, qr_level), width,
                                     align))
        elif command.name == "ESC J":
            bands.append(Image.new("1", (width, command.args[0]), 1))
    page = Image.new("1", (width, sum(band.height for band in bands)), 1)
    top = 0
    for band in bands:
        page.paste(band, (0, top))
        top += band.height
    return page


def _placed(image: Image.Image, width: int, align: int) -> Image.Image:
    band = Image.new("1", (width, image.height), 1)
    x = {0: 0, 1: (width - image.width) // 2, 2: width - image.width}[align]
    band.paste(image, (x, 0))
    return band


def _qr(payload: str, module: int, level: int) -> Image.Image:
    code = qrcode.QRCode(error_correction=level, border=0, box_size=1)
    code.add_data(payload)
    code.make(fit=True)
    matrix = code.get_matrix()
    small = Image.new("1", (len(matrix), len(matrix)), 1)
    small.putdata([0 if dark else 1 for row in matrix for dark in row])
    return small.resize((len(matrix) * module, len(matrix) * module), Image.Resampling.NEAREST)
