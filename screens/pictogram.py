"""A pictogram on screen: one picture of ``screens/pictograms/`` tinted like the text beside it.

The atlases (drawn by ``tools/draw_pictograms.py``) hold every picture white on transparent
at 96 and 128 pixels; :class:`PictureIcon` shows the larger one with large text on, at the
size it was drawn, so it is never blurred by scaling. Which picture a choice shows is the
core's (:mod:`kiosk.pictograms`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kivy.properties import NumericProperty, StringProperty
from kivy.uix.image import Image

from screens.theme import theme

#: Where the atlases are.
PICTOGRAM_DIR = Path(__file__).with_name("pictograms")
#: The picture's side in pixels: normal text, large text.
SIZE = 96
LARGE_SIZE = 128


def pictogram_source(name: str, *, large: bool) -> str:
    """The Kivy source of picture ``name`` ("" for none)."""
    if not name:
        return ""
    side = LARGE_SIZE if large else SIZE
    return f"atlas://{PICTOGRAM_DIR / f'pictograms-{side}'}/{name}"


class PictureIcon(Image):
    """A pictogram, its size following large text; ``picture`` "" shows nothing.

    ``side`` is the size the picture is shown at; a layout that is short of room may set
    ``height`` lower (the picture keeps its proportions).
    """

    picture = StringProperty("")
    side = NumericProperty(SIZE)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.fit_mode = "contain"
        theme.bind(large_text=self._update)
        self.bind(picture=self._update)
        self._update()

    def _update(self, *_args: object) -> None:
        self.side = LARGE_SIZE if theme.large_text else SIZE
        self.source = pictogram_source(self.picture, large=theme.large_text)
