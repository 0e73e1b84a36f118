"""Provenance for audits: what a score depends on, written beside it, and checked again later.

A manifest names the score file and every input it was derived from (files and model folders, each
with a SHA-256), the config values on its lineage, model ids and revisions, package versions of the
run that made the predictions and of the scoring run, and the git commit. Paths are relative to the
workflow folder, and nothing in a manifest depends on when it was written: two runs agree byte for byte.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from importlib import metadata
from pathlib import Path

from adamllm.core.io import read_json, write_json

# LLaMA-Factory's run summaries inside a checkpoint: wall-clock timings and throughput, which differ on
# every run without changing the model. Folder digests leave them out, so manifests are reproducible.
RUN_SUMMARIES = frozenset({"all_results.json", "train_results.json", "trainer_state.json", "trainer_log.jsonl"})
PACKAGES = ("adamllm", "torch", "transformers", "tokenizers", "accelerate", "llamafactory", "vllm", "snakemake")
MANIFEST_SUFFIX = ".manifest.json"
PREDICTION_RUN = "provenance.json"
_CHUNK = 1 << 20


def file_digest(path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def digest(path) -> str:
    """SHA-256 of a file; of a folder, over its files' relative paths and digests (sorted), run
    summaries (:data:`RUN_SUMMARIES`) left out."""
    path = Path(path)
    if path.is_file():
        return file_digest(path)
    if not path.is_dir():
        raise FileNotFoundError(path)
    tree = hashlib.sha256()
    for item in sorted(p for p in path.rglob("*") if p.is_file() and p.name not in RUN_SUMMARIES):
        tree.update(f"{item.relative_to(path).as_posix()}\0{file_digest(item)}\n".encode())
    return tree.hexdigest()


def package_versions() -> dict[str, str | None]:
    """This interpreter's Python and the versions of the packages that shape results (None: absent)."""
    versions = {"python": sys.version.split()[0]}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def git_state(folder=".") -> dict:
    """The commit checked out in ``folder`` and whether tracked files differ from it (None outside git)."""

    def git(*args):
        result = subprocess.run(["git", *args], cwd=folder, capture_output=True, text=True, check=False)
        return result.stdout.strip() if result.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    if commit is None:
        return {"commit": None, "dirty": None}
    return {"commit": commit, "dirty": bool(git("status", "--porcelain", "--untracked-files=no"))}


def inputs_digests(inputs: dict[str, list[str]]) -> dict[str, dict[str, str]]:
    """``{role: [path, …]}`` → ``{role: {path: sha256}}``."""
    return {role: {str(p): digest(p) for p in paths} for role, paths in sorted(inputs.items())}


def manifest_path(score_file) -> Path:
    score_file = Path(score_file)
    return score_file.with_name(score_file.stem + MANIFEST_SUFFIX)


def run_record(config: dict, models: dict[str, str], predictions_dir) -> dict:
    """What every manifest of one scoring run shares: the lineage config, the model records, how the
    predictions were made, this run's package versions and the git state."""
    return {
        "config": config,
        "models": {role: model_record(spec) for role, spec in models.items()},
        "prediction_run": prediction_run(predictions_dir),
        "scoring_run": {"packages": package_versions()},
        "git": git_state(),
    }


def write_manifest(score_file, digests: dict[str, dict[str, str]], record: dict) -> None:
    """Write the manifest of one score file: its own digest, its inputs' ``{role: {path: sha256}}``
    (roles in sorted order) and the run's :func:`run_record`."""
    write_json(
        manifest_path(score_file),
        {
            "score_file": str(score_file),
            "score_sha256": file_digest(score_file),
            "inputs": dict(sorted(digests.items())),
            **record,
        },
    )


def verify_manifest(path, root=".") -> list[str]:
    """What no longer matches a manifest: a changed or missing score file or input. Empty when all match.
    Recorded paths are relative to ``root``, the workflow folder."""
    manifest = read_json(path)
    root = Path(root)
    problems = []
    recorded = [("score", manifest["score_file"], manifest["score_sha256"])]
    recorded += [(role, f, sha) for role, files in manifest["inputs"].items() for f, sha in files.items()]
    for role, file, expected in recorded:
        if not (root / file).exists():
            problems.append(f"{role} {file}: missing")
        elif digest(root / file) != expected:
            problems.append(f"{role} {file}: changed since scoring")
    return problems


def write_prediction_run(predictions_dir, settings: dict) -> None:
    """Record, beside a model's predictions, how they were made and with which package versions."""
    write_json(Path(predictions_dir) / PREDICTION_RUN, {"settings": settings, "packages": package_versions()})


def prediction_run(predictions_dir) -> dict | None:
    path = Path(predictions_dir) / PREDICTION_RUN
    return read_json(path) if path.exists() else None


def model_record(spec: str) -> dict:
    """A model spec as audited: tiny builds and local folders are checksummed among the inputs; a hub id
    gets the commit of the snapshot in the local cache, the one that was loaded (None if not cached)."""
    if spec.startswith("tiny:") or Path(spec).exists():
        return {"spec": spec}
    try:
        from huggingface_hub import snapshot_download

        snapshot = Path(snapshot_download(spec, local_files_only=True))
    except (OSError, ValueError):  # not cached here, or not a hub id: nothing to resolve
        return {"spec": spec, "hub_commit": None}
    return {"spec": spec, "hub_commit": snapshot.name}
