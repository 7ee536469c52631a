"""The kiosk's gettext catalogs, shared by the screens and the slips.

Every string a citizen reads, on the screen or on paper, is written in English and
translated in ``kiosk/locale/vi/LC_MESSAGES/kiosk.po``; English needs no catalog. The
screens mark their strings ``_()`` (see ``screens/i18n.py``); the core marks the ones it
stores before translating with :func:`N_`, :func:`NP_` (a number changes it) and
:func:`NC_` (the same English needs another translation here). ``pybabel`` extracts all of
them (the command is in docs/ui.md) and ``scripts/setup`` compiles the .po to the .mo
loaded here.
"""

from __future__ import annotations

import functools
import gettext
import logging
from dataclasses import dataclass
from pathlib import Path

from kiosk.language import Language

log = logging.getLogger(__name__)

LOCALE_DIR = Path(__file__).with_name("locale")
DOMAIN = "kiosk"


@functools.cache
def catalog(language: Language) -> gettext.NullTranslations:
    """The translations for ``language`` (English: the strings as written).

    A missing compiled catalog is logged as an error and gives English rather than
    stopping the kiosk; ``scripts/setup`` compiles it and a test checks it is there.
    """
    if language == "en":
        return gettext.NullTranslations()
    try:
        return gettext.translation(DOMAIN, localedir=LOCALE_DIR, languages=[language])
    except OSError:
        log.error("no compiled %s catalog in %s: run scripts/setup", language, LOCALE_DIR)
        return gettext.NullTranslations()


@dataclass(frozen=True)
class Message:
    """An English message as the catalog knows it, translated when it is shown."""

    text: str
    #: The English plural, for a message that changes with a number.
    plural: str | None = None
    #: Tells apart two uses of the same English that translate differently.
    context: str | None = None

    def translate(self, language: Language, count: int = 1) -> str:
        """This message in ``language`` (singular or plural for ``count``)."""
        translations = catalog(language)
        if self.plural is None:
            if self.context is None:
                return translations.gettext(self.text)
            return translations.pgettext(self.context, self.text)
        if self.context is None:
            return translations.ngettext(self.text, self.plural, count)
        return translations.npgettext(self.context, self.text, self.plural, count)


def N_(text: str) -> Message:  # noqa: N802 - the gettext convention for "translate later"
    """Mark ``text`` for the catalog; it is translated when shown."""
    return Message(text)


def NP_(singular: str, plural: str) -> Message:  # noqa: N802 - as N_
    """Mark a message whose English changes with a number ("{count} copy"/"copies")."""
    return Message(singular, plural=plural)


def NC_(context: str, text: str) -> Message:  # noqa: N802 - as N_
    """Mark ``text`` with a ``context``, for English the screens translate differently."""
    return Message(text, context=context)
