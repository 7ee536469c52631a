"""Widgets every screen uses: buttons, text fields, the on-screen keyboard, QR codes.

Their look is in ``widgets.kv``; what is here is only what a .kv rule cannot say: the
keyboard's rows, the QR code's texture, a text field's content kept in one property (a
Label, not Kivy's TextInput, so there is no clipboard, undo history or hidden selection
for a citizen's typing to linger in).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from kivy.clock import Clock
from kivy.graphics.texture import Texture
from kivy.properties import (
    BooleanProperty,
    ListProperty,
    NumericProperty,
    ObjectProperty,
    OptionProperty,
    StringProperty,
)
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label
from kivy.uix.layout import Layout
from kivy.uix.scrollview import ScrollView
from kivy.uix.widget import Widget

from kiosk import telex
from kiosk.telex import Tone
from screens.i18n import _, translator
from screens.pictogram import PictureIcon  # noqa: F401  (widgets.kv places it)

T = TypeVar("T")

#: A KioskButton's padding left and right (widgets.kv).
BUTTON_PADDING_X = 16

#: Letters and digits of the text keyboard, row by row.
TEXT_ROWS: tuple[str, ...] = ("1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm,.")
#: Vietnamese letters with their own key, for citizens who do not know Telex.
MARKED_LETTERS = "ăâđêôơư"
#: Tone keys, shown as the tone on "a" (what every schoolchild learns them as).
TONE_KEYS: tuple[tuple[str, Tone], ...] = (
    ("á", Tone.ACUTE),
    ("à", Tone.GRAVE),
    ("ả", Tone.HOOK),
    ("ã", Tone.TILDE),
    ("ạ", Tone.DOT),
)
#: The technician's keyboard has the symbols of addresses, paths and identities.
SYMBOL_ROW = ":/-_@?=&+#()"
#: The digit pad (PINs, numbers), row by row; the last row adds clear and backspace.
DIGIT_ROWS: tuple[str, ...] = ("123", "456", "789")
#: The code pad: every capital and digit and the separators of official dossier codes
#: ("000.00.12.H26-241207-0001"), so it types those as well as receipt codes ("ABCD-EFGH").
CODE_ROWS: tuple[str, ...] = ("1234567890", "QWERTYUIOP", "ASDFGHJKL", "ZXCVBNM./-")


class KioskButton(ButtonBehavior, Label):
    """A large button; ``role`` picks its colours (primary, secondary, quiet).

    ``natural_width`` is the width its text needs on one line (with the button's margins):
    a button sized to its text binds its width to it (the top bar's Back and Home).
    """

    role = OptionProperty(
        "primary", options=["primary", "secondary", "quiet", "selected", "header"]
    )
    natural_width = NumericProperty(0)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.fbind("text", self._measure)
        self.fbind("font_size", self._measure)
        self.fbind("bold", self._measure)
        self._measure()

    def _measure(self, *_args: object) -> None:
        from kivy.core.text import Label as CoreLabel  # noqa: PLC0415

        measure = CoreLabel(font_size=self.font_size, font_name=self.font_name, bold=self.bold)
        # widgets.kv wraps the text at the width less 32 px, less the padding on each side.
        self.natural_width = measure.get_extents(self.text)[0] + 32 + 2 * BUTTON_PADDING_X + 4


class ChoiceTile(ButtonBehavior, BoxLayout):
    """A welcome-screen choice: a picture, a title and a line saying what it is for."""

    title = StringProperty("")
    subtitle = StringProperty("")
    #: The pictogram's name (:class:`kiosk.pictograms.Pictogram` value).
    picture = StringProperty("")


class ListRow(ButtonBehavior, BoxLayout):
    """One tappable row of a list: a picture (optional), a title and a detail line."""

    title = StringProperty("")
    detail = StringProperty("")
    picture = StringProperty("")
    key = StringProperty("")
    when_chosen = ObjectProperty(None, allownone=True)

    def on_release(self) -> None:
        """Tell the list's owner which row was chosen."""
        if self.when_chosen is not None:
            self.when_chosen(self.key)


class CheckRow(ButtonBehavior, BoxLayout):
    """A row with a large tick box (documents the citizen has)."""

    text = StringProperty("")
    detail = StringProperty("")
    checked = BooleanProperty(False)
    index = NumericProperty(0)

    def on_release(self) -> None:
        """Tick or untick."""
        self.checked = not self.checked


class TextField(ButtonBehavior, Label):
    """What the citizen typed, shown large; the on-screen keyboard writes into it.

    Tapping a field makes it the keyboard's target (``focused``).
    """

    placeholder = StringProperty("")
    value = StringProperty("")
    focused = BooleanProperty(False)
    max_length = NumericProperty(200)
    #: "text" shows what was typed; "code" shows a code in capitals, large; "secret"
    #: shows a dot per character (a PIN, a token).
    display = OptionProperty("text", options=["text", "code", "secret"])


def field_display(value: str, display: str) -> str:
    """What a :class:`TextField` shows of ``value`` in its ``display`` mode."""
    if display == "code":
        return code_display(value)
    if display == "secret":
        return "•" * len(value)
    return value


def code_display(typed: str) -> str:
    """A code being typed, in capitals and as typed: a dossier code's own separators
    ("000.00.12.H26-241207-0001") must not be regrouped like a receipt code's."""
    return typed.upper()


class KeyButton(ButtonBehavior, Label):
    """One key of the on-screen keyboard."""

    key = StringProperty("")
    role = OptionProperty("letter", options=["letter", "action", "tone", "active"])


class OnScreenKeyboard(BoxLayout):
    """The on-screen keyboard: letters with Telex, marked letters, tones, or a code pad.

    It types into ``target`` (a :class:`TextField`) through :mod:`kiosk.telex`; every key
    press also fires ``on_typed`` so the screen can search as the citizen types. Modes:
    "text" (a citizen's words), "code" (receipt codes and official dossier codes: capitals,
    digits, '.', '/' and '-'), "digits" (a PIN, a number) and "technical" (letters, digits
    and the symbols of addresses and device paths, Telex available for a service point's
    name).
    """

    target = ObjectProperty(None, allownone=True)
    mode = OptionProperty("text", options=["text", "code", "digits", "technical"])
    telex_enabled = BooleanProperty(True)
    shift = BooleanProperty(False)
    key_height = NumericProperty(88)
    rows_built = ListProperty([])

    __events__ = ("on_typed",)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.orientation = "vertical"
        self.bind(mode=self._build)
        translator.bind(language=self._relabel)
        self._build()

    def _relabel(self, *_args: object) -> None:
        for row in self.children:
            for key in row.children:
                if isinstance(key, KeyButton) and key.key == "space":
                    key.text = _("space")

    def on_typed(self, *_args: object) -> None:
        """Default handler: screens bind their own."""

    def _row(self, keys: Sequence[KeyButton]) -> BoxLayout:
        row = BoxLayout(spacing=8, size_hint_y=None, height=self.key_height)
        self.bind(key_height=row.setter("height"))
        for key in keys:
            row.add_widget(key)
        return row

    def _key(self, label: str, key: str, role: str = "letter", weight: float = 1.0) -> KeyButton:
        button = KeyButton(text=label, key=key, role=role, size_hint_x=weight)
        button.bind(on_release=self._pressed)
        return button

    def _build(self, *_args: object) -> None:
        self.clear_widgets()
        self.spacing = 8
        if self.mode == "code":
            for index, symbols in enumerate(CODE_ROWS):
                keys = [self._key(symbol, symbol) for symbol in symbols]
                if index == len(CODE_ROWS) - 1:
                    keys.append(self._key("⌫", "backspace", "action", 1.5))
                    keys.append(self._key("×", "clear", "action", 1.5))
                self.add_widget(self._row(keys))
            return
        if self.mode == "digits":
            for symbols in DIGIT_ROWS:
                self.add_widget(self._row([self._key(symbol, symbol) for symbol in symbols]))
            self.add_widget(
                self._row(
                    [
                        self._key("×", "clear", "action"),
                        self._key("0", "0"),
                        self._key("⌫", "backspace", "action"),
                    ]
                )
            )
            return
        for symbols in TEXT_ROWS:
            keys = [self._key(symbol, symbol) for symbol in symbols]
            if symbols.startswith("z"):
                keys.append(self._key("⌫", "backspace", "action", 1.5))
            self.add_widget(self._row(keys))
        if self.mode == "technical":
            self.add_widget(self._row([self._key(symbol, symbol) for symbol in SYMBOL_ROW]))
        else:
            self.add_widget(self._row([self._key(letter, letter) for letter in MARKED_LETTERS]))
            self.add_widget(
                self._row(
                    [self._key(label, f"tone:{tone.name}", "tone") for label, tone in TONE_KEYS]
                )
            )
        self.add_widget(
            self._row(
                [
                    self._key("⇧", "shift", "action", 1.2),
                    self._key(_("space"), "space", "action", 4.0),
                    self._key("Telex", "telex", "active" if self.telex_enabled else "action", 1.6),
                    self._key("×", "clear", "action", 1.2),
                ]
            )
        )

    def on_telex_enabled(self, *_args: object) -> None:
        """Show the Telex key's state."""
        for row in self.children:
            for key in row.children:
                if isinstance(key, KeyButton) and key.key == "telex":
                    key.role = "active" if self.telex_enabled else "action"

    def on_shift(self, *_args: object) -> None:
        """Show capitals on the letter keys while shift is on."""
        for row in self.children:
            for key in row.children:
                if isinstance(key, KeyButton) and key.role == "letter" and key.key.isalpha():
                    key.text = key.key.upper() if self.shift else key.key
                if isinstance(key, KeyButton) and key.key == "shift":
                    key.role = "active" if self.shift else "action"

    def _pressed(self, button: KeyButton) -> None:
        self.press(button.key)

    def press(self, key: str) -> None:
        """Act on one key, as if it was touched (tests and tours call this too)."""
        field = self.target
        if key == "shift":
            self.shift = not self.shift
            return
        if key == "telex":
            self.telex_enabled = not self.telex_enabled
            return
        if field is None:
            return
        value: str = field.value
        if key == "backspace":
            value = telex.backspace(value)
        elif key == "clear":
            value = ""
        elif key == "space":
            value += " "
        elif key.startswith("tone:"):
            value = telex.set_tone(value, Tone[key.removeprefix("tone:")])
        else:
            typed = key.upper() if self.shift else key
            words = self.mode in ("text", "technical")
            value = telex.type_key(value, typed, telex=self.telex_enabled and words)
            self.shift = False
        if len(value) > field.max_length:
            return
        field.value = value
        self.dispatch("on_typed", value)

    def type_text(self, keys: str) -> None:
        """Press a key for each character of ``keys`` (a space presses the space bar)."""
        for char in keys:
            if char == " ":
                self.press("space")
            elif char.isupper():
                self.shift = True
                self.press(char.lower())
            else:
                self.press(char)


class LongPressArea(Widget):
    """An invisible area that fires ``on_long_press`` once a finger has held it long enough.

    A tap does nothing. The hold is measured with ``clock`` (the app's, which tests move)
    and checked a few times a second while the finger stays, so the event comes while it
    is still held; moving off the area cancels. A disabled area lets touches through.
    """

    hold_seconds = NumericProperty(5.0)
    #: Seconds, monotonic; the app sets its own so that tests need not wait.
    clock: Callable[[], float] = staticmethod(time.monotonic)

    __events__ = ("on_long_press",)

    #: How often a held finger is checked.
    POLL_SECONDS = 0.2

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._touch: Any = None
        self._started = 0.0
        self._poll: Any = None

    def on_long_press(self, *_args: object) -> None:
        """Default handler: the owner binds its own."""

    def on_touch_down(self, touch: Any) -> bool:
        """Start timing a finger that lands here."""
        if self.disabled or not self.collide_point(*touch.pos):
            return False
        self._cancel()
        touch.grab(self)
        self._touch = touch
        self._started = self.clock()
        self._poll = Clock.schedule_interval(self._check, self.POLL_SECONDS)
        return True

    def on_touch_move(self, touch: Any) -> bool:
        """A finger sliding off is not a hold."""
        if touch is self._touch and not self.collide_point(*touch.pos):
            self._cancel()
        return touch.grab_current is self

    def on_touch_up(self, touch: Any) -> bool:
        """The finger lifted: fire if it was held long enough and not fired yet."""
        if touch.grab_current is not self:
            return False
        touch.ungrab(self)
        if touch is self._touch:
            self._check(0)
            self._cancel()
        return True

    def _check(self, _dt: float) -> None:
        if self._touch is not None and self.clock() - self._started >= self.hold_seconds:
            self._cancel()
            self.dispatch("on_long_press")

    def _cancel(self) -> None:
        if self._poll is not None:
            self._poll.cancel()
            self._poll = None
        self._touch = None


class QrImage(Widget):
    """A QR code drawn from its payload: dark on white whatever the theme, square, crisp."""

    payload = StringProperty("")
    texture = ObjectProperty(None, allownone=True)

    def on_payload(self, *_args: object) -> None:
        """Draw the new code (or nothing for an empty payload)."""
        self.texture = qr_texture(self.payload) if self.payload else None


def qr_matrix(payload: str) -> list[list[bool]]:
    """The modules of the QR code for ``payload``, quiet zone included (True is dark)."""
    import qrcode  # noqa: PLC0415 - imported when the first QR code is drawn, not at start

    code = qrcode.QRCode(border=2, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(payload)
    code.make(fit=True)
    matrix: list[list[bool]] = code.get_matrix()
    return matrix


def qr_texture(payload: str) -> Texture:
    """A texture with one pixel per module, to be scaled up without smoothing."""
    matrix = qr_matrix(payload)
    size = len(matrix)
    pixels = bytearray()
    # Textures start at the bottom row: write the matrix bottom-up.
    for row in reversed(matrix):
        for dark in row:
            pixels.extend(b"\x00\x00\x00\xff" if dark else b"\xff\xff\xff\xff")
    texture = Texture.create(size=(size, size), colorfmt="rgba")
    texture.mag_filter = "nearest"
    texture.min_filter = "nearest"
    texture.blit_buffer(bytes(pixels), colorfmt="rgba", bufferfmt="ubyte")
    return texture


@dataclass(frozen=True)
class Row:
    """One row for a :class:`ResultList`: what it shows and the key it reports when chosen."""

    key: str
    title: str
    detail: str = ""
    #: A pictogram's name ("" for none).
    picture: str = ""


class BatchedList(ScrollView, Generic[T]):
    """A scrolling column of widgets made from items, built a few per frame so no frame waits.

    Subclasses say how one item becomes a widget (:meth:`build`), how a widget shows another
    item (:meth:`reuse`) and how many to place per frame (``per_frame``); the first batch is
    placed at once, the rest over the next frames. Widgets of the last list are reused for
    the next one (a search per keystroke would otherwise build and throw away dozens of
    widgets each time); :meth:`clear` drops them all.
    """

    #: Items placed per frame.
    per_frame = NumericProperty(16)
    #: Space between the widgets.
    gap = NumericProperty(4)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.do_scroll_x = False
        self.bar_width = 14
        self.scroll_type = ["bars", "content"]
        self.box = BoxLayout(orientation="vertical", size_hint_y=None, spacing=self.gap)
        self.box.bind(minimum_height=self.box.setter("height"))
        self.bind(gap=self.box.setter("spacing"))
        self.add_widget(self.box)
        self._pending: list[T] = []
        #: Widgets taken off the list, to show the next items in.
        self._spare: list[Widget] = []
        self._event: Any = None

    def build(self, item: T) -> Widget:
        """A new widget showing ``item``."""
        raise NotImplementedError

    def reuse(self, widget: Widget, item: T) -> None:
        """Make ``widget`` (built by :meth:`build`) show ``item`` instead."""
        raise NotImplementedError

    def show_items(self, items: Sequence[T]) -> None:
        """Replace the items (the first ones at once, the rest over the next frames)."""
        self._stop_batching()
        self._spare.extend(self.box.children)
        self.box.clear_widgets()
        self.scroll_y = 1
        self._pending = list(items)
        self._add_some()

    @property
    def waiting(self) -> list[T]:
        """The items not placed yet (they come over the next frames)."""
        return list(self._pending)

    def clear(self) -> None:
        """Nothing shown, and no widget kept (what they showed is gone with them)."""
        self._stop_batching()
        self._pending = []
        self._spare = []
        self.box.clear_widgets()
        self.scroll_y = 1

    def _stop_batching(self) -> None:
        if self._event is not None:
            self._event.cancel()
            self._event = None

    def _add_some(self, *_args: object) -> None:
        count = int(self.per_frame)
        batch, self._pending = self._pending[:count], self._pending[count:]
        for item in batch:
            if self._spare:
                widget = self._spare.pop()
                self.reuse(widget, item)
            else:
                widget = self.build(item)
            self.box.add_widget(widget)
        self._event = Clock.schedule_once(self._add_some, 0) if self._pending else None


class ResultList(BatchedList[Row]):
    """A scrolling list of tappable rows; ``when_chosen`` is called with the chosen row's key.

    A long list (126 communes) appears 16 rows a frame, without a frozen frame.
    """

    when_chosen = ObjectProperty(None, allownone=True)

    def build(self, item: Row) -> Widget:
        """A tappable row."""
        return ListRow(key=item.key, title=item.title, detail=item.detail,
                       picture=item.picture, when_chosen=self._chosen)

    def reuse(self, widget: Widget, item: Row) -> None:
        """The row shows another item."""
        assert isinstance(widget, ListRow)
        widget.key, widget.title, widget.detail = item.key, item.title, item.detail
        widget.picture = item.picture
        widget.state = "normal"

    def show_rows(self, rows: Sequence[Row]) -> None:
        """Replace the rows."""
        self.show_items(rows)

    @property
    def keys(self) -> list[str]:
        """The keys of the rows built so far, top to bottom (for tests)."""
        return [row.key for row in reversed(self.box.children) if isinstance(row, ListRow)]

    def _chosen(self, key: str) -> None:
        if self.when_chosen is not None:
            self.when_chosen(key)


class SearchLayout(Layout):
    """Three children, a field, results and a keyboard, arranged for the orientation.

    Portrait: the field on top, the keyboard at the bottom, results between. Landscape: the
    field over the keyboard on the left, the results filling the right. Children keep their
    own heights (field, keyboard); the results take what is left.
    """

    landscape = BooleanProperty(False)
    spacing = NumericProperty(20)
    #: Share of the width the field and keyboard take in landscape.
    split = NumericProperty(0.55)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.bind(
            landscape=self._trigger_layout,
            size=self._trigger_layout,
            pos=self._trigger_layout,
            children=self._watch_children,
        )

    def _watch_children(self, *_args: object) -> None:
        for child in self.children:
            child.unbind(height=self._trigger_layout)
            child.bind(height=self._trigger_layout)
        self._trigger_layout()

    def do_layout(self, *_args: object) -> None:
        """Place the three children (see the class docstring)."""
        if len(self.children) != 3:
            return
        field, results, keyboard = reversed(self.children)
        gap = self.spacing
        if self.landscape:
            left = self.width * self.split - gap / 2
            field.width = keyboard.width = left
            field.pos = (self.x, self.top - field.height)
            keyboard.pos = (self.x, self.y)
            results.pos = (self.x + left + gap, self.y)
            results.size = (self.width - left - gap, self.height)
        else:
            field.width = keyboard.width = self.width
            field.pos = (self.x, self.top - field.height)
            keyboard.pos = (self.x, self.y)
            results.pos = (self.x, self.y + keyboard.height + gap)
            results.size = (self.width, self.height - field.height - keyboard.height - 2 * gap)


class LineLabel(Label):
    """One line of a :class:`LineList` (its look is in widgets.kv)."""


class LineList(BatchedList[str]):
    """A scrolling list of plain text lines (log lines), built 40 per frame."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("per_frame", 40)
        kwargs.setdefault("gap", 6)
        super().__init__(**kwargs)

    def build(self, item: str) -> Widget:
        """One line."""
        return LineLabel(text=item)

    def reuse(self, widget: Widget, item: str) -> None:
        """The line shows another text."""
        assert isinstance(widget, LineLabel)
        widget.text = item

    @property
    def shown(self) -> list[str]:
        """The lines built so far, top to bottom (for tests)."""
        return [label.text for label in reversed(self.box.children)]

    def show_lines(self, lines: Sequence[str]) -> None:
        """Replace the lines."""
        self.show_items(lines)
