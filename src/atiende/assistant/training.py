"""Training triage's intent classifier from the conversations agents labelled.

The labels are `Triage.label`: the category an agent set or corrected in the conversation's
panel (and, in the demo, the category its topic had). `train()` measures accuracy on every
fifth example held out, then fits on all of them and writes the model where triage loads it
(`triage.model_path()`); `make train` / `python -m atiende train_triage` run it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from atiende.assistant.ml.intent import IntentClassifier
from atiende.assistant.models import Triage
from atiende.assistant.triage import conversation_text, forget_classifier, model_path
from atiende.core.errors import ActionError

HOLDOUT_EVERY = 5


@dataclass(frozen=True)
class TrainingResult:
    examples: int
    categories: int
    heldout: int
    accuracy: float | None
    path: Path


def labelled_examples() -> tuple[list[str], list[str]]:
    rows = (
        Triage.objects.filter(label__isnull=False)
        .select_related("label", "conversation")
        .order_by("conversation_id")
    )
    texts, labels = [], []
    for row in rows:
        assert row.label is not None
        text = conversation_text(row.conversation)
        if text:
            texts.append(text)
            labels.append(row.label.slug)
    return texts, labels


def train(path: Path | None = None) -> TrainingResult:
    texts, labels = labelled_examples()
    if len(set(labels)) < 2:
        raise ActionError("Triage needs conversations labelled with at least two categories.")
    accuracy = None
    test = [i for i in range(len(texts)) if i % HOLDOUT_EVERY == HOLDOUT_EVERY - 1]
    train_ids = [i for i in range(len(texts)) if i % HOLDOUT_EVERY != HOLDOUT_EVERY - 1]
    if test and len({labels[i] for i in train_ids}) >= 2:
        probe = IntentClassifier()
        probe.fit([texts[i] for i in train_ids], [labels[i] for i in train_ids])
        predicted = probe.predict([texts[i] for i in test])
        right = sum(1 for i, (label, _p) in zip(test, predicted, strict=True) if label == labels[i])
        accuracy = right / len(test)
    classifier = IntentClassifier()
    classifier.fit(texts, labels)
    target = path or model_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    classifier.save(target)
    forget_classifier()
    return TrainingResult(
        examples=len(texts),
        categories=len(set(labels)),
        heldout=len(test),
        accuracy=accuracy,
        path=target,
    )
