import os
import shutil
from pathlib import Path

import pytest
from PIL import Image

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ROOT = Path(__file__).resolve().parents[1]
# What a copy of the workflow leaves behind: environments, outputs, Snakemake state, caches.
NOT_COPIED = shutil.ignore_patterns(
    ".venv*", "results", "resources", "logs", ".snakemake", ".git", "__pycache__", ".cache", ".pytest_cache"
)


def copy_workflow(dest) -> Path:
    """A clean copy of this checkout at ``dest`` (no outputs), to run Snakemake in."""
    shutil.copytree(ROOT, dest, ignore=NOT_COPIED)
    return Path(dest)


@pytest.fixture
def make_image(tmp_path):
    """Write a small decodable JPEG and return its path."""

    def make(name, colour=(200, 30, 30), folder=None):
        path = Path(folder or tmp_path) / name
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.new("RGB", (40, 30), colour).save(path, format="JPEG")
        return path

    return make


@pytest.fixture(scope="session")
def tiny_corpus(tmp_path_factory):
    """Local text for tiny tokenizers: the bundled seed captions and the consistency template."""
    folder = tmp_path_factory.mktemp("corpus")
    for source in ("data_samples/seed/ALLaVA-Caption-VFLAN-4V.json", "adamllm/templates/consistency_prompt.txt"):
        shutil.copy(ROOT / source, folder)
    return sorted(folder.iterdir())
