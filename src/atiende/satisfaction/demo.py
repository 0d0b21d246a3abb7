"""The survey's part of the Sonora demo: most solved conversations were rated, mostly good,
with a few comments in the conversation's language. No message is sent (the demo's replies go
nowhere); the surveys and their `satisfaction.rated` events are written as the actions would."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from atiende.conversations.models import Conversation
from atiende.core import events
from atiende.core.models import Event
from atiende.demo import extensions as demo_extensions
from atiende.satisfaction.actions import survey_language
from atiende.satisfaction.models import Rating, Survey

COMMENTS = {
    Rating.GOOD: {
        "en": ["Quick and clear, thanks!", "Sorted in minutes.", ""],
        "es": ["¡Rápido y claro, gracias!", "Resuelto en minutos.", ""],
    },
    Rating.BAD: {
        "en": ["It took days to get an answer.", "I had to explain it three times.", ""],
        "es": ["Tardaron días en contestar.", "Tuve que explicarlo tres veces.", ""],
    },
}


def load(builder: Any) -> None:
    rng = builder.rng
    solves = Event.objects.filter(kind="conversation.status_changed", data__to="solved").order_by(
        "pk"
    )
    latest: dict[int, Event] = {}
    for solve in solves:
        if solve.conversation_id is not None:
            latest[solve.conversation_id] = solve
    conversations = Conversation.objects.filter(pk__in=latest).select_related("contact", "inbox")
    for conversation in conversations:
        sent_at = conversation.updated_at
        survey = Survey(
            conversation=conversation,
            solve_event=latest[conversation.pk],
            agent_id=conversation.assignee_id,
            team_id=conversation.team_id,
            language=survey_language(conversation),
            sent_at=sent_at,
        )
        if rng.random() < 0.65:  # about two customers in three answer
            rating = Rating.GOOD if rng.random() < 0.82 else Rating.BAD
            survey.rating = rating
            comments = COMMENTS[rating]
            survey.comment = rng.choice(comments.get(survey.language, comments["en"]))
            survey.rated_at = sent_at + timedelta(minutes=rng.randint(5, 600))
        survey.save()
        if survey.rating:
            events.record(
                "satisfaction.rated",
                conversation=conversation,
                actor_contact=conversation.contact,
                data={
                    "survey_id": survey.pk,
                    "rating": survey.rating,
                    "previous": "",
                    "comment": survey.comment,
                },
                publish=False,
            )


def register() -> None:
    demo_extensions.register("satisfaction", load=load, order=60)
