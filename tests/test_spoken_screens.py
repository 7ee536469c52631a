"""What the Listen button says for each kind of screen, exactly, in Vietnamese and English."""

from __future__ import annotations

import dataclasses

from kiosk.spoken_screens import (
    MAX_CHOICES,
    IdleWarningView,
    MenuView,
    Paper,
    Phrase,
    ProcedureView,
    TicketView,
    numbers_in_words,
    phrase_texts,
    speakable,
    spoken_phrases,
)
from kiosk.vietnamese_numbers import NumberStyle

WELCOME_VI = MenuView(
    "Chào mừng",
    "Ông/bà muốn làm gì? Chạm vào một lựa chọn.",
    ("Tra cứu thủ tục", "Theo sự kiện", "Lấy số thứ tự"),
)


def test_a_menu_is_its_title_its_question_and_its_choices_numbered_in_words() -> None:
    assert phrase_texts(spoken_phrases(WELCOME_VI, "vi")) == (
        "Chào mừng.",
        "Ông bà muốn làm gì? Chạm vào một lựa chọn.",
        "Có ba lựa chọn.",
        "Một: Tra cứu thủ tục.",
        "Hai: Theo sự kiện.",
        "Ba: Lấy số thứ tự.",
    )


def test_an_english_menu_keeps_digits_and_every_phrase_is_english() -> None:
    view = MenuView("Welcome", "What would you like to do?", ("Look up a procedure",))
    assert spoken_phrases(view, "en") == (
        Phrase("Welcome.", "en"),
        Phrase("What would you like to do?", "en"),
        Phrase("There is one choice.", "en"),
        Phrase("1: Look up a procedure.", "en"),
    )


def test_a_long_list_reads_the_first_choices_and_says_how_many_more() -> None:
    rows = tuple(f"Phường {name}" for name in "ABCDEFGHIJKL")
    said = phrase_texts(spoken_phrases(MenuView("Danh bạ", choices=rows), "vi"))
    assert said[1] == "Có mười hai lựa chọn."
    assert said[2] == "Một: Phường A."
    assert said[2 + MAX_CHOICES - 1] == "Tám: Phường H."
    assert said[-1] == "Và bốn lựa chọn khác trong danh sách."
    assert len(said) == 2 + MAX_CHOICES + 1


def test_drawn_marks_are_not_said_and_every_phrase_ends_a_sentence() -> None:
    assert speakable("• Giấy chứng sinh\n   (bản chính)") == "Giấy chứng sinh, (bản chính)."
    assert speakable("Hộ tịch\nQuầy số 1") == "Hộ tịch, Quầy số 1."  # a line is a pause
    assert speakable("Sinh con, kết hôn, chuyển nhà…") == "Sinh con, kết hôn, chuyển nhà."
    assert speakable("Ông/bà thuộc trường hợp nào?") == "Ông bà thuộc trường hợp nào?"
    assert speakable("Số 12/2024") == "Số 12/2024."  # a slash between numbers stays
    assert speakable(" • … ") == ""


BIRTH = ProcedureView(
    "Đăng ký khai sinh",
    case="Trẻ em sinh ra tại Việt Nam",
    submit=(Paper("Tờ khai đăng ký khai sinh", originals=1),
            Paper("Giấy chứng sinh", originals=1, copies=2)),
    show=(Paper("Căn cước của cha hoặc mẹ", originals=1),),
)


def test_a_procedure_says_its_case_then_the_papers_to_hand_in_then_to_show() -> None:
    assert phrase_texts(spoken_phrases(BIRTH, "vi")) == (
        "Thủ tục: Đăng ký khai sinh.",
        "Trường hợp: Trẻ em sinh ra tại Việt Nam.",
        "Giấy tờ cần nộp:",
        "Một: Tờ khai đăng ký khai sinh, một bản chính.",
        "Hai: Giấy chứng sinh, một bản chính, hai bản sao.",
        "Giấy tờ cần mang theo để xuất trình:",
        "Một: Căn cước của cha hoặc mẹ, một bản chính.",
    )


def test_on_an_english_screen_the_vietnamese_papers_are_read_by_the_vietnamese_voice() -> None:
    assert spoken_phrases(BIRTH, "en") == (
        Phrase("Procedure:", "en"),
        Phrase("Đăng ký khai sinh.", "vi"),
        Phrase("Your case:", "en"),
        Phrase("Trẻ em sinh ra tại Việt Nam.", "vi"),
        Phrase("Papers to hand in:", "en"),
        Phrase("Một: Tờ khai đăng ký khai sinh, một bản chính.", "vi"),
        Phrase("Hai: Giấy chứng sinh, một bản chính, hai bản sao.", "vi"),
        Phrase("Papers to bring and show:", "en"),
        Phrase("Một: Căn cước của cha hoặc mẹ, một bản chính.", "vi"),
    )


def test_before_a_case_is_chosen_the_cases_are_offered_and_no_paper_is_read() -> None:
    view = ProcedureView("Đăng ký kết hôn", cases=("Hai bên là công dân Việt Nam",
                                                   "Một bên là người nước ngoài"))
    assert phrase_texts(spoken_phrases(view, "vi")) == (
        "Thủ tục: Đăng ký kết hôn.",
        "Trường hợp nào là của ông bà?",
        "Có hai trường hợp.",
        "Một: Hai bên là công dân Việt Nam.",
        "Hai: Một bên là người nước ngoài.",
    )


def test_a_case_without_papers_says_so() -> None:
    view = ProcedureView("Xác nhận cư trú", no_papers=True)
    assert phrase_texts(spoken_phrases(view, "vi")) == (
        "Thủ tục: Xác nhận cư trú.",
        "Không cần giấy tờ nào.",
    )


def test_a_ticket_is_said_part_by_part_with_its_counter_and_the_people_ahead() -> None:
    view = TicketView("A1-005", "Quầy số 2", 6, heading="Mời ông/bà nhận phiếu bên dưới")
    assert phrase_texts(spoken_phrases(view, "vi")) == (
        "Mời ông bà nhận phiếu bên dưới.",
        "Số thứ tự của ông bà là: a một, không trăm linh năm.",
        "Khi được gọi số, mời đến quầy số hai.",
        "Có sáu người chờ trước.",
    )
    assert phrase_texts(spoken_phrases(view, "en")) == (
        "Mời ông bà nhận phiếu bên dưới.",
        "Your number is A 1, 0 0 5.",
        "When it is called, please go to counter 2.",
        "6 people are waiting ahead of you.",
    )


def test_a_ticket_counter_by_number_or_by_name_and_nobody_ahead() -> None:
    assert phrase_texts(spoken_phrases(TicketView("B2-105", "12", 0), "vi")) == (
        "Số thứ tự của ông bà là: bê hai, một trăm linh năm.",
        "Khi được gọi số, mời đến quầy số mười hai.",
        "Không có ai chờ trước.",
    )
    assert phrase_texts(spoken_phrases(TicketView("A1-001", "Tư pháp - Hộ tịch", 1), "en")) == (
        "Your number is A 1, 0 0 1.",
        "When it is called, please go to Tư pháp - Hộ tịch.",
        "1 person is waiting ahead of you.",
    )
    # Unknown wait: nothing is said about it.
    assert phrase_texts(spoken_phrases(TicketView("A1-001"), "vi")) == (
        "Số thứ tự của ông bà là: a một, không trăm linh một.",
    )


def test_the_number_style_reaches_the_ticket() -> None:
    said = spoken_phrases(TicketView("A1-105"), "vi", NumberStyle(zero_tens="lẻ"))
    assert said[0].text == "Số thứ tự của ông bà là: a một, một trăm lẻ năm."


def test_the_idle_warning_says_the_seconds_in_words() -> None:
    assert phrase_texts(spoken_phrases(IdleWarningView(20), "vi")) == (
        "Ông bà có cần thêm thời gian không?",
        "Để giữ kín thông tin, màn hình sẽ được xóa sau hai mươi giây.",
        "Chạm vào màn hình để tiếp tục.",
    )
    assert phrase_texts(spoken_phrases(IdleWarningView(25), "en")) == (
        "Do you need more time?",
        "For your privacy, the screen will be cleared in 25 seconds.",
        "Touch the screen to continue.",
    )


def test_numbers_alone_in_vietnamese_texts_are_said_in_words_codes_stay() -> None:
    assert numbers_in_words("trong 60 ngày.") == "trong sáu mươi ngày."
    assert numbers_in_words("năm 2024, quầy 15") == (
        "năm hai nghìn không trăm hai mươi tư, quầy mười lăm"
    )
    for kept in ("Nghị định 123/2015/NĐ-CP", "mã 1.001193.", "số A1-005", "1,5 ha"):
        assert numbers_in_words(kept) == kept
    view = MenuView("Khai sinh", choices=("Đúng hạn (trong 60 ngày)",))
    assert phrase_texts(spoken_phrases(view, "vi"))[-1] == "Một: Đúng hạn (trong sáu mươi ngày)."
    # English voices read digits well: left alone.
    assert phrase_texts(spoken_phrases(view, "en"))[-1] == "1: Đúng hạn (trong 60 ngày)."


def test_a_procedure_ends_with_what_the_citizen_can_do_next() -> None:
    view = dataclasses.replace(BIRTH, actions=("In danh sách giấy tờ", "Lấy số thứ tự"))
    assert phrase_texts(spoken_phrases(view, "vi"))[-3:] == (
        "Có hai lựa chọn.",
        "Một: In danh sách giấy tờ.",
        "Hai: Lấy số thứ tự.",
    )
    english = dataclasses.replace(BIRTH, actions=("Take a queue number for this",))
    assert spoken_phrases(english, "en")[-2:] == (
        Phrase("There is one choice.", "en"),
        Phrase("1: Take a queue number for this.", "en"),
    )
