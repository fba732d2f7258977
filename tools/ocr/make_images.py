#!/usr/bin/env python3
"""Renders the OCR test images with known text (go/ocr/testdata/images/) and
writes their ground truth (go/ocr/testdata/truth.json).

Fonts from Debian packages: fonts-dejavu-core, fonts-liberation2,
fonts-wqy-microhei. Needs Pillow and numpy. Deterministic (fixed seeds), so
running it again rewrites the same files:

    python3 tools/ocr/make_images.py go/ocr/testdata
"""
import json
import os
import sys

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONTS = {
    "dejavu": "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "dejavu-serif": "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf",
    "dejavu-mono": "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf",
    "liberation-sans": "/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf",
    "liberation-serif": "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf",
    "liberation-mono": "/usr/share/fonts/truetype/liberation2/LiberationMono-Regular.ttf",
    "wqy": "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
}

# name, kind (clear: exact text expected; hard: a bound on the character
# error rate), font, size, lines, and the distortions. Clear texts avoid what
# the font itself makes ambiguous (O and 0 in a monospace font, a space
# between Chinese characters).
CASES = [
    ("sample", "clear", "wqy", 30, ["pdsafe reads text from images", "PP-OCR detection and recognition", "飞桨文字识别2026"], {}),
    ("latin_dejavu", "clear", "dejavu", 32, ["The quick brown fox", "jumps over the lazy dog"], {}),
    ("latin_libsans", "clear", "liberation-sans", 28, ["Invoice number 48213", "Total due: 1,234.56 EUR"], {}),
    ("latin_libserif", "clear", "liberation-serif", 34, ["Safety first", "Handles, not pointers"], {}),
    ("latin_mono", "clear", "liberation-mono", 26, ["Status 404 not found", "retry after 30 seconds"], {}),
    ("zh_wqy", "clear", "wqy", 36, ["深度学习推理引擎", "中文文字识别测试"], {}),
    ("zh_mixed", "clear", "wqy", 30, ["价格128元", "电话010-62345678"], {}),
    ("serif_dejavu", "clear", "dejavu-serif", 30, ["Paddle models run on CPU", "without crashes"], {}),
    ("small_text", "hard", "dejavu", 16, ["small text is harder to read", "but it should still work"], {}),
    ("rotated_latin", "hard", "liberation-sans", 30, ["Rotated by three degrees", "still readable"], {"rotate": 3}),
    ("rotated_zh", "hard", "wqy", 32, ["图像轻微旋转", "识别仍然正确"], {"rotate": -4}),
    ("noisy_latin", "hard", "dejavu-mono", 28, ["Noise and blur", "make OCR harder"], {"noise": 28, "blur": 0.8}),
    ("noisy_zh", "hard", "wqy", 34, ["噪声图像测试", "模糊的文字"], {"noise": 24, "blur": 0.6}),
    ("lowcontrast", "hard", "liberation-serif", 30, ["Grey on grey", "low contrast text"], {"fg": 110, "bg": 170}),
    ("upside_down", "hard", "dejavu", 30, ["This line is upside down"], {"rotate": 180}),
    ("many_lines", "hard", "liberation-sans", 22, ["First line of a paragraph", "second line with numbers 12345",
                                                   "third line, with punctuation!", "fourth and last line"], {}),
]


def render(font, size, lines, opt, seed):
    f = ImageFont.truetype(FONTS[font], size)
    fg, bg = opt.get("fg", 0), opt.get("bg", 255)
    pad = size
    widths = [f.getbbox(t)[2] for t in lines]
    step = int(size * 1.8)
    w = max(widths) + 2 * pad
    h = step * len(lines) + 2 * pad
    img = Image.new("L", (w, h), bg)
    d = ImageDraw.Draw(img)
    for i, t in enumerate(lines):
        d.text((pad, pad + i * step), t, font=f, fill=fg)
    img = img.convert("RGB")
    if "rotate" in opt:
        img = img.rotate(opt["rotate"], resample=Image.BICUBIC, expand=True, fillcolor=(bg, bg, bg))
    if "blur" in opt:
        img = img.filter(ImageFilter.GaussianBlur(opt["blur"]))
    if "noise" in opt:
        rng = np.random.default_rng(seed)
        a = np.asarray(img).astype(np.float32)
        a += rng.normal(0, opt["noise"], a.shape)
        img = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))
    return img


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "go/ocr/testdata"
    os.makedirs(os.path.join(out, "images"), exist_ok=True)
    truth = []
    for i, (name, kind, font, size, lines, opt) in enumerate(CASES):
        img = render(font, size, lines, opt, seed=i + 1)
        img.save(os.path.join(out, "images", name + ".png"), optimize=True)
        truth.append({"image": name + ".png", "kind": kind, "font": font, "size": size,
                      "distortions": opt, "lines": lines})
    with open(os.path.join(out, "truth.json"), "w", encoding="utf-8") as fh:
        json.dump(truth, fh, ensure_ascii=False, indent=1)
        fh.write("\n")


if __name__ == "__main__":
    main()
