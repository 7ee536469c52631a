"""Which pictogram goes with which choice: welcome tiles, fields, life events, rating levels.

A citizen who reads poorly finds a choice by its picture. The pictures themselves are drawn
by ``tools/draw_pictograms.py`` into ``screens/pictograms/`` (PNG atlases in two sizes); this
module only says which one a choice shows, so the screens stay thin and a test can check that
every field of the shipped catalog and every life event has one.

Fields and life events are matched by their catalog name and key; one the table does not
know (a catalog published later) gets the plain document, never nothing.
"""

from __future__ import annotations

import enum


class Pictogram(enum.Enum):
    """The pictures there are; the value is the picture's name in the atlas."""

    SEARCH = "search"
    LIFE_EVENTS = "life_events"
    TICKET = "ticket"
    STATUS = "status"
    FEEDBACK = "feedback"
    RATING = "rating"
    DIRECTORY = "directory"
    DOCUMENT = "document"
    SPROUT = "sprout"
    PAW = "paw"
    WAVE = "wave"
    DROP = "drop"
    FISH = "fish"
    SCALES = "scales"
    MEDICAL = "medical"
    ID_CARD = "id_card"
    CRANE = "crane"
    SHIELD = "shield"
    STAMP = "stamp"
    HOUSE = "house"
    LAND = "land"
    CAR = "car"
    COIN = "coin"
    SHOP = "shop"
    FAMILY = "family"
    TREE = "tree"
    FLAME = "flame"
    STORM = "storm"
    PLANE = "plane"
    BABY = "baby"
    RINGS = "rings"
    CANDLE = "candle"
    MOVING = "moving"
    FACE_VERY_HAPPY = "face_very_happy"
    FACE_HAPPY = "face_happy"
    FACE_NEUTRAL = "face_neutral"
    FACE_SAD = "face_sad"


#: The welcome screen's tiles, by the tile's id in welcome.kv.
WELCOME: dict[str, Pictogram] = {
    "choice_procedures": Pictogram.SEARCH,
    "choice_life_events": Pictogram.LIFE_EVENTS,
    "choice_queue": Pictogram.TICKET,
    "choice_status": Pictogram.STATUS,
    "choice_feedback": Pictogram.FEEDBACK,
    "choice_rating": Pictogram.RATING,
    "choice_directory": Pictogram.DIRECTORY,
}

#: The catalog's fields (lĩnh vực), by their Vietnamese name.
FIELDS: dict[str, Pictogram] = {
    "An toàn thực phẩm nông sản": Pictogram.SPROUT,
    "Bảo hiểm nông nghiệp": Pictogram.SPROUT,
    "Biển và hải đảo": Pictogram.WAVE,
    "Bồi thường nhà nước": Pictogram.SCALES,
    "Cai nghiện ma túy": Pictogram.MEDICAL,
    "Căn cước": Pictogram.ID_CARD,
    "Chăn nuôi": Pictogram.PAW,
    "Chất lượng công trình": Pictogram.CRANE,
    "Chính sách an ninh cơ sở": Pictogram.SHIELD,
    "Chứng thực": Pictogram.STAMP,
    "Chương trình mục tiêu quốc gia": Pictogram.SPROUT,
    "Cư trú": Pictogram.HOUSE,
    "Đăng ký thế chấp": Pictogram.LAND,
    "Đăng ký xe": Pictogram.CAR,
    "Đất đai": Pictogram.LAND,
    "Định danh điện tử": Pictogram.ID_CARD,
    "Đường bộ": Pictogram.CAR,
    "Đường thủy nội địa": Pictogram.WAVE,
    "Giảm nghèo": Pictogram.COIN,
    "Hạ tầng kỹ thuật": Pictogram.CRANE,
    "Hộ kinh doanh": Pictogram.SHOP,
    "Hộ tịch": Pictogram.FAMILY,
    "Hòa giải ở cơ sở": Pictogram.SCALES,
    "Hợp tác xã, tổ hợp tác": Pictogram.SHOP,
    "Khiếu nại, tố cáo": Pictogram.SCALES,
    "Khoáng sản": Pictogram.LAND,
    "Lâm nghiệp": Pictogram.TREE,
    "Môi trường": Pictogram.TREE,
    "Nhà ở": Pictogram.HOUSE,
    "Nông nghiệp": Pictogram.SPROUT,
    "Nuôi con nuôi": Pictogram.FAMILY,
    "Phát triển nông thôn": Pictogram.SPROUT,
    "Phòng cháy, chữa cháy": Pictogram.FLAME,
    "Phòng, chống thiên tai": Pictogram.STORM,
    "Quân sự": Pictogram.SHIELD,
    "Quy hoạch": Pictogram.CRANE,
    "Tài chính đất đai": Pictogram.LAND,
    "Tài nguyên nước": Pictogram.DROP,
    "Tài sản công": Pictogram.COIN,
    "Thú y": Pictogram.PAW,
    "Thủy lợi": Pictogram.DROP,
    "Thủy sản": Pictogram.FISH,
    "Tổ bảo vệ an ninh, trật tự": Pictogram.SHIELD,
    "Tòa án": Pictogram.SCALES,
    "Trồng trọt": Pictogram.SPROUT,
    "Vũ khí, công cụ hỗ trợ": Pictogram.SHIELD,
    "Xây dựng": Pictogram.CRANE,
    "Xuất nhập cảnh": Pictogram.PLANE,
}

#: The catalog's life events, by their key.
LIFE_EVENTS: dict[str, Pictogram] = {
    "sinh-con": Pictogram.BABY,
    "ket-hon": Pictogram.RINGS,
    "nguoi-than-qua-doi": Pictogram.CANDLE,
    "chuyen-noi-o": Pictogram.MOVING,
    "nha-dat": Pictogram.LAND,
    "xay-sua-nha": Pictogram.CRANE,
    "mo-ho-kinh-doanh": Pictogram.SHOP,
    "giay-to-tuy-than": Pictogram.ID_CARD,
    "xe-co": Pictogram.CAR,
    "ho-ngheo-tro-giup": Pictogram.COIN,
    "tranh-chap-hoa-giai": Pictogram.SCALES,
    "nhan-con-nuoi": Pictogram.FAMILY,
}

#: The four rating levels' faces, by the level's value (kiosk.kinds.RatingLevel).
RATING_FACES: dict[str, Pictogram] = {
    "very_satisfied": Pictogram.FACE_VERY_HAPPY,
    "satisfied": Pictogram.FACE_HAPPY,
    "acceptable": Pictogram.FACE_NEUTRAL,
    "unsatisfied": Pictogram.FACE_SAD,
}


def field_pictogram(name: str) -> Pictogram:
    """The picture of field ``name`` (its Vietnamese name); the document when unknown."""
    return FIELDS.get(name, Pictogram.DOCUMENT)


def life_event_pictogram(key: str) -> Pictogram:
    """The picture of life event ``key``; the document when unknown."""
    return LIFE_EVENTS.get(key, Pictogram.DOCUMENT)
