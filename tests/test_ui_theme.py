"""Colours people can read: WCAG contrast of every text/background pair in both themes."""

from __future__ import annotations

import pytest

pytest.importorskip("kivy")

import os

os.environ.setdefault("KIVY_NO_ARGS", "1")

from screens.theme import MIN_TOUCH, PALETTE

#: (text, background) pairs the screens use.
PAIRS = [
    ("fg", "bg"), ("fg", "surface"), ("muted", "bg"), ("muted", "surface"),
    ("primary_text", "primary"), ("secondary_text", "secondary"), ("header_text", "header"),
    ("warn", "bg"), ("good", "bg"), ("fg", "selected"),
]  # fmt: skip


def luminance(code: str) -> float:
    channels = [int(code.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(first: str, second: str) -> float:
    high, low = sorted((luminance(first), luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize(("text", "background"), PAIRS)
def test_normal_theme_meets_aa_and_high_contrast_meets_aaa(text: str, background: str) -> None:
    assert contrast(PALETTE[text][0], PALETTE[background][0]) >= 4.5
    assert contrast(PALETTE[text][1], PALETTE[background][1]) >= 7.0


def test_touch_targets_are_at_least_15_mm_on_the_kiosk_panels() -> None:
    # 21.5" 1920x1080 panels: about 102 pixels per inch.
    assert MIN_TOUCH / 102 * 25.4 >= 14.9
