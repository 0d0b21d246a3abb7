"""The precision-coverage curve and its pictures."""

from __future__ import annotations

import pytest

from atiende.assistant.evaluation.curve import (
    coverage_at_precision,
    precision_coverage,
    render_confusion_png,
    render_curve_png,
)

PNG = b"\x89PNG\r\n\x1a\n"


def test_points_from_decisions() -> None:
    decisions = [(0.9, True), (0.8, True), (0.8, False), (0.5, True), (0.1, False)]
    points = precision_coverage(decisions)
    assert points == [
        (0.9, 1.0, 0.2),
        (0.8, pytest.approx(2 / 3), 0.6),
        (0.5, 0.75, 0.8),
        (0.1, 0.6, 1.0),
    ]
    assert coverage_at_precision(points, 0.75) == (0.8, 0.5)
    assert coverage_at_precision(points, 1.01) == (0.0, 1.0)
    assert precision_coverage([]) == []


def test_long_curves_are_thinned_keeping_both_ends() -> None:
    decisions = [(i / 1000, i % 3 != 0) for i in range(1000)]
    points = precision_coverage(decisions)
    assert len(points) <= 200
    assert points[0][0] == 0.999
    assert points[-1][2] == 1.0


def test_pictures_are_png() -> None:
    points = precision_coverage([(0.9, True), (0.5, False), (0.4, True)])
    assert render_curve_png(points, threshold=0.5).startswith(PNG)
    assert render_curve_png([list(p) for p in points], extra={"es": points}).startswith(PNG)
    confusion = render_confusion_png(["a", "b"], [[3, 1], [0, 4]], title="t")
    assert confusion.startswith(PNG)
    assert render_confusion_png([], [], title="none").startswith(PNG)
