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


def test_the_nearest_example_is_part_of_the_model(
    classifier: IntentClassifier, tmp_path: Path
) -> None:
    """The training texts' embeddings are saved grouped by label; a text the classifier was
    trained on is nearest to itself (cosine ~1) in its own label's group."""
    classifier.save(tmp_path / "intent")
    with np.load(tmp_path / "intent.npz", allow_pickle=False) as arrays:
        examples, starts = arrays["examples"], arrays["example_starts"]
    assert examples.shape == (sum(len(texts) for texts in EXAMPLES.values()), 512)
    assert starts.tolist() == [0, 8, 16]
    vector = classifier.embedder.encode(["refund my purchase"])
    from atiende.assistant.ml.intent import _nearest

    nearest = _nearest(vector, examples.astype(np.float32), starts)[0]
    assert nearest[classifier.labels.index("refund")] == pytest.approx(1.0, abs=2e-3)
    assert nearest.argmax() == classifier.labels.index("refund")


def test_a_model_of_the_previous_format_still_loads(
    classifier: IntentClassifier, tmp_path: Path
) -> None:
    """Format 2 (no example embeddings, no nearest weight), as the shipped demo model was
    written, scores with the SVM and the embedding model only."""
    classifier.save(tmp_path / "intent")
    meta = json.loads((tmp_path / "intent.json").read_text())
    meta["format"] = "atiende-intent/2"
    del meta["nearest"]
    (tmp_path / "old.json").write_text(json.dumps(meta))
    with np.load(tmp_path / "intent.npz", allow_pickle=False) as arrays:
        kept = {name: arrays[name] for name in arrays.files if not name.startswith("example")}
    np.savez_compressed(tmp_path / "old.npz", **kept)
    old = IntentClassifier.load(tmp_path / "old")
    assert old.nearest == 0.0
    queries = ["card is late", "forgot the password", "money back"]
    assert [label for label, _ in old.predict(queries)] == ["card_arrival", "password", "refund"]
    texts = list(queries)
    expected = (
        old._text_scores(texts)
        + old.fusion
        * (old.embedder.encode(texts) @ old._embedding_coef.T + old._embedding_bias)
        / 10
    )
    assert old.scores(texts) == pytest.approx(expected, abs=1e-4)


def test_a_foreign_question_is_scored_by_the_embedding_parts(
    classifier: IntentClassifier,
) -> None:
    """English training data, a Spanish question: the TF-IDF part is left out."""
    assert classifier.language == "en"
    question = "Quiero que me devuelvan el dinero de la compra"
    assert classifier.predict([question])[0][0] == "refund"
    vector = classifier.embedder.encode([question])
    from atiende.assistant.ml.intent import _nearest

    embedding = (vector @ classifier._embedding_coef.T + classifier._embedding_bias) / 10
    nearest = _nearest(vector, classifier._examples, classifier._example_starts)
    expected = (1 + classifier.fusion) * embedding + classifier.nearest * nearest
    assert classifier.scores([question]) == pytest.approx(expected, abs=1e-4)
