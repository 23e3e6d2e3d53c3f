"""Street scenes as a phone shoots them: French number plates (and faces) at real distances.

The one owner of the photo-legibility scenes, shared by `bench/photos.py` (which
picks the re-encode setting) and `tests/test_photos_browser.py` (which checks
the form still keeps a plate readable). Everything random comes from one seed,
so a run is repeatable.

Geometry: a phone's main camera sees about 70° across, so a frame
`4032 px` wide spans `2 d tan(35°)` metres at distance `d`; a French plate is
520 × 110 mm with 75 mm characters (`AB-123-CD`, no I, O or U), a face about
150 mm wide. The real plate font is not available: DejaVu Sans Condensed Bold
(Debian `fonts-dejavu-extra`, installed by `make system-deps`) stands in.
The plate is drawn large, warped by a slight perspective, shrunk to its size
at that distance, then the whole frame gets lens blur and sensor noise.
"""

from __future__ import annotations

import io
import math
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

PHONE_SIZE = (4032, 3024)
FOV_DEG = 70.0
PLATE_MM = (520, 110)
CHAR_MM = 75
FACE_MM = 150
PLATE_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSansCondensed-Bold.ttf")
PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTVWXYZ"  # SIV plates never use I, O or U
EU_BLUE = (0, 51, 153)


def px_per_metre(distance_m: float, width_px: int = PHONE_SIZE[0]) -> float:
    """Pixels per metre of the scene at that distance, for a 70° phone camera."""
    return width_px / (2 * distance_m * math.tan(math.radians(FOV_DEG / 2)))


def plate_width_px(distance_m: float) -> float:
    return PLATE_MM[0] / 1000 * px_per_metre(distance_m)


def char_height_px(distance_m: float, scale: float = 1.0) -> float:
    """A plate character's height in the photo (scaled by the re-encode's `scale`)."""
    return CHAR_MM / 1000 * px_per_metre(distance_m) * scale


@dataclass(frozen=True)
class Placed:
    """Something pasted into the scene: what it is and its box in full-size pixels."""

    label: str  # the plate's text, or the face's name
    distance_m: float
    box: tuple[int, int, int, int]  # left, top, right, bottom (4032 × 3024 frame)


@dataclass
class Scene:
    image: Image.Image
    plates: list[Placed] = field(default_factory=list)
    faces: list[Placed] = field(default_factory=list)

    def jpeg(self, exif: bytes | None = None) -> bytes:
        """The scene as a phone's JPEG (quality 92, 4:2:0), optionally with EXIF."""
        buf = io.BytesIO()
        extra = {"exif": exif} if exif else {}
        self.image.save(buf, "JPEG", quality=92, subsampling="4:2:0", **extra)
        return buf.getvalue()


def random_plate(rng: np.random.Generator) -> str:
    letters = [PLATE_LETTERS[int(i)] for i in rng.integers(0, len(PLATE_LETTERS), 4)]
    digits = "".join(str(int(d)) for d in rng.integers(0, 10, 3))
    return f"{letters[0]}{letters[1]}-{digits}-{letters[2]}{letters[3]}"


def plate_image(text: str, mm_px: float = 4.0) -> Image.Image:
    """A French plate drawn at `mm_px` pixels per millimetre: white, EU band, region band."""
    w, h = round(PLATE_MM[0] * mm_px), round(PLATE_MM[1] * mm_px)
    img = Image.new("RGB", (w, h), (246, 246, 242))
    draw = ImageDraw.Draw(img)
    band = round(42 * mm_px)
    draw.rectangle([0, 0, band, h], fill=EU_BLUE)
    draw.rectangle([w - band, 0, w, h], fill=EU_BLUE)
    small = ImageFont.truetype(str(PLATE_FONT), round(30 * mm_px))
    draw.text((band / 2, h * 0.78), "F", font=small, fill="white", anchor="mm")
    draw.text((w - band / 2, h * 0.78), "25", font=small, fill="white", anchor="mm")
    for k in range(12):  # the ring of stars, as dots
        a = 2 * math.pi * k / 12
        cx, cy, r = band / 2 + 11 * mm_px * math.cos(a), h * 0.3 + 11 * mm_px * math.sin(a), mm_px
        draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=(255, 204, 0))
    # The real font is narrower than any Debian one: draw the characters, then
    # squeeze them to the plate's text zone (75 mm tall, about 400 mm wide).
    font = ImageFont.truetype(str(PLATE_FONT), round(CHAR_MM * mm_px * 1.4))
    left, top, right, bottom = font.getbbox(text)
    glyphs = Image.new("L", (int(right - left), int(bottom - top)), 0)
    ImageDraw.Draw(glyphs).text((-left, -top), text, font=font, fill=255)
    zone = (round(400 * mm_px), round(CHAR_MM * mm_px))
    glyphs = glyphs.resize(zone, Image.Resampling.LANCZOS)
    img.paste((12, 12, 12), ((w - zone[0]) // 2, (h - zone[1]) // 2), glyphs)
    draw.rectangle([0, 0, w - 1, h - 1], outline=(20, 20, 20), width=max(1, round(mm_px)))
    return img


def _perspective(img: Image.Image, rng: np.random.Generator) -> Image.Image:
    """A slight perspective (one side up to 6 % shorter, a small tilt), transparent around."""
    w, h = img.size
    k = float(rng.uniform(0.0, 0.06)) * h
    tilt = float(rng.uniform(-0.015, 0.015)) * w
    # Pillow maps each output corner back to a source point: the left edge reads
    # a taller stretch of the source, so it comes out shorter.
    src = [(0.0, -k), (float(w), tilt), (float(w), h + tilt), (0.0, h + k)]
    dst = [(0, 0), (w, 0), (w, h), (0, h)]
    matrix = []
    for (x, y), (u, v) in zip(dst, src, strict=True):
        matrix.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        matrix.append([0, 0, 0, x, y, 1, -v * x, -v * y])
    rhs = np.array([c for p in src for c in p], dtype=float)
    coeffs = np.linalg.solve(np.array(matrix, dtype=float), rhs)
    return img.convert("RGBA").transform(
        (w, h),
        Image.Transform.PERSPECTIVE,
        tuple(float(c) for c in coeffs),
        Image.Resampling.BICUBIC,
        fillcolor=(0, 0, 0, 0),
    )


def _texture(rng: np.random.Generator, size: tuple[int, int], amplitude: float) -> np.ndarray:
    """Multi-scale value noise (walls, asphalt, foliage): what makes a photo's bytes."""
    w, h = size
    out = np.zeros((h, w), dtype=np.float32)
    for cells, weight in ((8, 1.0), (40, 0.6), (200, 0.4), (900, 0.3)):
        grid = rng.normal(0.0, 1.0, (max(2, cells * h // w), cells)).astype(np.float32)
        layer = Image.fromarray(grid, mode="F").resize((w, h), Image.Resampling.BICUBIC)
        out += weight * np.asarray(layer)
    return out * amplitude


def background(rng: np.random.Generator) -> Image.Image:
    """An ordinary street: sky, facades with windows, pavement, road, all textured."""
    w, h = PHONE_SIZE
    base = np.zeros((h, w, 3), dtype=np.float32)
    horizon = int(h * 0.45)
    base[:horizon] = (150, 180, 215)
    base[horizon:] = (88, 88, 92)
    img = Image.fromarray(base.astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(img)
    x = 0
    while x < w:  # facades, each its own colour and windows
        fw = int(rng.integers(500, 1100))
        top = int(rng.integers(150, horizon - 500))
        colour = tuple(int(c) for c in rng.integers(120, 225, 3))
        draw.rectangle([x, top, x + fw, horizon + 120], fill=colour)
        for wy in range(top + 80, horizon - 100, 260):
            for wx in range(x + 60, x + fw - 120, 220):
                draw.rectangle([wx, wy, wx + 110, wy + 160], fill=(40, 50, 60))
        x += fw
    draw.rectangle([0, horizon + 120, w, horizon + 260], fill=(150, 145, 140))  # pavement
    arr = np.asarray(img, dtype=np.float32)
    arr += _texture(rng, PHONE_SIZE, 9.0)[..., None]
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "RGB")


def _car(
    rng: np.random.Generator, draw: ImageDraw.ImageDraw, centre_x: int, bottom: int, ppm: float
) -> tuple[int, int]:
    """Draw the back of a car; return where its plate's centre goes."""
    cw, ch = 1.8 * ppm, 1.45 * ppm
    colour = tuple(int(c) for c in rng.integers(20, 230, 3))
    left, top = centre_x - cw / 2, bottom - ch
    draw.rounded_rectangle([left, top, left + cw, bottom], radius=0.15 * ppm, fill=colour)
    draw.rectangle(  # rear window
        [left + 0.2 * ppm, top + 0.1 * ppm, left + cw - 0.2 * ppm, top + 0.55 * ppm],
        fill=(35, 45, 55),
    )
    for lx in (left + 0.1 * ppm, left + cw - 0.4 * ppm):  # lights
        draw.rectangle([lx, top + 0.7 * ppm, lx + 0.3 * ppm, top + 0.85 * ppm], fill=(170, 20, 20))
    return centre_x, round(bottom - 0.45 * ppm)


def plate_scene(seed: int, distances: tuple[float, ...] = (20, 15, 10, 5)) -> Scene:
    """A street with one car per distance (farthest drawn first), each with a plate."""
    rng = np.random.default_rng(seed)
    img = background(rng)
    draw = ImageDraw.Draw(img)
    w, h = PHONE_SIZE
    slots = np.linspace(0.14, 0.86, len(distances)) * w
    order = rng.permutation(len(distances))
    placed: list[tuple[Image.Image, int, int, str, float]] = []
    for i, distance in enumerate(distances):
        ppm = px_per_metre(distance)
        # Nearer cars stand lower in the frame (camera at 1.5 m, level).
        bottom = round(h * 0.45 + 1.5 * ppm * 0.9)
        cx, cy = _car(rng, draw, int(slots[order[i]]), min(bottom, h - 10), ppm)
        text = random_plate(rng)
        plate = _perspective(plate_image(text), rng)
        pw = round(plate_width_px(distance))
        ph = round(pw * PLATE_MM[1] / PLATE_MM[0])
        placed.append((plate.resize((pw, ph), Image.Resampling.LANCZOS), cx, cy, text, distance))
    scene = Scene(img)
    for plate, cx, cy, text, distance in placed:
        left, top = cx - plate.width // 2, cy - plate.height // 2
        img.paste(plate, (left, top), plate)
        scene.plates.append(
            Placed(text, distance, (left, top, left + plate.width, top + plate.height))
        )
    scene.image = sensor(img, rng)
    return scene


def sensor(img: Image.Image, rng: np.random.Generator) -> Image.Image:
    """Lens blur and sensor noise, as a phone's processed photo keeps them."""
    blurred = img.filter(ImageFilter.GaussianBlur(radius=float(rng.uniform(0.6, 0.9))))
    arr = np.asarray(blurred, dtype=np.float32)
    arr += rng.normal(0.0, 2.5, arr.shape).astype(np.float32)
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "RGB")


def face_scene(
    seed: int, faces: list[tuple[str, Image.Image, tuple[int, int, int, int]]], distance_m: float
) -> Scene:
    """A street with each given head (its RGB image and the face's box in it) at `distance_m`.

    The head is scaled so the face box is 150 mm wide at that distance and
    pasted with a soft elliptical edge; the sources are real photographs.
    """
    rng = np.random.default_rng(seed)
    img = background(rng)
    scene = Scene(img)
    w, h = PHONE_SIZE
    target = FACE_MM / 1000 * px_per_metre(distance_m)
    for i, (name, head, (fl, ft, fr, fb)) in enumerate(faces):
        scale = target / (fr - fl)
        size = (max(1, round(head.width * scale)), max(1, round(head.height * scale)))
        small = head.resize(size, Image.Resampling.LANCZOS)
        mask = Image.new("L", size, 0)
        ImageDraw.Draw(mask).ellipse([0, 0, size[0] - 1, size[1] - 1], fill=255)
        mask = mask.filter(ImageFilter.GaussianBlur(max(1.0, size[0] / 30)))
        cx = round((i + 1) * w / (len(faces) + 1))
        cy = round(h * 0.45 + 0.2 * px_per_metre(distance_m))
        left, top = cx - size[0] // 2, cy - size[1] // 2
        img.paste(small, (left, top), mask)
        box = (
            left + round(fl * scale),
            top + round(ft * scale),
            left + round(fr * scale),
            top + round(fb * scale),
        )
        scene.faces.append(Placed(name, distance_m, box))
    scene.image = sensor(img, rng)
    return scene


def crop_scaled(image: Image.Image, box: tuple[int, int, int, int], margin: float) -> Image.Image:
    """The full-size `box` (plus a margin, in box widths) cut from a re-encoded image."""
    s = image.width / PHONE_SIZE[0]
    left, top, right, bottom = box
    mx = (right - left) * margin
    my = (bottom - top) * margin
    return image.crop(
        (
            max(0, round((left - mx) * s)),
            max(0, round((top - my) * s)),
            min(image.width, round((right + mx) * s)),
            min(image.height, round((bottom + my) * s)),
        )
    )


def plate_crop(image: Image.Image, plate: Placed) -> Image.Image:
    """The plate's white character zone, as an analyst would crop and zoom it.

    Upscaled to 600 px wide for every setting alike (tesseract wants characters
    a few tens of pixels tall); the blue bands are left out so their "F" and
    "25" are not read as part of the number.
    """
    left, top, right, bottom = plate.box
    band = round((right - left) * 48 / PLATE_MM[0])  # the 42 mm bands and their edge
    crop = crop_scaled(image, (left + band, top, right - band, bottom), 0.0).convert("L")
    crop = crop.resize(
        (600, max(1, round(600 * crop.height / crop.width))), Image.Resampling.BICUBIC
    )
    padded = Image.new("L", (crop.width + 40, crop.height + 40), 255)  # tesseract wants a margin
    padded.paste(crop, (20, 20))
    return padded


def read_plates(crops: list[Image.Image], workdir: Path) -> list[str]:
    """Tesseract (Debian CLI, one call for many crops), one line each, plate characters only."""
    paths = []
    for i, crop in enumerate(crops):
        path = workdir / f"plate-{i}.png"
        crop.save(path)
        paths.append(str(path))
    listing = workdir / "plates.txt"
    listing.write_text("\n".join(paths) + "\n")
    out = subprocess.run(
        [
            "tesseract",
            str(listing),
            "stdout",
            "--psm",
            "7",
            "-c",
            f"tessedit_char_whitelist={PLATE_LETTERS}0123456789-",
        ],
        capture_output=True,
        text=True,
        check=True,
        env={"OMP_THREAD_LIMIT": "1", "PATH": "/usr/bin:/bin"},
    ).stdout
    pages = out.split("\f")
    return [_normalise(p) for p in pages[: len(crops)]]


def _normalise(text: str) -> str:
    return "".join(c for c in text if c.isalnum()).upper()


def plate_read(expected: str, got: str) -> bool:
    """Read exactly: every letter and digit, in order (the dashes do not count)."""
    return _normalise(expected) == got
