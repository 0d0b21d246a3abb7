"""The precision-coverage curve of the answer bot, as numbers and as a PNG.

Each decision is (confidence, the top article was right). At threshold t the bot answers
every question with confidence >= t: coverage is the share answered, precision the share of
those answers that were right. Used by `make eval` and by the bot page for the live help
center (matplotlib with the Agg backend: no display, thread-safe figure objects).
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from django.utils.translation import gettext

MAX_POINTS = 200

Point = tuple[float, float, float]  # (threshold, precision, coverage)


def precision_coverage(decisions: Iterable[tuple[float, bool]]) -> list[Point]:
    """(threshold, precision, coverage) for each distinct confidence, highest threshold first,
    thinned to at most MAX_POINTS points (the ends are always kept)."""
    pairs = [(float(confidence), bool(correct)) for confidence, correct in decisions]
    if not pairs:
        return []
    confidences = np.asarray([c for c, _ in pairs], dtype=np.float64)
    correct = np.asarray([ok for _, ok in pairs], dtype=np.float64)
    order = np.argsort(-confidences, kind="stable")
    confidences, correct = confidences[order], correct[order]
    right = np.cumsum(correct)
    total = len(pairs)
    points: list[Point] = []
    for i in range(total):
        if i + 1 < total and confidences[i + 1] == confidences[i]:
            continue  # ties are answered together
        answered = i + 1
        points.append((float(confidences[i]), float(right[i] / answered), answered / total))
    if len(points) > MAX_POINTS:
        keep = np.unique(np.linspace(0, len(points) - 1, MAX_POINTS).round().astype(int))
        points = [points[i] for i in keep]
    return points


def coverage_at_precision(points: Sequence[Point], target: float) -> tuple[float, float]:
    """The largest coverage whose precision is >= target, and its threshold ((0, 1) if none)."""
    best = (0.0, 1.0)
    for threshold, precision, coverage in points:
        if precision >= target and coverage > best[0]:
            best = (coverage, threshold)
    return best


def _figure(width: float = 6.4, height: float = 4.2) -> tuple[Any, Any]:
    from matplotlib.figure import Figure

    # A bare Figure (not pyplot): no global state, safe in a web server's threads.
    figure = Figure(figsize=(width, height), dpi=100)
    return figure, figure.add_subplot(1, 1, 1)


def _png(figure: Any) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def render_curve_png(
    points: Sequence[Sequence[float]],
    *,
    title: str = "Answer bot: precision against coverage",
    threshold: float | None = None,
    target_precision: float | None = 0.95,
    label: str = "questions",
    extra: dict[str, Sequence[Sequence[float]]] | None = None,
) -> bytes:
    """The curve as a PNG: coverage on x, precision on y, the chosen threshold marked.
    `extra` adds more labelled curves (e.g. another language's questions)."""
    figure, axes = _figure()
    series = {label: points, **(extra or {})}
    for label, curve in series.items():
        if not curve:
            continue
        coverage = [float(p[2]) for p in curve]
        precision = [float(p[1]) for p in curve]
        axes.plot(coverage, precision, linewidth=1.8, label=label)
        if threshold is not None:
            at = min(curve, key=lambda p: abs(float(p[0]) - threshold))
            axes.plot([float(at[2])], [float(at[1])], "o", color="black", markersize=5)
    if target_precision is not None:
        axes.axhline(target_precision, color="grey", linestyle="--", linewidth=0.8)
    axes.set_xlim(0.0, 1.0)
    axes.set_ylim(max(0.0, min([0.5] + [float(p[1]) for c in series.values() for p in c])), 1.005)
    # In the reader's language on the bot page (rendered per request); `make eval` writes English.
    axes.set_xlabel(gettext("coverage (share of questions answered)"))
    axes.set_ylabel(gettext("precision (share of answers that were right)"))
    axes.set_title(title, fontsize=10)
    axes.grid(True, linewidth=0.3)
    if len([c for c in series.values() if c]) > 1:
        axes.legend(loc="lower left", fontsize=8)
    figure.tight_layout()
    return _png(figure)


def render_confusion_png(
    labels: Sequence[str], matrix: Sequence[Sequence[int]], *, title: str
) -> bytes:
    """A heat map of a (small) confusion matrix: rows true intent, columns predicted."""
    figure, axes = _figure(7.5, 6.5)
    data = np.asarray(matrix, dtype=np.float64)
    if data.size == 0:
        axes.text(0.5, 0.5, "no intent was confused with another", ha="center", va="center")
        axes.set_axis_off()
        axes.set_title(title, fontsize=10)
        return _png(figure)
    image = axes.imshow(data, cmap="Blues")
    axes.set_xticks(range(len(labels)), labels=list(labels), rotation=60, ha="right", fontsize=7)
    axes.set_yticks(range(len(labels)), labels=list(labels), fontsize=7)
    for row in range(data.shape[0]):
        for column in range(data.shape[1]):
            if data[row, column]:
                dark = data[row, column] > data.max() / 2
                axes.text(
                    column,
                    row,
                    str(int(data[row, column])),
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="white" if dark else "black",
                )
    axes.set_xlabel("predicted")
    axes.set_ylabel("true")
    axes.set_title(title, fontsize=10)
    figure.colorbar(image, ax=axes, shrink=0.7)
    figure.tight_layout()
    return _png(figure)
