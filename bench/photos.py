"""Photo re-encode: bytes against the legibility of number plates and faces.

Every setting of a grid (long side × JPEG quality) re-encodes the same seeded
4032 × 3024 street scenes (`tests/support/scenes.py`) twice: in Debian
Chromium, by the built form page's own `photos.js` (`vigiePhotos.reencode`,
served by a real `vigie serve`), and by the no-JS path's Pillow code
(`vigie.core.exif.strip_metadata`). Then:

- plates (French `AB-123-CD`, at 5, 10, 15 and 20 m): the plate's zone is cut
  from the re-encoded photo, zoomed alike for every setting, and read by
  Debian's tesseract; legibility = the share of plates read exactly;
- faces (two real photographs shipped by installed packages: scikit-image's
  astronaut, matplotlib's Grace Hopper, at 5, 10 and 15 m): OpenCV's bundled
  Haar cascade on the zoomed region (found = a detection over the true face),
  and the SSIM of the face against the phone's original.

Everything is a ratio against the setting before this measurement
(1600 px / 0.85), measured in the same run. The whole grid goes to
build/bench/photos.md; `run()` gives `make bench` the settings in force.

    python -m bench.photos      # the default grid: about 7 minutes on the 2-core dev machine
"""

from __future__ import annotations

import argparse
import base64
import io
import re
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support import scenes  # noqa: E402

SIDES = (800, 1024, 1280, 1600, 2000, 2048)
QUALITIES = (0.5, 0.6, 0.7, 0.8, 0.85, 0.9)
BASELINE = (1600, 0.85)  # the browser's setting before this measurement
PLATE_SCENES = 8  # one plate at each distance per scene: 8 plates per distance
FACE_DISTANCES = (5.0, 10.0, 15.0)
FACE_SCENES = 3  # per distance, two faces each: 6 faces per distance
OUT = ROOT / "build" / "bench" / "photos.md"
Setting = tuple[int, float]
Encoder = Callable[[bytes, list[Setting]], list[bytes]]


def in_force() -> tuple[Setting, Setting]:
    """(browser, Pillow) settings as the code holds them: photos.js and vigie.core.exif."""
    from vigie.core import exif

    js = (ROOT / "site" / "assets" / "form" / "photos.js").read_text()
    side = re.search(r"var MAX_SIDE = (\d+);", js)
    quality = re.search(r"var QUALITIES = \[([0-9.]+)", js)
    assert side and quality
    return (int(side.group(1)), float(quality.group(1))), (exif.MAX_SIDE, exif.QUALITIES[0] / 100)


def grid(sides: tuple[int, ...] = SIDES, qualities: tuple[float, ...] = QUALITIES) -> list[Setting]:
    settings = {(s, q) for s in sides for q in qualities}
    settings.update(in_force())
    settings.add(BASELINE)
    return sorted(settings)


class Browser:
    """The built form page in Debian Chromium, re-encoding with its own photos.js."""

    def __init__(self, tmp: Path) -> None:
        import pyrage
        from playwright.sync_api import sync_playwright

        from tests.support.browser import launch
        from tests.support.live import LiveVigie, write_config
        from vigie.core.config import load_config
        from vigie.site.build import build_site

        recipient = str(pyrage.x25519.Identity.generate().to_public())
        config = write_config(tmp / "vigie.toml", f"dir:{tmp / 'store'}", [recipient])
        self.server = LiveVigie(config, build_site(load_config(str(config), {}), tmp / "site"))
        self.server.start()
        self.playwright = sync_playwright().start()
        self.browser = launch(self.playwright)
        self.page = self.browser.new_page(viewport={"width": 390, "height": 844})
        self.page.goto(self.server.url + "signaler/")
        self.page.wait_for_function("window.vigiePhotos !== undefined")

    def encode(self, jpeg: bytes, settings: list[Setting]) -> list[bytes]:
        out: list[str] = self.page.evaluate(
            """async ([b64, rules]) => {
                 const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
                 const file = new File([bytes], "scene.jpg", {type: "image/jpeg"});
                 const out = [];
                 for (const [maxSide, quality] of rules) {
                   const p = await vigiePhotos.reencode(file, 0, {maxSide, qualities: [quality]});
                   const url = await new Promise((ok) => {
                     const r = new FileReader();
                     r.onload = () => ok(r.result);
                     r.readAsDataURL(new Blob([p.data]));
                   });
                   out.push(url.slice(url.indexOf(",") + 1));
                 }
                 return out;
               }""",
            [base64.b64encode(jpeg).decode(), [list(s) for s in settings]],
        )
        return [base64.b64decode(b) for b in out]

    def close(self) -> None:
        self.browser.close()
        self.playwright.stop()
        self.server.stop()


def pillow_encode(jpeg: bytes, settings: list[Setting]) -> list[bytes]:
    from vigie.core.exif import strip_metadata

    return [
        strip_metadata(jpeg, max_side=side, qualities=(round(q * 100),))[1] for side, q in settings
    ]


def face_sources() -> list[tuple[str, Any, tuple[int, int, int, int]]]:
    """Real face photographs that installed packages ship, with the face's box in each."""
    import numpy as np
    from matplotlib import cbook
    from PIL import Image
    from skimage import data

    hopper = Image.open(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)).convert("RGB")
    astronaut = Image.fromarray(data.astronaut())  # type: ignore[no-untyped-call]
    sources = [("astronaut", astronaut), ("hopper", hopper)]
    out = []
    for name, image in sources:
        found = detect(np.asarray(image.convert("L")), min_size=60)
        assert found, f"no face found in the {name} source"
        x, y, w, h = max(found, key=lambda r: r[2] * r[3])
        # The head with some hair and neck around the face, as a person shows it.
        left, top = max(0, x - w // 2), max(0, y - int(h * 0.7))
        right, bottom = min(image.width, x + w + w // 2), min(image.height, y + h + h // 2)
        head = image.crop((left, top, right, bottom))
        out.append((name, head, (x - left, y - top, x - left + w, y - top + h)))
    return out


def detect(gray: Any, min_size: int) -> list[tuple[int, int, int, int]]:
    import cv2

    haar = cv2.data.haarcascades  # type: ignore[attr-defined]
    cascade = cv2.CascadeClassifier(haar + "haarcascade_frontalface_default.xml")
    found = cascade.detectMultiScale(
        gray, scaleFactor=1.05, minNeighbors=3, minSize=(min_size, min_size)
    )
    return [tuple(int(v) for v in r) for r in found]  # type: ignore[misc]


def face_metrics(original: Any, encoded: Any, face: scenes.Placed) -> tuple[bool, float]:
    """(found by the detector, SSIM against the original) for one face in one photo."""
    import numpy as np
    from PIL import Image
    from skimage.metrics import structural_similarity

    left, top, right, bottom = face.box
    fw = right - left
    region = scenes.crop_scaled(encoded, face.box, 1.0)
    zoom = 96 / (fw * encoded.width / scenes.PHONE_SIZE[0])  # face zoomed to 96 px, alike
    big = region.resize(
        (max(1, round(region.width * zoom)), max(1, round(region.height * zoom))),
        Image.Resampling.BICUBIC,
    )
    expected = (96.0, 96.0 * (bottom - top) / fw)  # the face is at the middle third
    cx, cy = big.width / 2, big.height / 2
    hit = False
    for x, y, w, h in detect(np.asarray(big.convert("L")), min_size=48):
        ix = max(0.0, min(x + w, cx + expected[0] / 2) - max(x, cx - expected[0] / 2))
        iy = max(0.0, min(y + h, cy + expected[1] / 2) - max(y, cy - expected[1] / 2))
        inter = ix * iy
        union = w * h + expected[0] * expected[1] - inter
        hit = hit or inter / union >= 0.3
    ref = np.asarray(original.crop(face.box).convert("L"))
    got = scenes.crop_scaled(encoded, face.box, 0.0).convert("L")
    got = got.resize((ref.shape[1], ref.shape[0]), Image.Resampling.BICUBIC)
    ssim = float(structural_similarity(ref, np.asarray(got), data_range=255))  # type: ignore[no-untyped-call]
    return hit, ssim


def measure(
    encoders: dict[str, Encoder],
    settings: list[Setting],
    tmp: Path,
    plate_scenes: int = PLATE_SCENES,
    face_scenes: int = FACE_SCENES,
) -> dict[str, Any]:
    """results[encoder][setting] = {bytes: [...], plates: {d: [ok]}, faces: {d: [(hit, ssim)]}}."""
    from PIL import Image

    results: dict[str, Any] = {
        name: {s: {"bytes": [], "plates": {}, "faces": {}} for s in settings} for name in encoders
    }
    for seed in range(1, plate_scenes + 1):
        scene = scenes.plate_scene(seed)
        jpeg = scene.jpeg()
        for name, encode in encoders.items():
            for setting, out in zip(settings, encode(jpeg, settings), strict=True):
                image = Image.open(io.BytesIO(out))
                cell = results[name][setting]
                cell["bytes"].append(len(out))
                crops = [scenes.plate_crop(image, p) for p in scene.plates]
                for plate, got in zip(scene.plates, scenes.read_plates(crops, tmp), strict=True):
                    ok = scenes.plate_read(plate.label, got)
                    cell["plates"].setdefault(plate.distance_m, []).append(ok)
        print(f"  plates: scene {seed} done", flush=True)
    sources = face_sources()
    for distance in FACE_DISTANCES:
        for seed in range(101, 101 + face_scenes):
            scene = scenes.face_scene(seed, sources, distance)
            jpeg = scene.jpeg()
            for name, encode in encoders.items():
                for setting, out in zip(settings, encode(jpeg, settings), strict=True):
                    image = Image.open(io.BytesIO(out))
                    cell = results[name][setting]
                    cell["bytes"].append(len(out))
                    for face in scene.faces:
                        metric = face_metrics(scene.image, image, face)
                        cell["faces"].setdefault(distance, []).append(metric)
        print(f"  faces: {distance:g} m done", flush=True)
    return results


def summary(cell: dict[str, Any]) -> dict[str, float]:
    out = {"bytes": sum(cell["bytes"]) / len(cell["bytes"])}
    for d, oks in cell["plates"].items():
        out[f"plate {d:g} m"] = sum(oks) / len(oks)
    for d, metrics in cell["faces"].items():
        out[f"face {d:g} m"] = sum(h for h, _ in metrics) / len(metrics)
        out[f"ssim {d:g} m"] = sum(s for _, s in metrics) / len(metrics)
    return out


def table(results: dict[str, Any]) -> str:
    lines = []
    for name, cells in results.items():
        base = summary(cells[BASELINE])
        keys = list(base)
        lines += [f"\n### {name}\n", "| setting | " + " | ".join(keys) + " |"]
        lines.append("| --- |" + " ---: |" * len(keys))
        for (side, q), cell in sorted(cells.items()):
            s = summary(cell)
            values = [f"{s['bytes'] / 1000:.0f} kB ({s['bytes'] / base['bytes']:.2f}×)"]
            values += [f"{s[k]:.2f}" for k in keys[1:]]
            lines.append(f"| {side} / {q:g} | " + " | ".join(values) + " |")
    return "\n".join(lines) + "\n"


def goal(path: str, key: str) -> str:
    if key == "bytes":
        # The intake's photo never crosses the reporter's network (the original did).
        return "smaller" if path == "browser" else "report (stored only)"
    if key in ("plate 10 m", "face 5 m"):
        return "≥ 1600/0.85 (the distances that matter)"
    return "report"


def rows(results: dict[str, Any]) -> list[dict[str, Any]]:
    """For `make bench`: each path's setting in force against 1600/0.85, same run."""
    out = []
    for name, setting in zip(("browser", "pillow"), in_force(), strict=True):
        now, base = summary(results[name][setting]), summary(results[name][BASELINE])
        label = f"{name} {setting[0]}/{setting[1]:g} vs {BASELINE[0]}/{BASELINE[1]:g}"
        for key, value in now.items():
            ratio = value / base[key] if base[key] else None
            unit = "bytes/photo" if key == "bytes" else ("SSIM" if "ssim" in key else "share")
            out.append(
                {
                    "name": f"{label}: {key}",
                    "value": round(value, 3),
                    "unit": unit,
                    "baseline": round(base[key], 3),
                    "ratio": None if ratio is None else round(ratio, 3),
                    "goal": goal(name, key),
                }
            )
    return out


def run(
    settings: list[Setting] | None = None,
    plate_scenes: int = PLATE_SCENES,
    face_scenes: int = FACE_SCENES,
) -> list[dict[str, Any]]:
    settings = settings or grid()
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        browser = Browser(tmp)
        try:
            encoders: dict[str, Encoder] = {"browser": browser.encode, "pillow": pillow_encode}
            results = measure(encoders, settings, tmp, plate_scenes, face_scenes)
        finally:
            browser.close()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(
        "# Photo re-encode: bytes and legibility (bench/photos.py)\n\n"
        f"{plate_scenes} plates per distance, {2 * face_scenes} faces per distance."
        " Plates: share read exactly by tesseract; faces: share found by the Haar"
        " cascade, and SSIM against the phone's original.\n" + table(results)
    )
    print(table(results))
    return rows(results)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sides", help="long sides, e.g. 1600,2000 (default: the grid)")
    parser.add_argument("--qualities", help="JPEG qualities, e.g. 0.6,0.85 (default: the grid)")
    parser.add_argument("--plates", type=int, default=PLATE_SCENES, help="plates per distance")
    parser.add_argument("--faces", type=int, default=FACE_SCENES, help="face scenes per distance")
    args = parser.parse_args()
    sides = tuple(int(v) for v in args.sides.split(",")) if args.sides else SIDES
    qualities = tuple(float(v) for v in args.qualities.split(",")) if args.qualities else QUALITIES
    for r in run(grid(sides, qualities), args.plates, args.faces):
        ratio = f" (ratio {r['ratio']:.2f})" if r["ratio"] is not None else ""
        print(f"{r['name']}: {r['value']} {r['unit']}{ratio}")
    print(f"Full grid: {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
