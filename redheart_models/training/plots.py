"""The PNG plots of a training run: loss curves, per-label F1, confusion matrix, reliability diagram
(a predicted-versus-true scatter for regression). KOTE's labels are Korean: Hangul is drawn in NanumGothic."""

from importlib.util import find_spec
from pathlib import Path

import numpy as np

from redheart_models.metrics import f1_scores

BINS = 10
HANGUL_FONT = "NanumGothic"


def hangul_font_file() -> Path:
    """NanumGothic (SIL Open Font License) as shipped in the package koreanize-matplotlib, found without importing
    it (its import restyles every plot of the process)."""
    spec = find_spec("koreanize_matplotlib")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("plots of Korean labels need the package koreanize-matplotlib (a redheart dependency)")
    return Path(spec.submodule_search_locations[0]) / "fonts" / f"{HANGUL_FONT}.ttf"


def _figure():
    import matplotlib

    matplotlib.use("Agg")  # files only, never a window
    import matplotlib.pyplot as plt
    from matplotlib import font_manager

    if HANGUL_FONT not in {f.name for f in font_manager.fontManager.ttflist}:
        font_manager.fontManager.addfont(str(hangul_font_file()))
    plt.rcParams["font.family"] = ["DejaVu Sans", HANGUL_FONT]  # Latin as before; Hangul falls back to Nanum
    return plt


def plot_run(history: list[dict], kind: str, labels: list[str], y_dev: np.ndarray, output: np.ndarray, out: Path) -> list[Path]:
    """Write the plots of one run into `out`; `output` is the best model's raw output on the dev split."""
    return [plot_loss(history, out), *plot_dev(kind, labels, y_dev, output, out)]


def plot_loss(history: list[dict], out: Path) -> Path:
    plt = _figure()
    fig, ax = plt.subplots(figsize=(6, 4))
    epochs = [row["epoch"] for row in history]
    ax.plot(epochs, [row["train_loss"] for row in history], label="train")
    ax.plot(epochs, [row["dev_loss"] for row in history], label="dev")
    ax.set(xlabel="epoch", ylabel="loss", title="Loss")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out / "loss.png", dpi=100)
    plt.close(fig)
    return out / "loss.png"


def plot_dev(kind: str, labels: list[str], y_dev: np.ndarray, output: np.ndarray, out: Path, prefix: str = ""
             ) -> list[Path]:
    """The dev-split plots of one output: per-label F1, confusion and reliability, a scatter, or margins."""
    plt = _figure()
    written = []

    def save(fig, name: str) -> None:
        fig.tight_layout()
        fig.savefig(out / f"{prefix}{name}", dpi=100)
        plt.close(fig)
        written.append(out / f"{prefix}{name}")

    if kind == "regression":
        fig, ax = plt.subplots(figsize=(5, 5))
        ax.scatter(y_dev, output.reshape(-1), s=4, alpha=0.4)
        ax.plot([y_dev.min(), y_dev.max()], [y_dev.min(), y_dev.max()], color="grey", linewidth=1)
        ax.set(xlabel="human rating", ylabel="predicted", title="Dev: predicted vs human")
        save(fig, "scatter.png")
        return written

    if kind == "pairwise":  # utility margin of the better item: how often and by how much it wins
        fig, ax = plt.subplots(figsize=(6, 4))
        ax.hist(output[:, 0] - output[:, 1], bins=40)
        ax.axvline(0, color="grey")
        ax.set(xlabel="U(better) - U(worse)", ylabel="pairs", title="Dev: utility margins")
        save(fig, "margins.png")
        return written

    probabilities = 1 / (1 + np.exp(-output.reshape(len(y_dev), -1)))
    truth = y_dev.reshape(len(y_dev), -1)
    predicted = (probabilities >= 0.5).astype(np.float32)
    names = labels if truth.shape[1] == len(labels) else ["positive"]

    fig, ax = plt.subplots(figsize=(6, max(3, 0.25 * len(names))))
    ax.barh(names, f1_scores(truth, predicted))
    ax.set(xlabel="F1 (threshold 0.5)", title="Dev: per-label F1", xlim=(0, 1))
    save(fig, "per_label_f1.png")

    fig, ax = plt.subplots(figsize=(4, 4))
    tp = (truth * predicted).sum()
    fp = ((1 - truth) * predicted).sum()
    fn = (truth * (1 - predicted)).sum()
    tn = ((1 - truth) * (1 - predicted)).sum()
    matrix = np.array([[tn, fp], [fn, tp]])
    ax.imshow(matrix, cmap="Blues")
    for (i, j), value in np.ndenumerate(matrix):
        ax.text(j, i, f"{int(value):,}", ha="center", va="center")
    ax.set(xticks=[0, 1], yticks=[0, 1], xticklabels=["no", "yes"], yticklabels=["no", "yes"],
           xlabel="predicted", ylabel="true", title="Dev: confusion (all labels)")
    save(fig, "confusion.png")

    fig, ax = plt.subplots(figsize=(5, 5))
    edges = np.linspace(0, 1, BINS + 1)
    which = np.clip(np.digitize(probabilities.ravel(), edges) - 1, 0, BINS - 1)
    filled = [b for b in range(BINS) if np.any(which == b)]
    ax.plot([0, 1], [0, 1], color="grey", linewidth=1)
    ax.plot([probabilities.ravel()[which == b].mean() for b in filled],
            [truth.ravel()[which == b].mean() for b in filled], marker="o")
    ax.set(xlabel="predicted probability", ylabel="observed frequency", title="Dev: reliability")
    save(fig, "reliability.png")
    return written
