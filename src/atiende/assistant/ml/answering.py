"""The answer bot's decision: answer with the best article, or hand off to a person.

Confidence is a logistic function of the best candidate's signals (its combined score, its
lead over the runner-up, its embedding similarity, classifier probability and lexical
match). `AnswerPolicy.calibrate` fits those weights on held-out example questions whose
right article is known and picks the lowest threshold that keeps precision at the target
there. A separate out-of-scope gate refuses questions unlike anything in the help center
(best similarity below what all but ~1% of in-scope held-out questions reach): in-scope
data alone cannot teach the logistic weights what an off-topic question looks like.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from atiende.assistant.ml.retrieval import Candidate, Hit, Query, Retriever

FEATURES = ("score", "margin", "similarity", "probability", "lexical")
# Hand-set prior used until calibration has enough held-out questions to fit its own.
DEFAULT_WEIGHTS = (6.0, 8.0, 4.0, 3.0, 1.0)
DEFAULT_BIAS = -6.5
DEFAULT_THRESHOLD = 0.6
DEFAULT_GATE = 0.45
MIN_HELDOUT_TO_FIT = 60
GATE_QUANTILE = 0.01
# One-sided 95% for the Wilson lower bound on held-out precision.
CONFIDENCE_Z = 1.645


def features(candidates: Sequence[Candidate]) -> list[float]:
    """The decision's inputs for a ranked candidate list (zeros when there is none)."""
    if not candidates:
        return [0.0] * len(FEATURES)
    top = candidates[0]
    runner_up = candidates[1].score if len(candidates) > 1 else 0.0
    return [top.score, top.score - runner_up, top.similarity, top.probability, top.lexical]


@dataclass(frozen=True)
class Decision:
    answer: Hit | None
    confidence: float
    candidates: tuple[Hit, ...]
    reason: str  # "confident", "low_confidence", "out_of_scope", "sensitive", "no_articles"


@dataclass
class AnswerPolicy:
    """Answer when the calibrated confidence reaches `threshold`; never for `sensitive` keys."""

    threshold: float = DEFAULT_THRESHOLD
    weights: tuple[float, ...] = DEFAULT_WEIGHTS
    bias: float = DEFAULT_BIAS
    gate: float = DEFAULT_GATE
    sensitive: frozenset[str] = frozenset()
    stats: dict[str, Any] = field(default_factory=dict)

    def confidence(self, candidates: Sequence[Candidate]) -> float:
        if not candidates:
            return 0.0
        z = self.bias + sum(w * x for w, x in zip(self.weights, features(candidates), strict=True))
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))

    def decide(self, query: str | Query, retriever: Retriever, limit: int = 5) -> Decision:
        candidates = retriever.candidates(query, limit=max(limit, 2))
        return self.decide_candidates(candidates)[0]

    def decide_candidates(self, candidates: Sequence[Candidate]) -> tuple[Decision, float]:
        """The decision for already-ranked candidates, and the raw confidence."""
        hits = tuple(Hit(c.key, c.score, c.language) for c in candidates)
        if not candidates:
            return Decision(None, 0.0, hits, "no_articles"), 0.0
        confidence = self.confidence(candidates)
        top = candidates[0]
        if top.similarity < self.gate:
            return Decision(None, confidence, hits, "out_of_scope"), confidence
        if top.key in self.sensitive:
            return Decision(None, confidence, hits, "sensitive"), confidence
        if confidence < self.threshold:
            return Decision(None, confidence, hits, "low_confidence"), confidence
        return Decision(hits[0], confidence, hits, "confident"), confidence

    @classmethod
    def calibrate(
        cls,
        retriever: Retriever,
        heldout: Sequence[tuple[str, str]],
        target_precision: float = 0.95,
        sensitive: Iterable[str] = (),
    ) -> AnswerPolicy:
        """Fit confidence, gate and threshold on (question, right article key) pairs that the
        retriever was not built from."""
        ranked = [retriever.candidates(question, limit=5) for question, _ in heldout]
        return cls.calibrate_ranked(
            ranked, [key for _, key in heldout], target_precision, sensitive
        )

    @classmethod
    def calibrate_ranked(
        cls,
        ranked: Sequence[Sequence[Candidate]],
        truth: Sequence[str],
        target_precision: float = 0.95,
        sensitive: Iterable[str] = (),
    ) -> AnswerPolicy:
        policy = cls(sensitive=frozenset(sensitive))
        usable = [(c, t) for c, t in zip(ranked, truth, strict=True) if c]
        if not usable:
            policy.stats = {"heldout": 0, "fitted": False}
            return policy
        matrix = np.asarray([features(c) for c, _ in usable], dtype=np.float64)
        correct = np.asarray([c[0].key == t for c, t in usable], dtype=np.int64)
        fitted = False
        if len(usable) >= MIN_HELDOUT_TO_FIT and 5 <= correct.sum() <= len(correct) - 5:
            from sklearn.linear_model import LogisticRegression

            model = LogisticRegression(C=1.0, max_iter=1000).fit(matrix, correct)
            policy.weights = tuple(float(w) for w in model.coef_[0])
            policy.bias = float(model.intercept_[0])
            fitted = True
        similarities = matrix[:, FEATURES.index("similarity")][correct == 1]
        if len(similarities) >= MIN_HELDOUT_TO_FIT:
            policy.gate = float(np.quantile(similarities, GATE_QUANTILE))
        confidences = np.asarray([policy.confidence(c) for c, _ in usable])
        gated = matrix[:, FEATURES.index("similarity")] >= policy.gate
        policy.threshold, precision, coverage = choose_threshold(
            confidences, correct, gated, target_precision
        )
        if coverage >= float(gated.mean()) - 1e-9 and policy.threshold > DEFAULT_THRESHOLD:
            # Every held-out question passed: they show no confidence at which answers go
            # wrong, only that the lowest one seen was fine. Do not raise the bar above the
            # prior to that lowest value (a small help center would then answer nothing).
            policy.threshold = DEFAULT_THRESHOLD
        policy.stats = {
            "heldout": len(usable),
            "fitted": fitted,
            "heldout_accuracy": float(correct.mean()),
            "heldout_precision": precision,
            "heldout_coverage": coverage,
            "target_precision": target_precision,
        }
        return policy

    def to_dict(self) -> dict[str, Any]:
        return {
            "threshold": self.threshold,
            "weights": list(self.weights),
            "bias": self.bias,
            "gate": self.gate,
            "features": list(FEATURES),
            "sensitive": sorted(self.sensitive),
            "stats": self.stats,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AnswerPolicy:
        weights = tuple(float(w) for w in data.get("weights", DEFAULT_WEIGHTS))
        if len(weights) != len(FEATURES):
            weights = DEFAULT_WEIGHTS
        return cls(
            threshold=float(data.get("threshold", DEFAULT_THRESHOLD)),
            weights=weights,
            bias=float(data.get("bias", DEFAULT_BIAS)),
            gate=float(data.get("gate", DEFAULT_GATE)),
            sensitive=frozenset(str(key) for key in data.get("sensitive", ())),
            stats=dict(data.get("stats", {})),
        )


def wilson_lower(right: float, answered: float, z: float) -> float:
    """Lower end of the Wilson score interval for a proportion right/answered."""
    if answered <= 0:
        return 0.0
    p = right / answered
    denominator = 1 + z * z / answered
    centre = p + z * z / (2 * answered)
    spread = z * math.sqrt(p * (1 - p) / answered + z * z / (4 * answered * answered))
    return (centre - spread) / denominator


def choose_threshold(
    confidences: npt.NDArray[np.float64],
    correct: npt.NDArray[np.int64],
    eligible: npt.NDArray[np.bool_],
    target_precision: float,
    z: float = CONFIDENCE_Z,
) -> tuple[float, float, float]:
    """The lowest threshold whose answered set keeps precision >= target, with the precision
    and coverage it gives; 1.0 (answer nothing) when no threshold does.

    Precision is judged by the lower end of its one-sided 95% Wilson interval, so that a
    threshold that only just reaches the target on the held-out questions is not taken:
    new questions are rarely as easy as held-out examples written alongside the training
    ones. When the held-out set is too small for any threshold to pass that way, the point
    estimate is used instead (a live help center with a handful of example questions).
    """
    total = len(confidences)
    order = np.argsort(-confidences, kind="stable")
    sorted_conf = confidences[order]
    sorted_ok = (correct[order] == 1) & eligible[order]
    answered = np.cumsum(eligible[order])
    right = np.cumsum(sorted_ok)
    for margin in (z, 0.0):
        best = (1.0, 1.0, 0.0)
        for i in range(total):
            # Only cut between distinct confidence values; ties are answered together.
            if i + 1 < total and sorted_conf[i + 1] == sorted_conf[i]:
                continue
            if answered[i] == 0:
                continue
            if wilson_lower(float(right[i]), float(answered[i]), margin) >= target_precision:
                precision = float(right[i] / answered[i])
                best = (float(sorted_conf[i]), precision, float(answered[i] / total))
        if best[2] > 0:
            return best
    return (1.0, 1.0, 0.0)
