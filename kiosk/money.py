"""Amounts of money as the kiosk shows and prints them: "7.000 đồng", "7.000 VND".

The one formatter for fees, used by the slips, the screens and the command line.
"""

from __future__ import annotations

from kiosk.language import Language
from kiosk.translations import N_

_AMOUNT = N_("{amount} VND")


def group_thousands(amount: int) -> str:
    """``amount`` with dots between thousands, as Vietnamese write it: 7000 -> "7.000"."""
    return f"{amount:,}".replace(",", ".")


def format_vnd(amount: int, language: Language) -> str:
    """An amount of đồng in ``language``: 7000 -> "7.000 đồng" or "7.000 VND"."""
    return _AMOUNT.translate(language).format(amount=group_thousands(amount))
