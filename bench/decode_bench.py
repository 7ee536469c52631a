"""QR decoding on generated camera frames: pyzbar and zxing-cpp alone, and our pipeline.

Frames of 640x480 and 1280x720 (grayscale) show a fictional ID card's QR code at several
sizes (pixels per QR module), rotations, blur, noise and perspective skew, or show no code
at all (textures, text, checkerboards, blobs). Every frame goes through:

- ``pyzbar``: ``pyzbar.decode()`` as shipped (zbar guessing the character set),
- ``zxing-cpp``: ``zxingcpp.read_barcodes()``, QR codes only,
- ``pipeline``: ``devices.qr_pipeline.FramePipeline`` on the decoder ``auto`` picks,
- ``pipeline/pyzbar``: the same pipeline on zbar in binary mode, for comparison.

A read counts only when its text is the payload, byte for byte; a different text is
"wrong". Goals (issue 3): the pipeline adds <= 10% over the raw decoder call, reads
nothing on empty frames, and reads more than the raw decoder on hard frames.

    .venv/bin/python bench/decode_bench.py [--repeat 3] [--seed 1]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import cv2
import numpy as np
import qrcode
import zxingcpp
from pyzbar import pyzbar

from devices.qr_decoders import GrayFrame, PyzbarDecoder, load_decoder
from devices.qr_pipeline import FramePipeline

#: A fictional citizen's card, with an address as long as real ones often are.
PAYLOAD = (
    "001099012345|123456789|Nguyễn Văn An|15031999|Nam|Số 12 ngõ 34 phố Huế, phường Hai Bà "
    "Trưng, thành phố Hà Nội|20042021"
)
RESOLUTIONS = ((640, 480), (1280, 720))
#: Frames with these names are the hard ones (the decoders alone often fail).
HARD_GROUPS = ("small", "blurred", "combined")
PLACEMENTS = 4  # random positions per frame recipe


def qr_modules(payload: str) -> np.ndarray:
    """The code's modules (True = dark), with a 4-module quiet zone."""
    code = qrcode.QRCode(border=4, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(payload.encode("utf-8"))
    code.make(fit=True)
    return np.array(code.get_matrix(), dtype=bool)


def background(rng: np.random.Generator, size: tuple[int, int]) -> np.ndarray:
    """A smooth, uneven scene (a counter top, a sleeve), as float32 gray."""
    width, height = size
    coarse = rng.normal(140, 25, (height // 24 + 2, width // 24 + 2)).astype(np.float32)
    scene = cv2.resize(coarse, (width, height), interpolation=cv2.INTER_CUBIC)
    ramp = np.linspace(-20, 20, width, dtype=np.float32)[None, :]
    return scene + ramp


@dataclass(frozen=True)
class Recipe:
    """How one frame is made: module size, rotation, blur, noise, skew; None: no code."""

    group: str
    module_px: float | None
    angle: float = 0.0
    blur: float = 0.0
    noise: float = 0.0
    skew: float = 0.0


def recipes() -> list[Recipe]:
    """The frame recipes, by group."""
    made = [Recipe("clear", px) for px in (3, 4, 6)]
    made += [Recipe("rotated", 4, angle=angle) for angle in (15, 30, 45, 90, 180)]
    made += [Recipe("skewed", 4, angle=10, skew=skew) for skew in (0.15, 0.25)]
    made += [Recipe("noisy", px, noise=noise) for px in (3, 4) for noise in (15, 25)]
    made += [Recipe("small", px) for px in (1.5, 2.0)]
    made += [Recipe("blurred", px, blur=blur) for px in (2, 3, 4) for blur in (1.0, 1.5)]
    made += [Recipe("combined", px, angle=15, blur=1.0, noise=10, skew=0.15) for px in (3, 4)]
    made += [Recipe("empty", None, noise=noise) for noise in (0, 5, 10, 15, 20)]
    return made


def frame_with_code(rng: np.random.Generator, size: tuple[int, int], recipe: Recipe,
                    modules: np.ndarray) -> GrayFrame:
    """A frame showing the code as the recipe says."""
    width, height = size
    scene = background(rng, size)
    assert recipe.module_px is not None
    # The code drawn sharp at 8 px per module, scaled down with area averaging (a camera's
    # pixels average the light), then placed by a perspective warp at about 1:1.
    sharp = np.kron(np.where(modules, 25.0, 235.0), np.ones((8, 8))).astype(np.float32)
    side = round(modules.shape[0] * recipe.module_px)
    card = cv2.resize(sharp, (side, side), interpolation=cv2.INTER_AREA)
    half = side / 2
    corners = np.array([[-half, -half], [half, -half], [half, half], [-half, half]], np.float32)
    corners[:2] *= 1 - recipe.skew  # the top edge further away: perspective
    angle = np.deg2rad(recipe.angle)
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    reach = np.abs(corners @ rotation.T).max(axis=0)
    centre = [rng.uniform(reach[0], width - reach[0]), rng.uniform(reach[1], height - reach[1])]
    target = (corners @ rotation.T + centre).astype(np.float32)
    source = np.array([[0, 0], [side, 0], [side, side], [0, side]], np.float32)
    warp = cv2.getPerspectiveTransform(source, target)
    placed = cv2.warpPerspective(card, warp, size, flags=cv2.INTER_LINEAR)
    mask = cv2.warpPerspective(np.ones_like(card), warp, size, flags=cv2.INTER_LINEAR)
    return finish(rng, scene * (1 - mask) + placed, recipe)


def frame_without_code(rng: np.random.Generator, size: tuple[int, int], recipe: Recipe,
                       variant: int) -> GrayFrame:
    """A frame with things a camera sees at a kiosk, and no QR code."""
    width, height = size
    scene = background(rng, size)
    if variant % 4 == 1:  # a printed page
        page = np.clip(scene, 0, 255).astype(np.uint8)
        for _ in range(40):
            origin = (int(rng.integers(0, width - 200)), int(rng.integers(15, height)))
            cv2.putText(page, "CONG HOA XA HOI CHU NGHIA VIET NAM", origin,
                        cv2.FONT_HERSHEY_SIMPLEX, 0.5, 20, 1)
        scene = page.astype(np.float32)
    elif variant % 4 == 2:  # a checkerboard (tiles, a shirt)
        cell = int(rng.integers(3, 12))
        rows, cols = np.indices((height, width)) // cell
        scene = scene * 0.3 + ((rows + cols) % 2 * 200 + 30) * 0.7
    elif variant % 4 == 3:  # dark blobs and squares, finder-pattern-like at a glance
        for _ in range(300):
            x, y = int(rng.integers(0, width - 10)), int(rng.integers(0, height - 10))
            side = int(rng.integers(2, 10))
            scene[y : y + side, x : x + side] = rng.integers(0, 60)
    return finish(rng, scene, recipe)


def finish(rng: np.random.Generator, scene: np.ndarray, recipe: Recipe) -> GrayFrame:
    """Blur (a camera out of focus), sensor noise, and 8-bit gray."""
    if recipe.blur:
        scene = cv2.GaussianBlur(scene, (0, 0), recipe.blur)
    if recipe.noise:
        scene = scene + rng.normal(0, recipe.noise, scene.shape)
    return np.ascontiguousarray(np.clip(scene, 0, 255).astype(np.uint8))


@dataclass
class Tally:
    """One method's results on one group of frames."""

    frames: int = 0
    read: int = 0
    wrong: int = 0
    seconds: float = 0.0

    def cell(self) -> str:
        ms = 1000 * self.seconds / max(self.frames, 1)
        rate = 100 * self.read / max(self.frames, 1)
        wrong = f" {self.wrong}w" if self.wrong else ""
        return f"{rate:5.1f}% {ms:6.2f}ms{wrong}"


@dataclass
class Method:
    """A way to decode a frame into texts."""

    name: str
    decode: Callable[[GrayFrame], list[str]]
    tallies: dict[str, Tally] = field(default_factory=dict)


def stock_pyzbar(frame: GrayFrame) -> list[str]:
    decoded = pyzbar.decode(frame, symbols=[pyzbar.ZBarSymbol.QRCODE])
    return [symbol.data.decode("utf-8", "replace") for symbol in decoded]


def stock_zxing(frame: GrayFrame) -> list[str]:
    found = zxingcpp.read_barcodes(frame, formats=zxingcpp.BarcodeFormat.QRCode)
    return [barcode.text for barcode in found]


def timed(decode: Callable[[GrayFrame], list[str]], frame: GrayFrame,
          repeat: int) -> tuple[list[str], float]:
    """The texts and the fastest of ``repeat`` runs (the least disturbed by the machine)."""
    best = float("inf")
    texts: list[str] = []
    for _ in range(repeat):
        start = time.perf_counter()
        texts = decode(frame)
        best = min(best, time.perf_counter() - start)
    return texts, best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="timing runs per frame (min)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    chosen = load_decoder("auto")
    pipeline = FramePipeline(chosen)
    methods = [
        Method("pyzbar", stock_pyzbar),
        Method("zxing-cpp", stock_zxing),
        Method(f"pipeline/{chosen.name}", pipeline.decode),
        Method("pipeline/pyzbar", FramePipeline(PyzbarDecoder()).decode),
    ]
    raw_chosen = methods[1] if chosen.name == "zxing" else methods[0]
    rng = np.random.default_rng(args.seed)
    modules = qr_modules(PAYLOAD)
    # Frames where the pipeline made no retry: the overhead measured there is its own.
    no_retry_raw = no_retry_pipeline = 0.0
    started = time.perf_counter()
    for size in RESOLUTIONS:
        for recipe in recipes():
            for placement in range(PLACEMENTS):
                if recipe.module_px is None:
                    frame = frame_without_code(rng, size, recipe, placement)
                else:
                    frame = frame_with_code(rng, size, recipe, modules)
                group = f"{size[0]}x{size[1]} {recipe.group}"
                seconds: dict[str, float] = {}
                for method in methods:
                    texts, spent = timed(method.decode, frame, args.repeat)
                    seconds[method.name] = spent
                    tally = method.tallies.setdefault(group, Tally())
                    tally.frames += 1
                    tally.seconds += spent
                    if recipe.module_px is None:
                        tally.wrong += len(texts)  # anything read on an empty frame is false
                    elif PAYLOAD in texts:
                        tally.read += 1
                    elif texts:
                        tally.wrong += 1
                retried = recipe.module_px is not None and not stock_zxing(frame) and bool(
                    zxingcpp.read_barcodes(frame, formats=zxingcpp.BarcodeFormat.QRCode,
                                           return_errors=True)
                )
                if not retried:
                    no_retry_raw += seconds[raw_chosen.name]
                    no_retry_pipeline += seconds[methods[2].name]
    report(methods, raw_chosen, chosen.name, no_retry_raw, no_retry_pipeline)
    print(f"\n({time.perf_counter() - started:.0f} s; payload {len(PAYLOAD.encode())} bytes, "
          f"{modules.shape[0] - 8} modules a side; {args.repeat} timing runs per frame)")


def report(methods: list[Method], raw: Method, chosen: str, no_retry_raw: float,
           no_retry_pipeline: float) -> None:
    width = max(len(group) for group in methods[0].tallies) + 2
    print(f"{'frames (count)':<{width + 5}}" + "".join(f"{m.name:>22}" for m in methods))
    print("read rate and ms per frame; 'Nw' = N wrong or false reads")
    for group in methods[0].tallies:
        count = methods[0].tallies[group].frames
        print(f"{group:<{width}}({count:2d}) " + "".join(
            f"{m.tallies[group].cell():>22}" for m in methods))

    def total(method: Method, test: Callable[[str], bool]) -> Tally:
        summed = Tally()
        for group, tally in method.tallies.items():
            if test(group):
                summed.frames += tally.frames
                summed.read += tally.read
                summed.wrong += tally.wrong
                summed.seconds += tally.seconds
        return summed

    pipeline = methods[2]
    print()
    for label, test in (
        ("all frames with a code", lambda g: not g.endswith("empty")),
        ("hard frames", lambda g: g.split()[-1] in HARD_GROUPS),
        ("empty frames", lambda g: g.endswith("empty")),
    ):
        print(f"{label:<{width + 5}}" + "".join(f"{total(m, test).cell():>22}" for m in methods))

    overhead = 100 * (no_retry_pipeline / no_retry_raw - 1)
    overall = 100 * (total(pipeline, lambda g: True).seconds
                     / total(raw, lambda g: True).seconds - 1)
    hard = lambda g: g.split()[-1] in HARD_GROUPS  # noqa: E731
    false_reads = {m.name: total(m, lambda g: g.endswith("empty")).wrong for m in methods}
    print(f"\nauto picks: {chosen}")
    print(f"pipeline overhead over the raw {raw.name} call, frames without a retry: "
          f"{overhead:+.1f}% (goal <= +10%) {'PASS' if overhead <= 10 else 'FAIL'}")
    print(f"pipeline time over the raw {raw.name} call, all frames (retries included): "
          f"{overall:+.1f}%")
    print(f"false reads on empty frames: {false_reads} (goal 0) "
          f"{'PASS' if not any(false_reads.values()) else 'FAIL'}")
    raw_hard, pipe_hard = total(raw, hard).read, total(pipeline, hard).read
    print(f"hard frames read: raw {raw.name} {raw_hard}, pipeline {pipe_hard} "
          f"(goal: pipeline more) {'PASS' if pipe_hard > raw_hard else 'FAIL'}")


if __name__ == "__main__":
    main()
