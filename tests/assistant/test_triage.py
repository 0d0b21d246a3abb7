"""Triage: language, category and suggested team from a classifier trained on conversations
agents labelled; mood, urgency and spam flags; agents' corrections become training labels."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from atiende.assistant import triage
from atiende.assistant.ml.intent import IntentClassifier
from atiende.assistant.models import Triage
from atiende.assistant.training import labelled_examples
from atiende.conversations.models import Conversation
from atiende.core.models import Event
from atiende.people.models import Role
from tests.assistant.conftest import Categories, Live
from tests.factories import Factory

EXAMPLES = {
    "refund": [
        "I was charged twice, please give me my money back",
        "Refund the payment from last week",
        "I cancelled but you still took the money, refund it",
        "Can I get a refund for the annual plan?",
        "Quiero que me devolváis el cobro de este mes",
        "Reembolso del pago duplicado, por favor",
    ],
    "playback": [
        "Songs stop playing after a few seconds",
        "The app crashes when I press play",
        "Music keeps pausing on my phone",
        "Playback error E-1042 on Android",
        "La música se para cada pocos segundos",
        "No se reproduce ninguna canción en el móvil",
    ],
    "password": [
        "I forgot my password",
        "The password reset email never arrives",
        "How do I change my password?",
        "I cannot sign in, wrong password",
        "He olvidado mi contraseña",
        "No me llega el correo para cambiar la contraseña",
    ],
}


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A classifier trained once for the module on the examples (training itself, from the
    database, is tested below)."""
    directory = tmp_path_factory.mktemp("var")
    texts = [text for examples in EXAMPLES.values() for text in examples]
    labels = [slug for slug, examples in EXAMPLES.items() for _text in examples]
    IntentClassifier().fit(texts, labels).save(directory / "assistant" / "triage-intent")
    return directory


@pytest.fixture
def trained(categories: Categories, settings: Any, model_dir: Path) -> Categories:
    settings.VAR_DIR = model_dir
    triage.forget_classifier()
    return categories


def label_examples(factory: Factory, categories: Categories) -> None:
    supervisor = factory.user(Role.SUPERVISOR)
    category = {"refund": categories.refund, "playback": categories.playback,
                "password": categories.password}  # fmt: skip
    for slug, texts in EXAMPLES.items():
        for text in texts:
            conversation = factory.conversation(text=text)
            triage.correct(supervisor, conversation, category[slug], apply_team=False)


Triaged = Callable[[str], tuple[Conversation, Triage]]


@pytest.fixture
def triaged(factory: Factory, live: Live) -> Triaged:
    """A customer opens a conversation; triage runs as it would after the commit."""

    def open_conversation(text: str) -> tuple[Conversation, Triage]:
        with live():
            conversation = factory.conversation(text=text)
        return conversation, Triage.objects.get(conversation=conversation)

    return open_conversation


def test_a_new_conversation_is_triaged_with_tags_and_a_suggested_team(
    triaged: Triaged, trained: Categories
) -> None:
    conversation, row = triaged("The music stops playing every few seconds on my phone")
    assert row.category == trained.playback
    assert row.suggested_team == trained.technical
    assert row.language == "en"
    assert "playback" in set(conversation.tags.values_list("name", flat=True))
    reasons = triage.describe_reasons(row)
    assert any("Playback" in reason for reason in reasons)
    assert "That category belongs to the Technical team." in reasons
    assert Event.objects.filter(kind="assistant.triaged", conversation=conversation).exists()


def test_spanish_is_detected_and_classified(triaged: Triaged, trained: Categories) -> None:
    _conversation, row = triaged("He olvidado la contraseña y no puedo entrar")
    assert (row.language, row.category) == ("es", trained.password)


def test_an_angry_customer_is_flagged(triaged: Triaged, trained: Categories) -> None:
    conversation, row = triaged(
        "This is terrible, the worst service ever. I am furious and I will cancel today!!!",
    )
    assert row.angry
    assert {"angry", "at-risk"} <= set(conversation.tags.values_list("name", flat=True))


def test_a_correction_is_stored_tagged_and_becomes_training_data(
    factory: Factory, triaged: Triaged, trained: Categories
) -> None:
    agent = factory.user(Role.AGENT)
    conversation, row = triaged("The music stops playing every few seconds")
    triage.correct(agent, conversation, trained.refund)
    row.refresh_from_db()
    assert (row.label, row.labelled_by, row.category) == (trained.refund, agent, trained.playback)
    conversation.refresh_from_db()
    assert conversation.team == trained.billing
    tags = set(conversation.tags.values_list("name", flat=True))
    assert "refund" in tags
    assert "playback" not in tags
    texts, labels = labelled_examples()
    # The newest labelled conversation is this one, labelled as the agent said.
    assert texts[-1].endswith("The music stops playing every few seconds")
    assert labels[-1] == "refund"


def test_train_triage_command_writes_a_model(
    factory: Factory,
    categories: Categories,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    label_examples(factory, categories)
    target = tmp_path / "model-out"
    call_command("train_triage", "--output", str(target))
    output = capsys.readouterr().out
    assert "Trained on 18 conversations in 3 categories" in output
    assert target.with_suffix(".json").exists()
    assert target.with_suffix(".npz").exists()


def test_the_shipped_demo_model_loads_and_knows_the_demo_categories() -> None:
    classifier = IntentClassifier.load(triage.SHIPPED_MODEL)
    predictions = classifier.predict(
        ["Me habéis cobrado dos veces este mes", "Someone hacked my account and changed my email"]
    )
    assert [label for label, _probability in predictions] == ["charged-twice", "hacked-account"]
