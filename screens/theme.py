"""Colours, text sizes and touch-target sizes for every screen, switchable while running.

One :data:`theme` object is bound by the .kv files (``theme.fg``, ``30 * theme.scale``):
switching large text or high contrast changes its properties and every widget follows.

Sizes are pixels of the kiosk's own screens (1080x1920 portrait, 1920x1080 landscape,
about 100 pixels per inch on a 21.5" panel): 60 px is 15 mm there, the smallest touch
target we allow (:data:`MIN_TOUCH`); the main buttons are twice that. Colour pairs keep a
contrast ratio of at least 4.5:1 (WCAG AA) in the normal theme and 7:1 in high contrast.
"""

from __future__ import annotations

from kivy.event import EventDispatcher
from kivy.properties import BooleanProperty, ColorProperty, NumericProperty

#: The smallest touch target in pixels: 15 mm at the kiosk panels' ~100 px per inch.
MIN_TOUCH = 60
#: How much larger text is with the large-text toggle on.
LARGE_TEXT_SCALE = 1.3

Rgba = tuple[float, float, float, float]


def _hex(code: str) -> Rgba:
    value = code.lstrip("#")
    red, green, blue = (int(value[index : index + 2], 16) / 255 for index in (0, 2, 4))
    return (red, green, blue, 1.0)


#: name -> (normal, high contrast)
PALETTE: dict[str, tuple[str, str]] = {
    "bg": ("#F3F5F8", "#000000"),
    "surface": ("#FFFFFF", "#000000"),
    "fg": ("#15202B", "#FFFFFF"),
    "muted": ("#46505A", "#FFFFFF"),
    "primary": ("#0B4F9C", "#FFD400"),
    "primary_text": ("#FFFFFF", "#000000"),
    "secondary": ("#FFFFFF", "#000000"),
    "secondary_text": ("#0B4F9C", "#FFD400"),
    "border": ("#9AA5B1", "#FFFFFF"),
    "header": ("#A50E1E", "#000000"),
    "header_text": ("#FFFFFF", "#FFFFFF"),
    "good": ("#1B6E20", "#7CFF7C"),
    "warn": ("#8A4B00", "#FFD400"),
    "selected": ("#DCE9F8", "#333300"),
}


class Theme(EventDispatcher):
    """The current look; .kv rules bind to its properties.

    (No property is called ``on_<something>``: Kivy would take it for the handler of
    ``<something>``.)
    """

    high_contrast = BooleanProperty(False)
    large_text = BooleanProperty(False)
    scale = NumericProperty(1.0)

    bg = ColorProperty(_hex(PALETTE["bg"][0]))
    surface = ColorProperty(_hex(PALETTE["surface"][0]))
    fg = ColorProperty(_hex(PALETTE["fg"][0]))
    muted = ColorProperty(_hex(PALETTE["muted"][0]))
    primary = ColorProperty(_hex(PALETTE["primary"][0]))
    primary_text = ColorProperty(_hex(PALETTE["primary_text"][0]))
    secondary = ColorProperty(_hex(PALETTE["secondary"][0]))
    secondary_text = ColorProperty(_hex(PALETTE["secondary_text"][0]))
    border = ColorProperty(_hex(PALETTE["border"][0]))
    header = ColorProperty(_hex(PALETTE["header"][0]))
    header_text = ColorProperty(_hex(PALETTE["header_text"][0]))
    good = ColorProperty(_hex(PALETTE["good"][0]))
    warn = ColorProperty(_hex(PALETTE["warn"][0]))
    selected = ColorProperty(_hex(PALETTE["selected"][0]))

    min_touch = NumericProperty(MIN_TOUCH)

    def on_high_contrast(self, _instance: object, value: bool) -> None:
        """Swap every colour for its high-contrast pair."""
        column = 1 if value else 0
        for name, pair in PALETTE.items():
            setattr(self, name, _hex(pair[column]))

    def on_large_text(self, _instance: object, value: bool) -> None:
        """Scale every text size."""
        self.scale = LARGE_TEXT_SCALE if value else 1.0

    def reset(self, *, large_text: bool, high_contrast: bool) -> None:
        """Back to a session's starting look."""
        self.large_text = large_text
        self.high_contrast = high_contrast
        self.on_high_contrast(self, high_contrast)
        self.on_large_text(self, large_text)


theme = Theme()
