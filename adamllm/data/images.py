"""Images as they come: checks (missing, empty, undecodable, too many pixels, a shape a model family cannot
take), high-bit-depth images brought to 8 bits by their real value range, and the blank image.

The rule for 16-bit, 32-bit integer and float images (medical and remote-sensing data often are): their
finite values are mapped linearly from [min, max] onto 0…255 (a constant image becomes black; NaN and
infinities become 0) and the result is used as a greyscale image. Pillow's own conversion clips them to
0…255 instead, which washes 16-bit images out to white and float images in [0, 1] to black.
"""

from __future__ import annotations

import os
from pathlib import Path

from PIL import Image, UnidentifiedImageError

# Modes whose pixel values are not 8-bit: scaled by their real value range (:func:`to_8bit`).
HIGH_BIT_MODES = frozenset({"I;16", "I;16B", "I;16L", "I;16N", "I", "F"})
# More pixels than this is a bad record (a decompression bomb, or more than any model family takes in).
MAX_PIXELS = Image.MAX_IMAGE_PIXELS


def max_aspect_ratio() -> float:
    """The strictest long-to-short side ratio any registered model family accepts."""
    from adamllm.models.families import FAMILIES

    return min((f.max_aspect_ratio for f in FAMILIES.values() if f.max_aspect_ratio), default=float("inf"))


def image_problem(path) -> str | None:
    """Why the image at ``path`` cannot be used, or None when every model family can take it."""
    path = Path(path)
    if not path.is_file():
        return f"image not found: {path}"
    if os.path.getsize(path) == 0:
        return f"image is empty (0 bytes): {path}"
    try:
        with Image.open(path) as image:
            width, height = image.size
            if width * height > MAX_PIXELS:
                return f"image has {width}×{height} pixels, more than the {MAX_PIXELS} allowed: {path}"
            ratio = max(width, height) / max(min(width, height), 1)
            if ratio > max_aspect_ratio():
                return (
                    f"image is {width}×{height}: its sides' ratio {ratio:.0f} exceeds the {max_aspect_ratio():.0f} "
                    f"some model families accept: {path}"
                )
            image.load()
    except Image.DecompressionBombError as err:
        return f"image has too many pixels (decompression bomb guard): {path} ({err})"
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as err:
        return f"image cannot be decoded: {path} ({err})"
    return None


def to_8bit(image: Image.Image) -> Image.Image:
    """A high-bit-depth image as 8-bit greyscale by its real value range (see the module's rule)."""
    import numpy as np

    values = np.asarray(image, dtype=np.float64)
    finite = np.isfinite(values)
    low, high = (values[finite].min(), values[finite].max()) if finite.any() else (0.0, 0.0)
    scaled = np.where(finite, values - low, 0.0) * (255.0 / (high - low) if high > low else 0.0)
    return Image.fromarray(np.clip(np.rint(scaled), 0, 255).astype(np.uint8))  # uint8, 2-D: mode L


def rgb(image: Image.Image) -> Image.Image:
    """An opened image as 8-bit RGB (high-bit-depth modes scaled, not clipped)."""
    return (to_8bit(image) if image.mode in HIGH_BIT_MODES else image).convert("RGB")


def load_rgb(path) -> Image.Image:
    """Open an image as 8-bit RGB."""
    with Image.open(path) as image:
        return rgb(image)


def as_rgb(image) -> Image.Image:
    """An RGB image from a path or a PIL image."""
    return load_rgb(image) if isinstance(image, (str, os.PathLike)) else rgb(image)


def is_high_bit(path) -> bool:
    with Image.open(path) as image:
        return image.mode in HIGH_BIT_MODES


def usable_image(path, converted_dir, name: str) -> str:
    """The path training code may open with any loader: ``path`` itself, or for a high-bit-depth image an
    8-bit PNG copy (:func:`to_8bit`) written as ``<converted_dir>/<name>.png``."""
    if not is_high_bit(path):
        return str(path)
    from adamllm.core.io import atomic_write

    target = Path(converted_dir) / f"{name}.png"
    with atomic_write(target, "wb") as handle:
        load_rgb(path).save(handle, format="PNG")
    return str(target)


def write_blank_image(path, size: int = 336) -> None:
    """A plain white square, used in place of some seed images (docs/method.md §2)."""
    from adamllm.core.io import atomic_write

    with atomic_write(path, "wb") as handle:
        Image.new("RGB", (size, size), (255, 255, 255)).save(handle, format="JPEG", quality=95)
