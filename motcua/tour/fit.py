"""Does what is on screen fit? Text larger than its widget, small touch targets, split words.

:func:`misfits` looks at every widget shown in the window, as laid out now, and reports:

- a label whose rendered text (Kivy's ``texture_size``) is larger than the label: the text
  is clipped or spills over what is next to it;
- a touch target (anything with a button's behaviour) narrower or lower than 9 mm on the
  kiosk's screen (``ui.screen_ppi``);
- a label that breaks inside a word ("Dem/o", "Phư/ờng"): Kivy splits a word only when
  the word alone is wider than the line, so a word wider than the label's text width is
  one (buttons and plain labels alike: a title or a hint split mid-word reads as two
  wrong words);
- a label that sticks out of a box it is in (a tile too short for its title spills into
  the next one), up to the screen or the scrolling list it belongs to.

The tour runs it on every screen it shoots; ``tests/ui/test_fit.py`` fails on anything it
reports. Widgets not shown are skipped: zero size, fully transparent (or inside something
transparent), disabled and hidden, or outside the window.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

#: The smallest touch target, in millimetres (the issue's figure; ISO 9241-9 asks ~9.6).
MIN_TARGET_MM = 9.0
MM_PER_INCH = 25.4
#: Rounding of Kivy's layout: a pixel over is not a misfit.
SLACK = 1.5


class Problem(enum.Enum):
    """What is wrong with a widget."""

    TEXT_OVERFLOW = "text larger than its widget"
    SMALL_TARGET = "touch target under 9 mm"
    WORD_SPLIT = "label breaks inside a word"
    OUTSIDE = "text outside the box it is in"


@dataclass(frozen=True)
class Misfit:
    """One widget that does not fit, and how."""

    problem: Problem
    widget: str
    detail: str

    def __str__(self) -> str:
        return f"{self.problem.value}: {self.widget}: {self.detail}"


def min_target_pixels(ppi: int) -> float:
    """9 mm in pixels on a screen of ``ppi`` pixels per inch."""
    return MIN_TARGET_MM / MM_PER_INCH * ppi


def misfits(window: Any, ppi: int) -> list[Misfit]:
    """Everything shown in ``window`` that does not fit (see the module docstring)."""
    from kivy.uix.behaviors import ButtonBehavior  # noqa: PLC0415
    from kivy.uix.label import Label  # noqa: PLC0415

    smallest = min_target_pixels(ppi)
    found: list[Misfit] = []
    for widget in _shown(window):
        if isinstance(widget, Label) and widget.text.strip():
            found.extend(_label_misfits(widget))
        small = widget.width + SLACK < smallest or widget.height + SLACK < smallest
        if isinstance(widget, ButtonBehavior) and not widget.disabled and small:
            found.append(Misfit(Problem.SMALL_TARGET, describe(widget),
                                f"{widget.width:.0f}x{widget.height:.0f} px, "
                                f"at least {smallest:.0f} px"))
    return found


def _label_misfits(label: Any) -> list[Misfit]:
    label.texture_update()
    found = []
    text_width, text_height = label.texture_size
    if text_width > label.width + SLACK or text_height > label.height + SLACK:
        found.append(Misfit(Problem.TEXT_OVERFLOW, describe(label),
                            f"text {text_width:.0f}x{text_height:.0f} px in "
                            f"{label.width:.0f}x{label.height:.0f} px"))
    outside = _outside_of(label)
    if outside:
        found.append(Misfit(Problem.OUTSIDE, describe(label), outside))
    word = _split_word(label)
    if word:
        found.append(Misfit(Problem.WORD_SPLIT, describe(label), repr(word)))
    return found


def _outside_of(label: Any) -> str:
    """The box ``label`` sticks out of, described ("" when it is inside them all)."""
    from kivy.uix.screenmanager import Screen  # noqa: PLC0415
    from kivy.uix.stencilview import StencilView  # noqa: PLC0415

    left, bottom = label.to_window(label.x, label.y)
    right, top = left + label.width, bottom + label.height
    parent = label.parent
    while parent is not None and parent is not parent.parent:
        if isinstance(parent, StencilView):  # a scrolling list clips what is outside it
            return ""
        if parent.width > 0 and parent.height > 0:
            x, y = parent.to_window(parent.x, parent.y)
            if (left < x - SLACK or bottom < y - SLACK or right > x + parent.width + SLACK
                    or top > y + parent.height + SLACK):
                return (f"{left:.0f},{bottom:.0f} {label.width:.0f}x{label.height:.0f} px "
                        f"outside {describe(parent)} at {x:.0f},{y:.0f} "
                        f"{parent.width:.0f}x{parent.height:.0f} px")
        if isinstance(parent, Screen):
            return ""
        parent = parent.parent
    return ""


def _split_word(label: Any) -> str:
    """A word of the label wider than its text width ("" when every word fits a line)."""
    from kivy.core.text import Label as CoreLabel  # noqa: PLC0415

    width = label.text_size[0]
    if width is None:
        return ""
    padding_x = label.padding[0] + label.padding[2] if len(label.padding) == 4 else 0
    available = width - padding_x if width else 0
    measure = CoreLabel(font_size=label.font_size, font_name=label.font_name, bold=label.bold)
    for word in label.text.split():
        if measure.get_extents(word)[0] > available + SLACK:
            return str(word)
    return ""


def describe(widget: Any) -> str:
    """A widget as a person finds it: its class, its id on its screen, its text."""
    name = type(widget).__name__
    ident = _id_of(widget)
    text = getattr(widget, "text", "") or getattr(widget, "title", "")
    shown = f" {text[:40]!r}" if isinstance(text, str) and text else ""
    return f"{name}{f' #{ident}' if ident else ''}{shown}"



def _id_of(widget: Any) -> str:
    parent = widget.parent
    while parent is not None and parent is not parent.parent:
        for name, holder in getattr(parent, "ids", {}).items():
            if holder is widget or getattr(holder, "__self__", None) is widget:
                return str(name)
        parent = parent.parent
    return ""


def _shown(window: Any) -> Iterator[Any]:
    """Every widget the citizen can see now (see the module docstring)."""
    for child in list(window.children):
        yield from _walk_shown(child, window.width, window.height)


def _walk_shown(widget: Any, window_width: float, window_height: float) -> Iterator[Any]:
    if widget.opacity <= 0 or widget.width <= 0 or widget.height <= 0:
        return
    left, bottom = widget.to_window(widget.x, widget.y)
    if left >= window_width or bottom >= window_height or left + widget.width <= 0 \
            or bottom + widget.height <= 0:
        return
    yield widget
    for child in list(widget.children):
        yield from _walk_shown(child, window_width, window_height)
