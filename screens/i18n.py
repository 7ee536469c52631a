"""The screens' words in Vietnamese and English, from gettext catalogs.

Every string a citizen reads is written in English in the code and the .kv files, marked
``tr._("...")`` (or ``tr.ngettext(...)`` when a number changes it), and translated in
``kiosk/locale/vi/LC_MESSAGES/kiosk.po``, the catalog the slips use too
(:mod:`kiosk.translations`). English needs no catalog: the marked string is the English
text. ``pybabel`` extracts the marked strings (``babel.cfg``) and compiles the catalogs;
``scripts/setup`` compiles them when a .po is newer than its .mo, and a test fails when a
string is missing from the Vietnamese catalog.

:data:`translator` is what the .kv files bind: ``text: tr._("Look up a procedure")``
re-runs when its ``_`` property is replaced, so switching language retranslates every
widget without rebuilding the screens.
"""

from __future__ import annotations

from collections.abc import Callable

from kivy.event import EventDispatcher
from kivy.properties import ObjectProperty, StringProperty

from kiosk.language import check_language
from kiosk.translations import catalog


class Translator(EventDispatcher):
    """The current language's ``_`` and ``ngettext``, as properties the .kv files bind."""

    language = StringProperty("vi")
    _ = ObjectProperty(None)
    ngettext = ObjectProperty(None)

    def __init__(self) -> None:
        super().__init__()
        self.switch("vi")

    def switch(self, language: str) -> None:
        """Show everything in ``language`` ("vi" or "en") from now on."""
        checked = check_language(language)
        translations = catalog(checked)  # loaded once per language (it is cached)
        gettext_: Callable[[str], str] = translations.gettext
        # The catalog first, the language last: code bound to ``language`` (the keyboard's
        # space key, screens that render text in Python) then translates with the new one.
        self._ = gettext_
        self.ngettext = translations.ngettext
        self.language = checked


translator = Translator()


def _(message: str) -> str:
    """``message`` in the current language (for Python code in screens/)."""
    text: str = translator._(message)
    return text


def ngettext(singular: str, plural: str, count: int) -> str:
    """The singular or plural message for ``count`` in the current language."""
    text: str = translator.ngettext(singular, plural, count)
    return text
