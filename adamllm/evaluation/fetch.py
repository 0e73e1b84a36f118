"""Benchmark rows from the Hugging Face hub, fetched once per benchmark and kept as local rows.

The test split at a pinned revision becomes ``<task>.jsonl`` (the row's fields, ``id`` = its index, and
``image`` = a file in ``<task>_images/`` beside it, the dataset's own bytes), so every prediction job reads
local files: GPU nodes need no network, and the vLLM environment no ``datasets``.
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

from tqdm import tqdm

from adamllm.core.io import write_jsonl
from adamllm.evaluation.tasks import get_benchmark, internal_row

EXTENSIONS = {"JPEG": ".jpg", "PNG": ".png", "GIF": ".gif", "BMP": ".bmp", "TIFF": ".tif", "WEBP": ".webp"}


def images_dir(rows_file) -> Path:
    """The folder the images of a fetched rows file lie in."""
    rows_file = Path(rows_file)
    return rows_file.with_name(f"{rows_file.stem}_images")


def _image_bytes(cell) -> bytes:
    """The stored bytes of an undecoded ``Image`` cell (``{"bytes", "path"}``)."""
    if cell.get("bytes"):
        return cell["bytes"]
    return Path(cell["path"]).read_bytes()


def fetch_benchmark(task: str, revision: str, out, definitions: dict | None = None) -> int:
    """Write the test split of ``task`` (its definition: bundled, or in ``definitions``, name → file) at
    ``revision`` as local rows with our field names (id, image, input, label, the extra fields); return
    the number of rows.

    The dataset repository is resolved through the Hugging Face cache (``snapshot_download``: offline, a
    cached snapshot serves), then loaded from that folder by its configs, as ``load_dataset`` would.
    """
    from datasets import Image, load_dataset
    from huggingface_hub import snapshot_download
    from PIL import Image as PILImage

    benchmark = get_benchmark(task, definitions)
    hub = benchmark.hub
    folder = snapshot_download(hub["dataset"], repo_type="dataset", revision=revision)
    split = hub.get("split", "test")
    dataset = load_dataset(folder, hub["config"], split=split).cast_column(benchmark.image_field, Image(decode=False))
    out = Path(out)
    images = images_dir(out)
    partial = images.with_name(images.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)

    rows = []
    for index, row in enumerate(tqdm(dataset, desc=task, unit="row")):
        data = _image_bytes(row[benchmark.image_field])
        with PILImage.open(io.BytesIO(data)) as image:
            name = f"{index}{EXTENSIONS.get(image.format, '.img')}"
        (partial / name).write_bytes(data)
        rows.append({"id": index, **internal_row(benchmark, row), "image": f"{images.name}/{name}"})
    shutil.rmtree(images, ignore_errors=True)
    partial.rename(images)
    return write_jsonl(out, rows)  # last: the rows file exists only with all its images
