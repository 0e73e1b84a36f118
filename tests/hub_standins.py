"""A local Hugging Face cache holding stand-ins for hub repositories, in their real layouts.

The hub is unreachable here. `huggingface_hub` reads a repository offline from its cache: the snapshot a
ref (``main``) names, under ``<cache>/<models|datasets>--<org>--<name>/``. These helpers put stand-ins
there: files of our data samples under the real file names, tiny models of the right family, and
benchmark datasets with the real column names and an image feature.
"""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

COMMIT = "0" * 40


def cache_repo(cache: Path, repo_id: str, files: dict[str, Path], kind: str = "datasets") -> Path:
    """Put ``files`` (name in the repository → source file or folder) into the cache as the snapshot
    ``main`` names; return the snapshot folder."""
    repo = Path(cache) / f"{kind}--{repo_id.replace('/', '--')}"
    snapshot = repo / "snapshots" / COMMIT
    (repo / "refs").mkdir(parents=True, exist_ok=True)
    (repo / "refs" / "main").write_text(COMMIT)
    for name, source in files.items():
        target = snapshot / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if Path(source).is_dir():
            shutil.copytree(source, target, dirs_exist_ok=True)
        else:
            shutil.copyfile(source, target)
    return snapshot


def cache_model(cache: Path, repo_id: str, folder: Path, max_positions: int | None = None) -> Path:
    """A model folder as the hub repository ``repo_id``; ``max_positions`` widens a tiny model's context so
    an engine accepts the paper's context lengths (a stand-in property, not the real model's)."""
    snapshot = cache_repo(cache, repo_id, {p.name: p for p in Path(folder).iterdir()}, kind="models")
    if max_positions:
        config_file = snapshot / "config.json"
        config = json.loads(config_file.read_text())
        for section in (config, config.get("text_config") or {}):
            if "max_position_embeddings" in section:
                section["max_position_embeddings"] = max_positions
        config_file.write_text(json.dumps(config, indent=2))
    return snapshot


def zip_folder(folder: Path, archive: Path) -> Path:
    with zipfile.ZipFile(archive, "w") as handle:
        for path in sorted(p for p in Path(folder).rglob("*") if p.is_file()):
            handle.write(path, path.relative_to(folder).as_posix())
    return archive


def cache_benchmark(cache: Path, repo_id: str, subsets: dict[str, list[dict]], work: Path) -> Path:
    """A `datasets` repository with one config per subset (split ``test``) stored as Parquet with the
    dataset's features: ``image`` an Image feature holding the bytes of the file a row names, the other
    columns as given.
    The README's ``configs`` metadata maps each config to its files, as on the hub."""
    from datasets import Dataset, Image

    files, configs = {}, []
    for name, rows in subsets.items():
        cells = [{**row, "image": {"bytes": Path(row["image"]).read_bytes(), "path": None}} for row in rows]
        table = Dataset.from_list(cells)
        table = table.cast_column("image", Image())
        path = Path(work) / name / "test-00000-of-00001.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        table.to_parquet(str(path))
        files[f"{name}/{path.name}"] = path
        configs.append(f"- config_name: {name}\n  data_files:\n  - split: test\n    path: {name}/test-*.parquet\n")
    readme = Path(work) / "README.md"
    readme.write_text("---\nconfigs:\n" + "".join(configs) + "---\n# stand-in\n")
    files["README.md"] = readme
    return cache_repo(cache, repo_id, files)
