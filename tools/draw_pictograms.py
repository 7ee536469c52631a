"""Draw the kiosk's pictograms into PNG atlases: ``python tools/draw_pictograms.py``.

Every picture of :class:`kiosk.pictograms.Pictogram` is drawn here with Pillow from simple
shapes (our own drawings, under the project's licence), in white on transparent: the
screens tint it to the text colour of where it sits (white on a blue tile, dark on a white
row, yellow in high contrast). Each is drawn large (512 px) and scaled down, so edges are
smooth, into two atlases in Kivy's format, ``screens/pictograms/pictograms-96.atlas`` and
``-128.atlas`` (the second for large text). Running it again writes the same bytes; a test
checks that every pictogram is in both atlases.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kiosk.pictograms import Pictogram  # noqa: E402

OUT = ROOT / "screens" / "pictograms"
SIZES = (96, 128)
BIG = 512
W = 34  # stroke width on the big canvas
INK = (255, 255, 255, 255)
CLEAR = (0, 0, 0, 0)
COLUMNS = 8

Draw = ImageDraw.ImageDraw
Box = tuple[float, float, float, float]


def _line(d: Draw, points: Sequence[tuple[float, float]], width: int = W) -> None:
    d.line(points, fill=INK, width=width, joint="curve")
    r = width / 2
    for x, y in (points[0], points[-1]):
        d.ellipse((x - r, y - r, x + r, y + r), fill=INK)


def _rect(d: Draw, box: Box, radius: int = 24, width: int = W) -> None:
    d.rounded_rectangle(box, radius=radius, outline=INK, width=width)


def _disc(d: Draw, x: float, y: float, r: float) -> None:
    d.ellipse((x - r, y - r, x + r, y + r), fill=INK)


def _ring(d: Draw, x: float, y: float, r: float, width: int = W) -> None:
    d.ellipse((x - r, y - r, x + r, y + r), outline=INK, width=width)


def _cut(d: Draw, box: Box) -> None:
    d.rectangle(box, fill=CLEAR)


def _person(d: Draw, x: float, y: float, scale: float) -> None:
    """A head and shoulders centred at ``x``; ``y`` is the top of the head."""
    _disc(d, x, y + 40 * scale, 40 * scale)
    d.pieslice((x - 75 * scale, y + 95 * scale, x + 75 * scale, y + 245 * scale), 180, 360,
               fill=INK)


def _document(d: Draw) -> None:
    d.polygon([(120, 50), (320, 50), (400, 130), (400, 462), (120, 462)], outline=INK, width=W)
    _line(d, [(320, 50), (320, 130), (400, 130)])
    for y in (220, 300, 380):
        _line(d, [(180, y), (340, y)])


def search(d: Draw) -> None:
    _ring(d, 215, 215, 135)
    _line(d, [(315, 315), (440, 440)], width=W + 16)


def life_events(d: Draw) -> None:
    _person(d, 170, 120, 1.0)
    _person(d, 340, 120, 1.0)
    _person(d, 255, 270, 0.7)
    d.rectangle((40, 440, 472, 470), fill=INK)


def ticket(d: Draw) -> None:
    d.rounded_rectangle((40, 130, 472, 382), radius=24, fill=INK)
    for x in (40, 472):  # the notches of a torn-off ticket
        d.ellipse((x - 44, 212, x + 44, 300), fill=CLEAR)
    for y in range(160, 360, 48):
        d.rectangle((150, y, 164, y + 24), fill=CLEAR)
    for y in (200, 256, 312):
        d.rectangle((210, y - 12, 420, y + 12), fill=CLEAR)


def status(d: Draw) -> None:
    d.polygon([(80, 50), (280, 50), (360, 130), (360, 300)], outline=None)
    _rect(d, (80, 50, 330, 462))
    for y in (150, 230):
        _line(d, [(140, y), (270, y)])
    _ring(d, 340, 330, 90)
    _line(d, [(405, 395), (465, 455)], width=W + 10)


def feedback(d: Draw) -> None:
    d.rounded_rectangle((50, 80, 462, 360), radius=60, outline=INK, width=W)
    d.polygon([(140, 340), (230, 340), (120, 450)], fill=INK)
    for x in (170, 256, 342):
        _disc(d, x, 220, 26)


def _star(d: Draw, cx: float, cy: float, outer: float, inner: float) -> None:
    points = []
    for index in range(10):
        angle = -math.pi / 2 + index * math.pi / 5
        radius = outer if index % 2 == 0 else inner
        points.append((cx + radius * math.cos(angle), cy + radius * math.sin(angle)))
    d.polygon(points, fill=INK)


def rating(d: Draw) -> None:
    _star(d, 256, 270, 220, 95)


def directory(d: Draw) -> None:
    d.pieslice((116, 40, 396, 320), 180, 360, fill=INK)
    d.ellipse((116, 40, 396, 320), fill=INK)
    d.polygon([(128, 230), (384, 230), (256, 470)], fill=INK)
    d.ellipse((196, 120, 316, 240), fill=CLEAR)


def document(d: Draw) -> None:
    _document(d)


def _leaf(d: Draw, base: tuple[float, float], tip: tuple[float, float], width: float) -> None:
    (x0, y0), (x1, y1) = base, tip
    length = math.hypot(x1 - x0, y1 - y0)
    nx, ny = -(y1 - y0) / length, (x1 - x0) / length
    side = [(x0 + (x1 - x0) * t + nx * width * math.sin(math.pi * t),
             y0 + (y1 - y0) * t + ny * width * math.sin(math.pi * t)) for t in
            [i / 20 for i in range(21)]]
    other = [(x0 + (x1 - x0) * t - nx * width * math.sin(math.pi * t),
              y0 + (y1 - y0) * t - ny * width * math.sin(math.pi * t)) for t in
             [i / 20 for i in range(20, -1, -1)]]
    d.polygon(side + other, fill=INK)


def sprout(d: Draw) -> None:
    _line(d, [(256, 460), (256, 200)])
    _leaf(d, (256, 300), (70, 160), 70)
    _leaf(d, (256, 220), (440, 70), 70)
    _line(d, [(120, 465), (392, 465)])


def paw(d: Draw) -> None:
    d.ellipse((150, 250, 362, 440), fill=INK)
    for x, y in ((110, 220), (190, 120), (322, 120), (402, 220)):
        d.ellipse((x - 48, y - 58, x + 48, y + 58), fill=INK)


def _waves(d: Draw, ys: tuple[int, ...]) -> None:
    for y in ys:
        points = [(x, y + 26 * math.sin((x - 40) / 432 * 4 * math.pi)) for x in range(40, 473, 8)]
        _line(d, points)


def wave(d: Draw) -> None:
    d.polygon([(140, 250), (372, 250), (330, 320), (180, 320)], fill=INK)  # a boat's hull
    _line(d, [(256, 250), (256, 80)])
    d.polygon([(256, 90), (256, 230), (370, 230)], fill=INK)
    _waves(d, (400, 470))


def drop(d: Draw) -> None:
    d.polygon([(256, 40), (120, 280), (392, 280)], fill=INK)
    d.ellipse((110, 180, 402, 472), fill=INK)
    d.arc((170, 290, 290, 410), 100, 190, fill=CLEAR, width=22)


def fish(d: Draw) -> None:
    d.ellipse((60, 140, 380, 372), fill=INK)
    d.polygon([(340, 256), (470, 140), (470, 372)], fill=INK)
    _disc(d, 140, 230, 0)
    d.ellipse((120, 205, 160, 245), fill=CLEAR)


def scales(d: Draw) -> None:
    _line(d, [(256, 60), (256, 440)])
    _line(d, [(150, 460), (362, 460)])
    _line(d, [(80, 130), (432, 130)])
    for x in (110, 402):
        _line(d, [(x, 130), (x - 60, 290)], width=16)
        _line(d, [(x, 130), (x + 60, 290)], width=16)
        d.chord((x - 90, 230, x + 90, 350), 0, 180, fill=INK)


def medical(d: Draw) -> None:
    d.rectangle((196, 60, 316, 452), fill=INK)
    d.rectangle((60, 196, 452, 316), fill=INK)


def id_card(d: Draw) -> None:
    _rect(d, (40, 110, 472, 402), radius=30)
    _disc(d, 150, 210, 42)
    d.pieslice((80, 250, 220, 380), 180, 360, fill=INK)
    for y in (200, 260, 320):
        _line(d, [(270, y), (420, y)])


def crane(d: Draw) -> None:
    # A building going up: storeys with windows and a crane's arm over it.
    d.rectangle((150, 200, 380, 470), fill=INK)
    for y in (240, 310, 380):
        for x in (185, 245, 305):
            d.rectangle((x, y, x + 40, y + 40), fill=CLEAR)
    _line(d, [(430, 470), (430, 60)])
    _line(d, [(200, 80), (470, 80)])
    _line(d, [(250, 80), (250, 160)], width=12)


def shield(d: Draw) -> None:
    d.polygon([(256, 40), (440, 110), (420, 300), (256, 470), (92, 300), (72, 110)], fill=INK)
    star = []
    for index in range(10):
        angle = -math.pi / 2 + index * math.pi / 5
        radius = 95 if index % 2 == 0 else 40
        star.append((256 + radius * math.cos(angle), 250 + radius * math.sin(angle)))
    d.polygon(star, fill=CLEAR)


def stamp(d: Draw) -> None:
    d.ellipse((176, 40, 336, 200), fill=INK)
    d.rectangle((226, 180, 286, 320), fill=INK)
    d.rounded_rectangle((96, 300, 416, 380), radius=20, fill=INK)
    _line(d, [(80, 450), (432, 450)])


def house(d: Draw) -> None:
    d.polygon([(256, 50), (470, 240), (42, 240)], fill=INK)
    d.rectangle((100, 230, 412, 462), fill=INK)
    d.rectangle((216, 320, 296, 462), fill=CLEAR)


def land(d: Draw) -> None:
    d.polygon([(60, 300), (256, 200), (452, 300), (256, 420)], outline=INK, width=W)
    _line(d, [(158, 250), (354, 360)], width=16)
    _line(d, [(354, 250), (158, 360)], width=16)
    _line(d, [(256, 300), (256, 60)])
    d.polygon([(256, 60), (400, 100), (256, 150)], fill=INK)


def car(d: Draw) -> None:
    d.polygon([(130, 170), (382, 170), (430, 260), (82, 260)], fill=INK)
    d.rounded_rectangle((40, 250, 472, 370), radius=30, fill=INK)
    d.polygon([(160, 195), (240, 195), (240, 250), (130, 250)], fill=CLEAR)
    d.polygon([(272, 195), (352, 195), (382, 250), (272, 250)], fill=CLEAR)
    for x in (140, 372):
        _disc(d, x, 380, 58)
        d.ellipse((x - 24, 356, x + 24, 404), fill=CLEAR)


def coin(d: Draw) -> None:
    # A stack of coins.
    for top in (330, 250, 170, 90):
        d.ellipse((96, top, 416, top + 110), fill=INK)
        d.arc((96, top + 14, 416, top + 124), 0, 180, fill=CLEAR, width=16)
    d.ellipse((150, 105, 362, 185), outline=CLEAR, width=14)


def shop(d: Draw) -> None:
    d.polygon([(60, 90), (452, 90), (480, 210), (32, 210)], fill=INK)
    for x in (100, 196, 292, 388):
        d.chord((x - 66, 160, x + 30, 260), 0, 180, fill=INK)
    _rect(d, (80, 250, 432, 460), radius=10)
    d.rectangle((200, 320, 312, 460), fill=INK)


def family(d: Draw) -> None:
    _person(d, 140, 100, 1.0)
    _person(d, 372, 100, 1.0)
    _person(d, 256, 240, 0.8)


def tree(d: Draw) -> None:
    d.rectangle((226, 300, 286, 470), fill=INK)
    d.ellipse((80, 40, 432, 360), fill=INK)


def flame(d: Draw) -> None:
    d.polygon([(256, 40), (400, 260), (112, 260)], fill=INK)
    d.ellipse((112, 170, 400, 470), fill=INK)
    d.polygon([(256, 260), (320, 380), (256, 430), (192, 380)], fill=CLEAR)


def storm(d: Draw) -> None:
    for box in ((60, 140, 240, 300), (170, 60, 380, 270), (300, 130, 460, 300)):
        d.ellipse(box, fill=INK)
    d.rectangle((130, 220, 400, 300), fill=INK)
    d.polygon([(270, 280), (180, 400), (250, 400), (210, 480), (330, 360), (260, 360),
               (300, 280)], fill=INK)
    d.polygon([(270, 300), (290, 300)], fill=INK)


def plane(d: Draw) -> None:
    d.polygon([(256, 30), (296, 90), (296, 210), (470, 300), (470, 340), (296, 290),
               (296, 400), (350, 450), (350, 480), (256, 450), (162, 480), (162, 450),
               (216, 400), (216, 290), (42, 340), (42, 300), (216, 210), (216, 90)],
              fill=INK)


def baby(d: Draw) -> None:
    # A pram: its hood, its body and two wheels.
    d.pieslice((60, 80, 300, 320), 180, 270, fill=INK)
    d.chord((60, 120, 460, 400), 0, 180, fill=INK)
    d.rectangle((60, 250, 460, 262), fill=INK)
    _line(d, [(440, 260), (470, 120)])
    for x in (150, 370):
        _disc(d, x, 430, 42)
        d.ellipse((x - 16, 414, x + 16, 446), fill=CLEAR)


def rings(d: Draw) -> None:
    _ring(d, 190, 290, 120)
    _ring(d, 322, 290, 120)
    d.polygon([(190, 90), (230, 150), (190, 170), (150, 150)], fill=INK)


def candle(d: Draw) -> None:
    d.polygon([(256, 40), (300, 130), (256, 190), (212, 130)], fill=INK)
    d.rectangle((196, 210, 316, 450), fill=INK)
    _line(d, [(110, 465), (402, 465)])


def moving(d: Draw) -> None:
    d.rounded_rectangle((40, 150, 320, 370), radius=14, fill=INK)
    d.polygon([(320, 210), (420, 210), (472, 290), (472, 370), (320, 370)], fill=INK)
    d.polygon([(350, 230), (410, 230), (445, 285), (350, 285)], fill=CLEAR)
    for x in (120, 390):
        _disc(d, x, 390, 52)
        d.ellipse((x - 22, 368, x + 22, 412), fill=CLEAR)


def _face(d: Draw) -> None:
    _ring(d, 256, 256, 210)
    _disc(d, 186, 200, 30)
    _disc(d, 326, 200, 30)


def face_very_happy(d: Draw) -> None:
    _face(d)
    d.chord((146, 250, 366, 410), 0, 180, fill=INK)


def face_happy(d: Draw) -> None:
    _face(d)
    d.arc((166, 230, 346, 380), 20, 160, fill=INK, width=W)


def face_neutral(d: Draw) -> None:
    _face(d)
    _line(d, [(176, 340), (336, 340)])


def face_sad(d: Draw) -> None:
    _face(d)
    d.arc((166, 320, 346, 470), 205, 335, fill=INK, width=W)


DRAWINGS: dict[Pictogram, Callable[[Draw], None]] = {
    picture: globals()[picture.value] for picture in Pictogram
}


def draw(picture: Pictogram, size: int) -> Image.Image:
    """``picture`` at ``size`` pixels square, white on transparent."""
    big = Image.new("RGBA", (BIG, BIG), CLEAR)
    DRAWINGS[picture](ImageDraw.Draw(big))
    return big.resize((size, size), Image.Resampling.LANCZOS)


def write_atlas(size: int, out: Path = OUT) -> Path:
    """Every pictogram at ``size`` in one PNG and its Kivy ``.atlas`` index."""
    pictures = list(Pictogram)
    rows = math.ceil(len(pictures) / COLUMNS)
    sheet = Image.new("RGBA", (COLUMNS * size, rows * size), CLEAR)
    index: dict[str, list[int]] = {}
    for number, picture in enumerate(pictures):
        x, y = (number % COLUMNS) * size, (number // COLUMNS) * size
        sheet.paste(draw(picture, size), (x, y))
        # Kivy's atlas counts y from the bottom of the sheet.
        index[picture.value] = [x, sheet.height - y - size, size, size]
    out.mkdir(parents=True, exist_ok=True)
    name = f"pictograms-{size}"
    sheet.save(out / f"{name}.png", optimize=True)
    atlas = out / f"{name}.atlas"
    atlas.write_text(json.dumps({f"{name}.png": index}, indent=1, sort_keys=True) + "\n")
    return atlas


def main() -> None:
    """Write both atlases."""
    for size in SIZES:
        print(write_atlas(size))


if __name__ == "__main__":
    main()
