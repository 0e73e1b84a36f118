"""Figures written as PNG (headless, atomically), and training-loss curves."""

from __future__ import annotations

from adamllm.core.io import atomic_write, write_json


def pyplot():
    """matplotlib's pyplot on the file-only Agg backend (jobs have no display)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save_png(figure, png_path, **options) -> None:
    """Write ``figure`` to ``png_path`` atomically and free it."""
    with atomic_write(png_path, "wb") as handle:
        figure.savefig(handle, format="png", **options)
    pyplot().close(figure)


def write_loss_curve(log: list[dict], json_path, png_path, title: str) -> None:
    """Keep the logged (step, loss) points and draw them."""
    plt = pyplot()
    points = [{"step": entry["step"], "loss": entry["loss"]} for entry in log if "loss" in entry]
    write_json(json_path, points)
    figure, axes = plt.subplots(figsize=(5, 3.2), dpi=100)
    axes.plot([p["step"] for p in points], [p["loss"] for p in points], color="#1f77b4")
    axes.set(xlabel="step", ylabel="training loss", title=title)
    axes.grid(alpha=0.3)
    figure.tight_layout()
    save_png(figure, png_path)
