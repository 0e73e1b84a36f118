"""Image checks (missing, empty, undecodable) and the blank image of the synthesizer training set."""

from __future__ import annotations

import os
from pathlib import Path

from PIL import Image, UnidentifiedImageError


def image_problem(path) -> str | None:
    """Why the image at ``path`` cannot be used, or None when it decodes."""
    path = Path(path)
    if not path.is_file():
        return f"image not found: {path}"
    if os.path.getsize(path) == 0:
        return f"image is empty (0 bytes): {path}"
    try:
        with Image.open(path) as image:
            image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as err:
        return f"image cannot be decoded: {path} ({err})"
    return None


def load_rgb(path) -> Image.Image:
    """Open an image as RGB."""
    with Image.open(path) as image:
        return image.convert("RGB")


def as_rgb(image) -> Image.Image:
    """An RGB image from a path or a PIL image."""
    return load_rgb(image) if isinstance(image, (str, os.PathLike)) else image.convert("RGB")


def write_blank_image(path, size: int = 336) -> None:
    """A plain white square, used in place of some seed images (docs/method.md §2)."""
    from adamllm.io import atomic_write

    with atomic_write(path, "wb") as handle:
        Image.new("RGB", (size, size), (255, 255, 255)).save(handle, format="JPEG", quality=95)
