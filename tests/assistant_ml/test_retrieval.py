"""Hybrid retrieval and the answer/hand-off decision."""

from __future__ import annotations

from atiende.assistant.ml.answering import AnswerPolicy
from atiende.assistant.ml.retrieval import Document, Retriever
from tests.assistant_ml.conftest import ARTICLES


def test_an_english_question_finds_its_article(retriever: Retriever) -> None:
    hits = retriever.search("I do not remember my password, what now?", limit=3)
    assert hits[0].key == "reset-password"
    assert hits[0].score > hits[1].score
    assert len(hits) == 3


def test_a_spanish_question_finds_the_english_article(retriever: Retriever) -> None:
    assert retriever.search("¿Cuándo me llega la tarjeta nueva?")[0].key == "card-delivery"
    assert retriever.search("Quiero que me devuelvan el dinero")[0].key == "refunds"


def test_lexical_match_uses_the_article_language_stemmer(retriever: Retriever) -> None:
    candidate = retriever.candidates("comisiones cajeros", limit=1)[0]
    assert candidate.key == "tarifas"
    assert candidate.lexical > 0.2


def test_the_policy_answers_a_clear_question_and_hands_off_off_topic_ones(
    retriever: Retriever,
) -> None:
    policy = AnswerPolicy()
    answered = policy.decide("my new card still has not arrived", retriever)
    assert answered.answer is not None
    assert answered.answer.key == "card-delivery"
    assert answered.reason == "confident"
    off_topic = policy.decide("who won the football world cup in 1998?", retriever)
    assert off_topic.answer is None
    assert off_topic.reason in {"out_of_scope", "low_confidence"}
    assert off_topic.candidates


def test_sensitive_articles_are_never_answered(retriever: Retriever) -> None:
    policy = AnswerPolicy(sensitive=frozenset({"refunds"}))
    decision = policy.decide("I want a refund for this purchase", retriever)
    assert decision.answer is None
    assert decision.reason == "sensitive"
    assert decision.candidates[0].key == "refunds"


def test_no_articles_means_hand_off() -> None:
    empty = Retriever([])
    decision = AnswerPolicy().decide("anything", empty)
    assert (decision.answer, decision.reason) == (None, "no_articles")


def test_calibration_fits_threshold_and_round_trips(retriever: Retriever) -> None:
    heldout = [
        ("forgot password", "reset-password"),
        ("card not here yet", "card-delivery"),
        ("money back please", "refunds"),
        ("euro dollar rate", "exchange-rates"),
        ("when does the card come", "card-delivery"),
    ]
    policy = AnswerPolicy.calibrate(retriever, heldout, target_precision=0.95)
    assert 0.0 <= policy.threshold <= 1.0
    assert policy.stats["heldout"] == 5
    assert policy.stats["heldout_precision"] >= 0.95
    restored = AnswerPolicy.from_dict(policy.to_dict())
    assert restored == policy


def test_calibration_on_many_questions_fits_weights_and_gate() -> None:
    topics = {
        "a": ["card arrival", "where is my card", "card not delivered"],
        "b": ["reset password", "forgot password", "change password"],
    }
    documents = [
        Document(key=k, language="en", title=k, body="", questions=tuple(q))
        for k, q in topics.items()
    ]
    retriever = Retriever(documents)
    heldout = [
        (q + suffix, k)
        for k, qs in topics.items()
        for q in qs
        for suffix in (
            "",
            " please",
            " help",
            "?",
            " now",
            " today",
            " asap",
            " thanks",
            " again",
            " pls",
            " !",
        )
    ]
    heldout += [("what is the capital of france", "a"), ("best pizza in town", "b")] * 6
    policy = AnswerPolicy.calibrate(retriever, heldout)
    assert policy.stats["fitted"] is True
    assert policy.stats["heldout"] == len(heldout)
    assert policy.gate > 0.3


def test_a_few_perfect_heldout_questions_keep_the_prior_threshold(retriever: Retriever) -> None:
    heldout = [("I forgot my password", "reset-password"), ("where is my card", "card-delivery")]
    policy = AnswerPolicy.calibrate(retriever, heldout)
    assert policy.threshold == AnswerPolicy().threshold
    assert policy.decide("my card still has not come", retriever).answer is not None


def test_a_question_in_a_language_without_articles_is_ranked_by_embeddings() -> None:
    english_only = Retriever([document for document in ARTICLES if document.language == "en"])
    spanish = english_only.candidates("¿Cuándo me llega la tarjeta nueva?", limit=2)
    assert spanish[0].key == "card-delivery"
    assert all(candidate.crosslingual and candidate.lexical == 0.0 for candidate in spanish)
    # The same question ranked with the lexical signal (forced) mixes BM25 back in.
    mixed = english_only.candidates("¿Cuándo me llega la tarjeta nueva?", crosslingual=False)
    assert not mixed[0].crosslingual
    assert spanish[0].score > mixed[0].score
    english = english_only.candidates("when will my card arrive", limit=1)[0]
    assert english.key == "card-delivery"
    assert not english.crosslingual
    assert english.lexical > 0.2


def test_a_spanish_question_is_not_crosslingual_where_spanish_articles_exist(
    retriever: Retriever,
) -> None:
    assert retriever.languages == {"en", "es"}
    candidate = retriever.candidates("¿Cuándo me llega la tarjeta nueva?", limit=1)[0]
    assert candidate.key == "card-delivery"
    assert not candidate.crosslingual
