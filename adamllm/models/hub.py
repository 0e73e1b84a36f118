"""Downloads from the Hugging Face hub at pinned revisions (paper-scale runs only; the demo is offline)."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

from adamllm.core.io import atomic_write


def _fetch(source: dict, filename: str) -> str:
    from huggingface_hub import hf_hub_download

    return hf_hub_download(source["repo_id"], filename, repo_type="dataset", revision=source["revision"])


def fetch_file(source: dict, filename: str, target) -> None:
    """Copy one dataset file to ``target`` (atomically)."""
    with open(_fetch(source, filename), "rb") as src, atomic_write(target, "wb") as dst:
        shutil.copyfileobj(src, dst)


def fetch_zip(source: dict, filename: str, target_dir) -> None:
    """Unpack a zip archive of the dataset into ``target_dir``; a crash leaves only ``*.partial``."""
    target_dir = Path(target_dir)
    partial = target_dir.with_name(target_dir.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    with zipfile.ZipFile(_fetch(source, filename)) as archive:
        archive.extractall(partial)
    partial.rename(target_dir)
