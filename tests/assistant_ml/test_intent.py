"""Intent classification: training, prediction and the npz/json model files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from atiende.assistant.ml.intent import IntentClassifier

EXAMPLES = {
    "card_arrival": [
        "when will my card arrive",
        "my card has not arrived",
        "where is my new card",
        "card still not delivered",
        "how long until my card comes",
        "card delivery time",
        "I am waiting for my card",
        "has my card been sent",
    ],
    "password": [
        "I forgot my password",
        "reset my password",
        "change my password",
        "password does not work",
        "locked out of my account password",
        "new password please",
        "cannot remember password",
        "password reset email",
    ],
    "refund": [
        "I want a refund",
        "give me my money back",
        "refund my purchase",
        "refund not received",
        "how do refunds work",
        "request a refund",
        "return money for order",
        "refund status",
    ],
}


@pytest.fixture(scope="module")
def classifier() -> IntentClassifier:
    texts = [text for texts in EXAMPLES.values() for text in texts]
    labels = [label for label, texts in EXAMPLES.items() for _ in texts]
    return IntentClassifier().fit(texts, labels)


def test_predicts_label_and_probability(classifier: IntentClassifier) -> None:
    predictions = classifier.predict(
        ["my card never arrived", "please reset the password", "I need a refund now"]
    )
    assert [label for label, _ in predictions] == ["card_arrival", "password", "refund"]
    assert all(1 / 3 < probability <= 1.0 for _, probability in predictions)
    assert np.allclose(classifier.predict_proba(["anything"]).sum(axis=1), 1.0)


def test_save_and_load_give_the_same_predictions(
    classifier: IntentClassifier, tmp_path: Path
) -> None:
    classifier.save(tmp_path / "intent")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["intent.json", "intent.npz"]
    assert json.loads((tmp_path / "intent.json").read_text())["labels"] == sorted(EXAMPLES)
    loaded = IntentClassifier.load(tmp_path / "intent")
    queries = ["card is late", "forgot the password", "money back"]
    before, after = classifier.predict(queries), loaded.predict(queries)
    assert [label for label, _ in after] == [label for label, _ in before]
    assert [p for _, p in after] == pytest.approx([p for _, p in before])
    with np.load(tmp_path / "intent.npz", allow_pickle=False) as arrays:
        assert arrays["text_coef"].shape[0] == 3


def test_rejects_one_label_and_an_unknown_file(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="two labels"):
        IntentClassifier().fit(["a", "b"], ["x", "x"])
    (tmp_path / "other.json").write_text(json.dumps({"format": "something-else"}))
    with pytest.raises(ValueError, match="not an intent model"):
        IntentClassifier.load(tmp_path / "other")


def test_two_labels_work(tmp_path: Path) -> None:
    texts = EXAMPLES["password"] + EXAMPLES["refund"]
    labels = ["password"] * 8 + ["refund"] * 8
    classifier = IntentClassifier().fit(texts, labels)
    assert classifier.predict(["reset password"])[0][0] == "password"
    classifier.save(tmp_path / "binary")
    assert IntentClassifier.load(tmp_path / "binary").predict(["refund me"])[0][0] == "refund"


def test_fast_tfidf_scores_match_scikit_learn(classifier: IntentClassifier) -> None:
    texts = [
        "My card  has NOT arrived, ¿dónde está?",
        "a",
        "password   reset e-mail didn't come",
        "",
    ]
    word, char = classifier._word, classifier._char
    from scipy.sparse import hstack

    matrix = hstack([word.transform(texts), char.transform(texts)]).tocsr()
    expected = matrix @ classifier._text_coef.T + classifier._text_bias
    assert classifier._text_scores(texts) == pytest.approx(np.asarray(expected), abs=1e-5)
