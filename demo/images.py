"""Pillow renderer for synthetic ad creatives whose look is fixed by their latent attributes."""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from PIL import Image, ImageChops, ImageDraw, ImageFont

Box = tuple[float, float, float, float]
RGB = tuple[int, int, int]


@dataclass(frozen=True)
class Palette:
    """Colours of one creative: background gradient, product, accent, text."""

    bg_top: RGB
    bg_bottom: RGB
    product: RGB
    accent: RGB
    text: RGB


PALETTES: dict[str, Palette] = {
    "warm": Palette((255, 196, 102), (214, 72, 20), (176, 30, 36), (255, 226, 64), (58, 26, 18)),
    "cool": Palette((206, 232, 252), (22, 78, 160), (0, 140, 132), (40, 210, 230), (12, 34, 84)),
    "pastel": Palette((253, 232, 240), (222, 240, 252), (200, 150, 214), (255, 196, 178),
                      (92, 70, 96)),
    "monochrome": Palette((246, 246, 246), (150, 150, 150), (34, 34, 34), (96, 96, 96),
                          (16, 16, 16)),
    "neon": Palette((36, 0, 70), (0, 0, 0), (57, 255, 20), (255, 0, 220), (0, 245, 255)),
    "earthy": Palette((222, 208, 176), (116, 82, 62), (86, 108, 50), (196, 150, 96),
                      (52, 38, 26)),
}
LAYOUTS = ("hero", "split", "grid", "banner", "minimal")
SHAPES = ("bottle", "box", "shoe", "can", "phone")
BACKGROUNDS = ("gradient", "noise", "flat")
# Width/height of each product drawing, so shapes keep their proportions in any box.
_SHAPE_ASPECT = {"bottle": 0.45, "box": 0.9, "shoe": 1.8, "can": 0.6, "phone": 0.5}
_GRADIENT_GRID = 64
_GRAIN_BLOCK = 3
_GRAIN_OFFSET = 48


def render_creative_image(attrs: Mapping[str, Any], *, size: tuple[int, int] = (512, 512)) -> bytes:
    """Render a creative as PNG bytes from its attributes; the same attributes give the same bytes."""
    rng = np.random.default_rng(int(attrs.get("seed", 0)))
    palette = _jitter(PALETTES[attrs.get("palette", "warm")], rng)
    image = _background(size, palette, attrs.get("background", "gradient"), rng)
    painter = _LAYOUT_PAINTERS[attrs.get("layout", "hero")]
    painter(ImageDraw.Draw(image), size, palette, attrs)
    buffer = io.BytesIO()
    # Fast compression: the demo renders hundreds of images and PNG size hardly matters there.
    image.save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def _jitter(palette: Palette, rng: np.random.Generator) -> Palette:
    # Small per-creative shifts make images of one palette differ without blurring palettes together.
    shift = rng.integers(-14, 15, size=(5, 3))
    colours = [palette.bg_top, palette.bg_bottom, palette.product, palette.accent, palette.text]
    jittered = np.clip(np.array(colours) + shift, 0, 255)
    return Palette(*(tuple(int(v) for v in colour) for colour in jittered))


def _background(size: tuple[int, int], palette: Palette, kind: str, rng: np.random.Generator) -> Image.Image:
    if kind == "flat":
        return Image.new("RGB", size, palette.bg_top)
    # The gradient is computed on a small grid and upscaled by Pillow: same look, a fraction of
    # the numpy work at full size. Its direction varies per creative: vertical to diagonal.
    tilt = float(rng.uniform(0.0, 0.6))
    steps = np.linspace(0.0, 1.0, _GRADIENT_GRID)
    t = (steps[:, None] + tilt * steps[None, :]) / (1.0 + tilt)
    mask = Image.fromarray((t * 255).astype(np.uint8), "L").resize(size, Image.Resampling.BILINEAR)
    image = Image.composite(Image.new("RGB", size, palette.bg_bottom),
                            Image.new("RGB", size, palette.bg_top), mask)
    if kind == "noise":
        image = ImageChops.add(image, _grain(size, rng), offset=-_GRAIN_OFFSET)
    return image


def _grain(size: tuple[int, int], rng: np.random.Generator) -> Image.Image:
    # Coarse grain (one value per 3x3 block): visibly textured, yet runs of equal pixels keep PNG
    # encoding fast; per-pixel noise tripled the render time.
    width, height = size
    coarse = (max(1, width // _GRAIN_BLOCK), max(1, height // _GRAIN_BLOCK))
    values = np.clip(rng.normal(_GRAIN_OFFSET, 14.0, size=coarse[::-1]), 0, 255).astype(np.uint8)
    grain = Image.fromarray(values, "L").resize(size, Image.Resampling.NEAREST)
    return grain.convert("RGB")


def _paint_hero(draw: ImageDraw.ImageDraw, size: tuple[int, int], palette: Palette,
                attrs: Mapping[str, Any]) -> None:
    width, height = size
    side = float(attrs.get("product_scale", 0.55)) * min(width, height)
    centre_x, centre_y = width / 2, height * 0.55
    product_box = (centre_x - side / 2, centre_y - side / 2, centre_x + side / 2, centre_y + side / 2)
    _draw_text(draw, attrs.get("headline", ""), (0.08 * width, 0.04 * height, 0.92 * width,
               0.2 * height), palette.text, align_centre=True)
    _draw_product(draw, attrs.get("shape", "box"), product_box, palette.product, palette.accent)
    _draw_cta(draw, attrs.get("cta", "Shop now"), (width / 2, 0.9 * height), palette, height)


def _paint_split(draw: ImageDraw.ImageDraw, size: tuple[int, int], palette: Palette,
                 attrs: Mapping[str, Any]) -> None:
    width, height = size
    draw.rectangle((0, 0, width / 2, height), fill=palette.accent)
    side = float(attrs.get("product_scale", 0.55)) * min(width / 2, height) * 1.4
    product_box = (width / 4 - side / 2, height / 2 - side / 2, width / 4 + side / 2, height / 2 + side / 2)
    _draw_product(draw, attrs.get("shape", "box"), product_box, palette.product, palette.text)
    _draw_text(draw, attrs.get("headline", ""), (0.54 * width, 0.12 * height, 0.96 * width,
               0.62 * height), palette.text, align_centre=False)
    _draw_cta(draw, attrs.get("cta", "Shop now"), (0.75 * width, 0.8 * height), palette, height)


def _paint_grid(draw: ImageDraw.ImageDraw, size: tuple[int, int], palette: Palette,
                attrs: Mapping[str, Any]) -> None:
    width, height = size
    draw.rectangle((0, 0, width, 0.2 * height), fill=palette.text)
    _draw_text(draw, attrs.get("headline", ""), (0.05 * width, 0.03 * height, 0.95 * width,
               0.17 * height), palette.bg_top, align_centre=True)
    cell_w, cell_h, top = width / 2, 0.8 * height / 2, 0.2 * height
    colours = (palette.product, palette.accent, palette.accent, palette.product)
    for index, colour in enumerate(colours):
        x0, y0 = (index % 2) * cell_w, top + (index // 2) * cell_h
        margin = 0.08 * min(cell_w, cell_h)
        draw.rectangle((x0 + margin / 2, y0 + margin / 2, x0 + cell_w - margin / 2,
                        y0 + cell_h - margin / 2), outline=palette.text, width=2)
        _draw_product(draw, attrs.get("shape", "box"), (x0 + margin, y0 + margin,
                      x0 + cell_w - margin, y0 + cell_h - margin), colour, palette.text)


def _paint_banner(draw: ImageDraw.ImageDraw, size: tuple[int, int], palette: Palette,
                  attrs: Mapping[str, Any]) -> None:
    width, height = size
    _draw_text(draw, attrs.get("headline", ""), (0.06 * width, 0.05 * height, 0.94 * width,
               0.45 * height), palette.text, align_centre=False)
    _draw_text(draw, attrs.get("body", ""), (0.06 * width, 0.48 * height, 0.94 * width,
               0.72 * height), palette.text, align_centre=False, max_size=28)
    side = 0.22 * min(width, height)
    product_box = (0.06 * width, 0.94 * height - side, 0.06 * width + side, 0.94 * height)
    _draw_product(draw, attrs.get("shape", "box"), product_box, palette.product, palette.accent)
    _draw_cta(draw, attrs.get("cta", "Shop now"), (0.72 * width, 0.86 * height), palette, height)


def _paint_minimal(draw: ImageDraw.ImageDraw, size: tuple[int, int], palette: Palette,
                   attrs: Mapping[str, Any]) -> None:
    width, height = size
    side = 0.6 * float(attrs.get("product_scale", 0.55)) * min(width, height)
    centre_x, centre_y = width / 2, height * 0.45
    product_box = (centre_x - side / 2, centre_y - side / 2, centre_x + side / 2, centre_y + side / 2)
    _draw_product(draw, attrs.get("shape", "box"), product_box, palette.product, palette.accent)
    _draw_text(draw, attrs.get("headline", ""), (0.2 * width, 0.72 * height, 0.8 * width,
               0.82 * height), palette.text, align_centre=True, max_size=24)
    cta_y = 0.9 * height
    draw.line((0.4 * width, cta_y + 15, 0.6 * width, cta_y + 15), fill=palette.text, width=2)
    _draw_text(draw, attrs.get("cta", "Shop now"), (0.3 * width, cta_y - 12, 0.7 * width, cta_y + 10),
               palette.text, align_centre=True, max_size=18)


_LAYOUT_PAINTERS: dict[str, Callable[..., None]] = {
    "hero": _paint_hero, "split": _paint_split, "grid": _paint_grid,
    "banner": _paint_banner, "minimal": _paint_minimal,
}


def _draw_product(draw: ImageDraw.ImageDraw, shape: str, box: Box, fill: RGB, detail: RGB) -> None:
    box = _fit(box, _SHAPE_ASPECT[shape])
    _SHAPE_PAINTERS[shape](draw, box, fill, detail)


def _fit(box: Box, aspect: float) -> Box:
    x0, y0, x1, y1 = box
    width, height = x1 - x0, y1 - y0
    if width / height > aspect:
        width = height * aspect
    else:
        height = width / aspect
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    return (cx - width / 2, cy - height / 2, cx + width / 2, cy + height / 2)


def _shade(colour: RGB, factor: float) -> RGB:
    return tuple(int(min(255, max(0, c * factor))) for c in colour)  # type: ignore[return-value]


def _draw_bottle(draw: ImageDraw.ImageDraw, box: Box, fill: RGB, detail: RGB) -> None:
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    draw.rectangle((x0 + 0.36 * w, y0, x1 - 0.36 * w, y0 + 0.12 * h), fill=detail)
    draw.rectangle((x0 + 0.38 * w, y0 + 0.1 * h, x1 - 0.38 * w, y0 + 0.34 * h), fill=fill)
    draw.rounded_rectangle((x0, y0 + 0.3 * h, x1, y1), radius=0.25 * w, fill=fill)
    draw.rectangle((x0 + 0.12 * w, y0 + 0.52 * h, x1 - 0.12 * w, y0 + 0.78 * h), fill=detail)


def _draw_box(draw: ImageDraw.ImageDraw, box: Box, fill: RGB, detail: RGB) -> None:
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    front_right, lid = x0 + 0.75 * w, y0 + 0.22 * h
    draw.polygon([(x0, lid), (x0 + 0.25 * w, y0), (x1, y0), (front_right, lid)], fill=_shade(fill, 1.3))
    draw.polygon([(front_right, lid), (x1, y0), (x1, y1 - 0.22 * h), (front_right, y1)],
                 fill=_shade(fill, 0.65))
    draw.rectangle((x0, lid, front_right, y1), fill=fill)
    draw.rectangle((x0 + 0.1 * w, y0 + 0.5 * h, front_right - 0.1 * w, y0 + 0.68 * h), fill=detail)


def _draw_shoe(draw: ImageDraw.ImageDraw, box: Box, fill: RGB, detail: RGB) -> None:
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    upper = [(x0 + 0.02 * w, y0 + 0.78 * h), (x0 + 0.04 * w, y0 + 0.15 * h),
             (x0 + 0.3 * w, y0 + 0.08 * h), (x0 + 0.5 * w, y0 + 0.42 * h),
             (x1 - 0.08 * w, y0 + 0.55 * h), (x1, y0 + 0.78 * h)]
    draw.polygon(upper, fill=fill)
    draw.rounded_rectangle((x0, y0 + 0.74 * h, x1, y1), radius=0.1 * h, fill=detail)
    for step in range(3):
        lx = x0 + (0.28 + 0.07 * step) * w
        draw.line((lx, y0 + (0.2 + 0.1 * step) * h, lx + 0.08 * w, y0 + (0.3 + 0.1 * step) * h),
                  fill=detail, width=max(1, int(0.04 * h)))


def _draw_can(draw: ImageDraw.ImageDraw, box: Box, fill: RGB, detail: RGB) -> None:
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    cap = 0.12 * h
    draw.ellipse((x0, y1 - cap, x1, y1), fill=_shade(fill, 0.7))
    draw.rectangle((x0, y0 + cap / 2, x1, y1 - cap / 2), fill=fill)
    draw.ellipse((x0, y0, x1, y0 + cap), fill=_shade(fill, 1.35))
    draw.rectangle((x0, y0 + 0.4 * h, x1, y0 + 0.6 * h), fill=detail)
    draw.ellipse((x0 + 0.3 * w, y0 + 0.42 * h, x1 - 0.3 * w, y0 + 0.58 * h), fill=fill)


def _draw_phone(draw: ImageDraw.ImageDraw, box: Box, fill: RGB, detail: RGB) -> None:
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    draw.rounded_rectangle(box, radius=0.14 * w, fill=_shade(fill, 0.45))
    draw.rounded_rectangle((x0 + 0.07 * w, y0 + 0.05 * h, x1 - 0.07 * w, y1 - 0.05 * h),
                           radius=0.08 * w, fill=fill)
    for row in range(3):
        top = y0 + (0.25 + 0.2 * row) * h
        draw.rectangle((x0 + 0.2 * w, top, x1 - 0.2 * w, top + 0.1 * h), fill=detail)
    draw.ellipse((x0 + 0.45 * w, y0 + 0.07 * h, x0 + 0.55 * w, y0 + 0.07 * h + 0.1 * w), fill=detail)


_SHAPE_PAINTERS: dict[str, Callable[[ImageDraw.ImageDraw, Box, RGB, RGB], None]] = {
    "bottle": _draw_bottle, "box": _draw_box, "shoe": _draw_shoe, "can": _draw_can,
    "phone": _draw_phone,
}


def _draw_cta(draw: ImageDraw.ImageDraw, label: str, centre: tuple[float, float], palette: Palette,
              height: int) -> None:
    font = _font(max(10, int(0.045 * height)))
    text_w = draw.textlength(label, font=font)
    pad_x, half_h = 0.6 * font.size, 0.9 * font.size
    cx, cy = centre
    draw.rounded_rectangle((cx - text_w / 2 - pad_x, cy - half_h, cx + text_w / 2 + pad_x, cy + half_h),
                           radius=half_h, fill=palette.accent, outline=palette.text, width=2)
    draw.text((cx, cy), label, font=font, fill=palette.text, anchor="mm")


def _draw_text(draw: ImageDraw.ImageDraw, text: str, box: Box, colour: RGB, *,
               align_centre: bool, max_size: int = 56) -> None:
    x0, y0, x1, y1 = box
    size, lines = _fit_text(draw, text, x1 - x0, y1 - y0, max_size)
    font = _font(size)
    line_height = 1.2 * size
    for index, line in enumerate(lines):
        y = y0 + index * line_height
        if align_centre:
            draw.text(((x0 + x1) / 2, y), line, font=font, fill=colour, anchor="ma")
        else:
            draw.text((x0, y), line, font=font, fill=colour)


def _fit_text(draw: ImageDraw.ImageDraw, text: str, width: float, height: float,
              max_size: int) -> tuple[int, list[str]]:
    # Largest font size whose word-wrapped lines fit the box, like a designer sizing a headline.
    size = max_size
    while size > 10:
        font = _font(size)
        lines = _wrap(draw, text, font, width)
        fits_width = all(draw.textlength(line, font=font) <= width for line in lines)
        if fits_width and len(lines) * 1.2 * size <= height:
            return size, lines
        size -= 4
    return 10, _wrap(draw, text, _font(10), width)


def _wrap(draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, width: float) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        candidate = f"{lines[-1]} {word}" if lines else word
        if lines and draw.textlength(candidate, font=font) <= width:
            lines[-1] = candidate
        else:
            lines.append(word)
    return lines


@lru_cache(maxsize=64)
def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=size)
