"""QR code images for the code reader tests, made with qrcode and Pillow."""

from __future__ import annotations

import numpy as np
import qrcode
from PIL import Image, ImageFilter

#: A fictional citizen's ID card payload, as its QR code holds it.
CARD = "001099012345|123456789|Nguyễn Văn An|15031999|Nam|Số 1 Phố Huế, Hoàn Kiếm, Hà Nội|20042021"


def qr_pil(payload: str, *, module_px: int = 4, border: int = 4) -> Image.Image:
    """A black-on-white QR code holding ``payload`` as UTF-8 bytes (no ECI), in gray."""
    code = qrcode.QRCode(
        border=border, box_size=module_px, error_correction=qrcode.constants.ERROR_CORRECT_M
    )
    code.add_data(payload.encode("utf-8"))
    code.make(fit=True)
    return code.make_image().get_image().convert("L")


def qr_frame(payload: str, *, module_px: int = 4, border: int = 4) -> np.ndarray:
    """:func:`qr_pil` as a grayscale frame."""
    return np.ascontiguousarray(np.asarray(qr_pil(payload, module_px=module_px, border=border)))


def in_scene(
    code: Image.Image, *, size: tuple[int, int] = (640, 480), blur: float = 0.0
) -> np.ndarray:
    """``code`` pasted on a mid-gray scene, optionally blurred as by a camera out of focus."""
    scene = Image.new("L", size, 140)
    scene.paste(code, ((size[0] - code.width) // 2, (size[1] - code.height) // 2))
    if blur:
        scene = scene.filter(ImageFilter.GaussianBlur(blur))
    return np.ascontiguousarray(np.asarray(scene))
