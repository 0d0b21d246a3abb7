"""Triage in batches: the task of one new conversation triages the others whose task waits, in
one transaction and one call of the classifier, and marks their tasks done; one that fails is
rolled back alone and keeps its task."""

from __future__ import annotations

from typing import Any

import pytest

from atiende.assistant import triage
from atiende.assistant.ml import language
from atiende.assistant.ml.intent import IntentClassifier
from atiende.assistant.models import Triage
from atiende.core import tasks
from atiende.core.models import Event, Task, TaskStatus
from atiende.people.models import Role
from tests.assistant.conftest import Categories
from tests.assistant.test_triage import model_dir, trained  # noqa: F401 - fixtures
from tests.factories import Factory

TEXTS = [
    "The music stops playing every few seconds on my phone",
    "I was charged twice, please give me my money back",
    "He olvidado la contraseña y no puedo entrar",
    "BROKEN: this text makes triage fail",
    "This is terrible, the worst service ever. I am furious and I will cancel today!!!",
]


def test_one_task_triages_the_waiting_conversations_with_one_classifier_call(
    factory: Factory,
    trained: Categories,  # noqa: F811 - the fixture
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        conversations = [factory.conversation(text=text) for text in TEXTS]
    keys = [f"triage:{conversation.pk}" for conversation in conversations]
    assert Task.objects.filter(key__in=keys, status=TaskStatus.PENDING).count() == len(TEXTS)

    calls: list[int] = []
    predict = IntentClassifier.predict

    def counted(self: IntentClassifier, texts: Any) -> list[tuple[str, float]]:
        calls.append(len(texts))
        return predict(self, texts)

    detect = language.detect_language

    def fails_on_broken(text: str) -> tuple[str, float]:
        if "BROKEN" in text:
            raise RuntimeError("triage broke on this one")
        return detect(text)

    monkeypatch.setattr(IntentClassifier, "predict", counted)
    monkeypatch.setattr(triage, "detect_language", fails_on_broken)

    claimed = tasks.claim(1)
    assert [item.key for item in claimed] == keys[:1]
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.run(claimed[0])
    assert calls == [len(TEXTS)]  # every waiting conversation, one call

    broken = conversations[3]
    rows = {row.conversation_id: row for row in Triage.objects.all()}
    assert set(rows) == {c.pk for c in conversations} - {broken.pk}
    assert rows[conversations[0].pk].category == trained.playback
    assert (rows[conversations[2].pk].language, rows[conversations[2].pk].category) == (
        "es",
        trained.password,
    )
    assert rows[conversations[4].pk].angry
    assert {"angry", "at-risk"} <= set(conversations[4].tags.values_list("name", flat=True))
    triaged_events = Event.objects.filter(kind="assistant.triaged")
    assert sorted(triaged_events.values_list("conversation_id", flat=True)) == sorted(rows)
    # Their tasks are done (the claimed one by the queue, the others by the batch); the failed
    # one still waits, and runs on its own.
    status = dict(Task.objects.filter(key__in=keys).values_list("key", "status"))
    assert status == {key: TaskStatus.DONE for key in keys if key != keys[3]} | {
        keys[3]: TaskStatus.PENDING
    }

    monkeypatch.setattr(triage, "detect_language", detect)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.drain() == 1
    assert Triage.objects.filter(conversation=broken).exists()
    assert Task.objects.get(key=keys[3]).status == TaskStatus.DONE


def test_a_task_that_failed_before_runs_alone(
    factory: Factory,
    trained: Categories,  # noqa: F811 - the fixture
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        first, second = (factory.conversation(text=text) for text in TEXTS[:2])
    Task.objects.filter(key=f"triage:{first.pk}").update(attempts=1)  # one failed attempt
    claimed = tasks.claim(1)
    assert [item.key for item in claimed] == [f"triage:{first.pk}"]
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.run(claimed[0])
    assert list(Triage.objects.values_list("conversation_id", flat=True)) == [first.pk]
    assert Task.objects.get(key=f"triage:{second.pk}").status == TaskStatus.PENDING


def test_a_row_written_meanwhile_is_updated_and_keeps_the_agents_label(
    factory: Factory,
    trained: Categories,  # noqa: F811 - the fixture
    django_capture_on_commit_callbacks: Any,
) -> None:
    # Triage read "no row yet" in its transaction, then an agent's correction wrote one: the
    # INSERT (ON CONFLICT DO NOTHING) leaves it, and the triage is stored on it instead.
    with django_capture_on_commit_callbacks(execute=True):
        conversation = factory.conversation(text=TEXTS[2])
    agent = factory.user(Role.AGENT)
    Triage.objects.create(conversation=conversation, label=trained.refund, labelled_by=agent)

    with django_capture_on_commit_callbacks(execute=True):
        row = triage._triage(conversation, TEXTS[2], trained.password, 0.9, new=True)

    assert Triage.objects.filter(conversation=conversation).count() == 1
    stored = Triage.objects.get(conversation=conversation)
    assert stored.pk == row.pk
    assert (stored.language, stored.category, stored.label, stored.labelled_by) == (
        "es",
        trained.password,
        trained.refund,
        agent,
    )
    assert Event.objects.filter(kind="assistant.triaged", conversation=conversation).exists()


def test_a_new_row_is_one_insert_with_what_triage_decided(
    factory: Factory,
    trained: Categories,  # noqa: F811 - the fixture
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        conversation = factory.conversation(text=TEXTS[4])
    Triage.objects.filter(conversation=conversation).delete()

    with django_capture_on_commit_callbacks(execute=True):
        row = triage._triage(conversation, TEXTS[4], trained.refund, 0.8, new=True)

    stored = Triage.objects.get(pk=row.pk)
    assert stored.conversation_id == conversation.pk
    assert (stored.language, stored.category, stored.suggested_team) == (
        "en",
        trained.refund,
        trained.refund.team,
    )
    assert stored.angry
    assert stored.reasons == row.reasons
    assert ["angry", f"{stored.sentiment:.2f}"] in stored.reasons
    assert stored.created_at is not None
