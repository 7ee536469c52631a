"""What the kiosk says when a citizen presses "Nghe" (Listen): a screen's state -> phrases.

A screen describes what it shows as one of the views below (a menu or list with its
choices, a procedure with its case and papers, a printed ticket, the idle warning) and
:func:`spoken_phrases` turns it into the sentences a voice reads, in Vietnamese or English.
The screens only gather what is on show (already in the citizen's language); the wording
of what is said around it, the numbering of choices and every number in words live here,
pure, so each screen's speech is tested exactly.

Each phrase is said as one announcement: the first is heard while the next is rendered,
and a phrase said before (a screen's title) comes from the renderer's cache. Numbers are
words by :mod:`kiosk.vietnamese_numbers` in Vietnamese ("Hai: Tra cứu hồ sơ."); English
keeps digits, which English voices read well.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kiosk.language import Language
from kiosk.speech_phrases import ticket_words_en
from kiosk.vietnamese_numbers import HANOI, NumberStyle, number_words, ticket_parts_words

#: The most choices read aloud; a longer list ends with how many more there are.
MAX_CHOICES = 8


@dataclass(frozen=True)
class Phrase:
    """One sentence to say, and the language whose voice says it."""

    text: str
    language: Language


@dataclass(frozen=True)
class MenuView:
    """A screen of choices: its title, what it asks, and its choices top to bottom."""

    title: str
    prompt: str = ""
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Paper:
    """One paper of a procedure's list, as the citizen hears it."""

    name: str
    originals: int = 0
    copies: int = 0


@dataclass(frozen=True)
class ProcedureView:
    """A procedure's detail: its title, the case chosen and that case's papers.

    ``cases`` is set while the screen asks "Which case is yours?" (nothing is chosen yet,
    so no papers are read).
    """

    title: str
    case: str = ""
    cases: tuple[str, ...] = ()
    submit: tuple[Paper, ...] = ()
    show: tuple[Paper, ...] = ()
    #: The case needs no papers at all.
    no_papers: bool = False
    #: What the citizen can do next (the screen's buttons, in its language), said last.
    actions: tuple[str, ...] = ()
    #: The language of the catalog's texts (the title, case and papers): Vietnamese when the
    #: catalog has no English for them, whatever the screen's language.
    texts_language: Language = "vi"


@dataclass(frozen=True)
class TicketView:
    """A queue ticket just printed: the number, the counter, the people ahead if known."""

    ticket: str
    counter: str = ""
    people_ahead: int | None = None
    #: What the screen says first ("Please take your slip below"), said first.
    heading: str = ""


@dataclass(frozen=True)
class IdleWarningView:
    """ "Do you need more time?" with the seconds before the screen is cleared."""

    seconds: int


ScreenView = MenuView | ProcedureView | TicketView | IdleWarningView

#: The words said around what the screen shows.
_WORDS: dict[Language, dict[str, str]] = {
    "vi": {
        "choices_one": "Có một lựa chọn.",
        "choices": "Có {count} lựa chọn.",
        "more": "Và {count} lựa chọn khác trong danh sách.",
        "procedure": "Thủ tục: {title}.",
        "which_case": "Trường hợp nào là của ông bà?",
        "cases": "Có {count} trường hợp.",
        "case": "Trường hợp: {case}.",
        "submit": "Giấy tờ cần nộp:",
        "show": "Giấy tờ cần mang theo để xuất trình:",
        "no_papers": "Không cần giấy tờ nào.",
        "originals": "{count} bản chính",
        "copies": "{count} bản sao",
        "ticket": "Số thứ tự của ông bà là: {ticket}.",
        "counter": "Khi được gọi số, mời đến {counter}.",
        "ahead_none": "Không có ai chờ trước.",
        "ahead": "Có {count} người chờ trước.",
        "idle": "Ông bà có cần thêm thời gian không?",
        "idle_seconds": "Để giữ kín thông tin, màn hình sẽ được xóa sau {seconds} giây.",
        "idle_touch": "Chạm vào màn hình để tiếp tục.",
    },
    "en": {
        "choices_one": "There is one choice.",
        "choices": "There are {count} choices.",
        "more": "And {count} more in the list.",
        "procedure": "Procedure: {title}.",
        "which_case": "Which case is yours?",
        "cases": "There are {count} cases.",
        "case": "Your case: {case}.",
        "submit": "Papers to hand in:",
        "show": "Papers to bring and show:",
        "no_papers": "No papers are needed.",
        "originals": "{count} original",
        "originals_many": "{count} originals",
        "copies": "{count} copy",
        "copies_many": "{count} copies",
        "ticket": "Your number is {ticket}.",
        "counter": "When it is called, please go to {counter}.",
        "ahead_none": "Nobody is waiting ahead of you.",
        "ahead_one": "1 person is waiting ahead of you.",
        "ahead": "{count} people are waiting ahead of you.",
        "idle": "Do you need more time?",
        "idle_seconds": "For your privacy, the screen will be cleared in {seconds} seconds.",
        "idle_touch": "Touch the screen to continue.",
    },
}

_SPACES = re.compile(r"\s+")
#: "Ông/bà" is said "ông bà"; a slash between letters is no word a voice should read.
_WORD_SLASH = re.compile(r"(?<=[^\W\d_])/(?=[^\W\d_])")
#: Bullets, ellipses and arrows the screens draw: nothing to say.
_DRAWN = re.compile(r"[•…›‹→←·]+")
_END = re.compile(r"[.!?:;,]$")
_LINE_BREAK = re.compile(r"(?<![.!?:;,\s])[ \t]*\n\s*")


def speakable(text: str) -> str:
    """``text`` as one spoken sentence: its lines joined by commas, without the drawn
    marks (bullets, ellipses), "ông/bà" as "ông bà", ending in a full stop unless it ends
    in punctuation already ("" when nothing is left)."""
    text = _DRAWN.sub(" ", text)
    # A line break is a pause: "Hộ tịch\nQuầy số 1" is said "Hộ tịch, Quầy số 1".
    text = _LINE_BREAK.sub(", ", text.strip())
    text = _WORD_SLASH.sub(" ", text)
    text = _SPACES.sub(" ", text).strip(" ,")
    if not text:
        return ""
    return text if _END.search(text) else text + "."


def spoken_number(count: int, language: Language, style: NumberStyle = HANOI) -> str:
    """A count as said: Vietnamese words ("hai mươi mốt"), English digits ("21")."""
    return number_words(count, style) if language == "vi" else str(count)


def spoken_phrases(
    view: ScreenView, language: Language, style: NumberStyle = HANOI
) -> tuple[Phrase, ...]:
    """The phrases to say for ``view`` in ``language``, in order (empty ones left out).

    Each is in ``language``, except a procedure's Vietnamese texts on an English screen:
    the papers are read by the Vietnamese voice, which can say them (an English voice
    reading Vietnamese is noise).
    """
    if isinstance(view, ProcedureView):
        said = _procedure(view, language, style)
    else:
        if isinstance(view, MenuView):
            phrases = _menu(view, language, style)
        elif isinstance(view, TicketView):
            phrases = _ticket(view, language, style)
        else:
            phrases = _idle(view, language, style)
        said = tuple(Phrase(phrase, language) for phrase in phrases if phrase)
    return tuple(
        Phrase(numbers_in_words(phrase.text, style), "vi") if phrase.language == "vi" else phrase
        for phrase in said
    )


def numbers_in_words(text: str, style: NumberStyle = HANOI) -> str:
    """Every number standing alone in a Vietnamese ``text`` in words ("trong 60 ngày" ->
    "trong sáu mươi ngày") by the rules of :mod:`kiosk.vietnamese_numbers`: a voice left alone
    reads them its own way (a Piper voice may not read them at all). Numbers
    inside codes and dates ("1.001193", "123/2015", "A1-005") are left as written."""
    return _NUMBER.sub(lambda match: number_words(int(match.group()), style), text)


def phrase_texts(phrases: tuple[Phrase, ...]) -> tuple[str, ...]:
    """The texts of ``phrases`` (for logs and tests)."""
    return tuple(phrase.text for phrase in phrases)


def _word(language: Language, key: str, **values: object) -> str:
    return _WORDS[language][key].format(**values)


def _numbered(items: tuple[str, ...], language: Language, style: NumberStyle) -> list[str]:
    """ "Một: Tra cứu thủ tục." for each item, the first :data:`MAX_CHOICES` of them."""
    said = []
    for index, item in enumerate(items[:MAX_CHOICES], start=1):
        text = speakable(item)
        if text:
            number = spoken_number(index, language, style)
            said.append(f"{number.capitalize()}: {text}")
    if len(items) > MAX_CHOICES:
        count = spoken_number(len(items) - MAX_CHOICES, language, style)
        said.append(_word(language, "more", count=count))
    return said


def _count_phrase(items: tuple[str, ...], language: Language, style: NumberStyle) -> str:
    if len(items) == 1:
        return _word(language, "choices_one")
    return _word(language, "choices", count=spoken_number(len(items), language, style))


def _menu(view: MenuView, language: Language, style: NumberStyle) -> list[str]:
    phrases = [speakable(view.title), speakable(view.prompt)]
    choices = tuple(choice for choice in view.choices if speakable(choice))
    if choices:
        phrases.append(_count_phrase(choices, language, style))
        phrases.extend(_numbered(choices, language, style))
    return phrases


def _paper(paper: Paper, language: Language, style: NumberStyle) -> str:
    name = speakable(paper.name).rstrip(".")
    details = []
    for count, key in ((paper.originals, "originals"), (paper.copies, "copies")):
        if count:
            plural = language == "en" and count > 1
            details.append(_word(language, key + ("_many" if plural else ""),
                                 count=spoken_number(count, language, style)))
    return speakable(f"{name}, {', '.join(details)}" if details else name)


def _papers(papers: tuple[Paper, ...], language: Language, style: NumberStyle) -> list[str]:
    """ "Một: Giấy chứng sinh, một bản chính." for each paper, in ``language``."""
    return [
        f"{spoken_number(index, language, style).capitalize()}: {_paper(paper, language, style)}"
        for index, paper in enumerate(papers, start=1)
    ]


def _procedure(
    view: ProcedureView, language: Language, style: NumberStyle
) -> tuple[Phrase, ...]:
    texts = view.texts_language
    if texts == language:
        said = [_word(language, "procedure", title=speakable(view.title).rstrip("."))]
    else:
        # "Procedure:" then its Vietnamese title, by the voice of each.
        said = [_word(language, "procedure", title="").rstrip(" ."), speakable(view.title)]
    phrases = [Phrase(text, language) for text in said]
    phrases[-1] = Phrase(phrases[-1].text, texts)
    if view.cases:
        phrases.append(Phrase(_word(language, "which_case"), language))
        phrases.append(Phrase(_word(language, "cases",
                                    count=spoken_number(len(view.cases), language, style)),
                              language))
        phrases.extend(Phrase(text, texts) for text in _numbered(view.cases, texts, style))
    else:
        phrases.extend(_case_and_papers(view, language, style))
    phrases.extend(_actions(view, language, style))
    return tuple(phrase for phrase in phrases if phrase.text)


def _case_and_papers(view: ProcedureView, language: Language, style: NumberStyle) -> list[Phrase]:
    texts = view.texts_language
    phrases = []
    if view.case and texts == language:
        phrases.append(Phrase(_word(language, "case", case=speakable(view.case).rstrip(".")),
                              language))
    elif view.case:
        phrases.append(Phrase(_word(language, "case", case="").rstrip(" ."), language))
        phrases.append(Phrase(speakable(view.case), texts))
    if view.no_papers:
        phrases.append(Phrase(_word(language, "no_papers"), language))
    for heading, papers in (("submit", view.submit), ("show", view.show)):
        if papers:
            phrases.append(Phrase(_word(language, heading), language))
            phrases.extend(Phrase(text, texts) for text in _papers(papers, texts, style))
    return phrases


def _actions(view: ProcedureView, language: Language, style: NumberStyle) -> list[Phrase]:
    """ "Có ba lựa chọn.", then the buttons numbered, in the screen's language."""
    actions = tuple(action for action in view.actions if speakable(action))
    if not actions:
        return []
    said = [_count_phrase(actions, language, style), *_numbered(actions, language, style)]
    return [Phrase(text, language) for text in said]


_COUNTER_PREFIX = re.compile(r"^(?:quầy|counter)\s*(?:số|no\.?)?\s*", re.IGNORECASE)
_NUMBER = re.compile(r"(?<![\w.,/-])\d+(?![\w/-]|[.,]\d)")


def _counter(counter: str, language: Language, style: NumberStyle) -> str:
    """Where to go, as said after "go to": "quầy số hai" for "Quầy số 2" or "2" ("counter
    2" in English); a counter named otherwise is said as written, its numbers in words."""
    text = speakable(counter).rstrip(".")
    rest = _COUNTER_PREFIX.sub("", text)
    if language == "en":
        return f"counter {rest}" if rest[:1].isdigit() else text
    if rest[:1].isdigit():
        text = "quầy số " + rest
    return text[:1].lower() + text[1:]


def _ticket(view: TicketView, language: Language, style: NumberStyle) -> list[str]:
    if language == "vi":
        number = ", ".join(ticket_parts_words(view.ticket, style))
    else:
        number = ticket_words_en(view.ticket)
    phrases = [speakable(view.heading), _word(language, "ticket", ticket=number)]
    if view.counter:
        phrases.append(_word(language, "counter", counter=_counter(view.counter, language, style)))
    if view.people_ahead is not None:
        if view.people_ahead == 0:
            phrases.append(_word(language, "ahead_none"))
        elif view.people_ahead == 1 and language == "en":
            phrases.append(_word(language, "ahead_one"))
        else:
            count = spoken_number(view.people_ahead, language, style)
            phrases.append(_word(language, "ahead", count=count))
    return phrases


def _idle(view: IdleWarningView, language: Language, style: NumberStyle) -> list[str]:
    return [
        _word(language, "idle"),
        _word(language, "idle_seconds", seconds=spoken_number(view.seconds, language, style)),
        _word(language, "idle_touch"),
    ]
