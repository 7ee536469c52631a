"""Feedback (phản ánh, kiến nghị): a category, the text typed with Telex, an optional contact."""

from __future__ import annotations

from typing import Any

from kivy.factory import Factory
from kivy.properties import BooleanProperty, StringProperty

from kiosk.kinds import MAX_CONTACT_LENGTH, MAX_FEEDBACK_LENGTH, FeedbackCategory, FeedbackRequest
from screens.base import N_, KioskScreen
from screens.i18n import _

CATEGORY_NAMES: dict[FeedbackCategory, str] = {
    FeedbackCategory.CONSTRUCTION_ORDER: N_("Construction order"),
    FeedbackCategory.ENVIRONMENT_SANITATION: N_("Environment, sanitation"),
    FeedbackCategory.LAND: N_("Land"),
    FeedbackCategory.TRAFFIC: N_("Traffic"),
    FeedbackCategory.SERVICE_ATTITUDE: N_("Staff and service"),
    FeedbackCategory.OTHER: N_("Something else"),
}


class FeedbackScreen(KioskScreen):
    """Write to the commune: category, text, contact; a receipt code to follow it up."""

    title = N_("Feedback")
    category = StringProperty("")
    #: A category is chosen and something is written.
    ready = BooleanProperty(False)

    def on_kv_post(self, base_widget: object) -> None:
        """Build the category buttons and point the keyboard at the text."""
        box = self.ids.category_box
        for category in FeedbackCategory:
            button = Factory.AutoButton(role="secondary", font_size=28)
            button.category_value = category.value
            button.bind(on_release=lambda b: self.do_choose_category(b.category_value))
            box.add_widget(button)
        self.ids.text_field.max_length = MAX_FEEDBACK_LENGTH
        self.ids.contact_field.max_length = MAX_CONTACT_LENGTH
        self.do_focus("text")
        self.ids.keyboard.bind(on_typed=lambda *_args: self._check_ready())
        super().on_kv_post(base_widget)
        self._render()

    def _render(self) -> None:
        for button in self.ids.category_box.children:
            button.text = _(CATEGORY_NAMES[FeedbackCategory(button.category_value)])
            button.role = "selected" if button.category_value == self.category else "secondary"

    def do_choose_category(self, value: str) -> None:
        """The citizen chose what the feedback is about."""
        self.category = value
        self._render()
        self._check_ready()

    def do_focus(self, which: str) -> None:
        """Type into the feedback text ("text") or the contact field ("contact")."""
        text, contact = self.ids.text_field, self.ids.contact_field
        text.focused = which == "text"
        contact.focused = which == "contact"
        self.ids.keyboard.target = text if which == "text" else contact
        # A phone number or an e-mail address is not Vietnamese words: no Telex there.
        self.ids.keyboard.telex_enabled = which == "text"

    def _check_ready(self) -> None:
        self.ready = bool(self.category and self.ids.text_field.value.strip())

    def do_send(self) -> None:
        """Send: the done screen stores it and prints the receipt."""
        if not self.ready:
            return
        contact = self.ids.contact_field.value.strip() or None
        request = FeedbackRequest(
            FeedbackCategory(self.category), self.ids.text_field.value, contact
        )
        self.kiosk.do_go("done", request=request)

    def show(self, **params: Any) -> None:
        """A fresh form."""
        del params
        self.do_reset()

    def do_reset(self) -> None:
        """Forget the text, the contact and the category."""
        self.ids.text_field.value = ""
        self.ids.contact_field.value = ""
        self.ids.keyboard.shift = False
        self.category = ""
        self.ready = False
        self.do_focus("text")
        self._render()
