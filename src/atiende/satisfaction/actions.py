"""Every write of the satisfaction survey: the per-inbox switch, sending a survey after a solve,
and the customer's rating.

A survey is one automatic message in the conversation (`Direction.BOT`, through the durable
outbox and the conversation's own channel adapter) carrying two signed links, "Good" and "Bad".
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from atiende.conversations.actions.common import lock, queue_message
from atiende.conversations.models import Conversation, Direction, Status
from atiende.core import events
from atiende.core.errors import ActionError, NotFound
from atiende.core.languages import site_language
from atiende.core.masking import mask_secrets
from atiende.core.models import Event
from atiende.inboxes.models import ChannelKind, Inbox
from atiende.inboxes.registry import adapter_for
from atiende.people.models import ContactIdentity
from atiende.satisfaction import tokens
from atiende.satisfaction.models import Rating, Survey, SurveySettings

logger = logging.getLogger(__name__)

MAX_COMMENT_LENGTH = 2000
# The answer bot's own resolution: the customer has just said "that solved it".
BOT_RESOLUTION = "resolved by the bot"
EMAIL_CHANNELS = frozenset({ChannelKind.WEBFORM, ChannelKind.EMAIL})


def surveys_enabled(inbox: Inbox) -> bool:
    setting = SurveySettings.objects.filter(inbox=inbox).first()
    return setting is None or setting.enabled


def set_surveys_enabled(inbox: Inbox, enabled: bool) -> SurveySettings:
    setting, _created = SurveySettings.objects.update_or_create(
        inbox=inbox, defaults={"enabled": enabled}
    )
    return setting


def reachable(conversation: Conversation) -> bool:
    """Whether the conversation's channel can carry a message to this customer."""
    inbox = conversation.inbox
    try:
        adapter = adapter_for(inbox)
    except LookupError:
        return False
    if not adapter.capabilities.outbound:
        return False  # the API channel: integrators read, nobody is written to
    if inbox.channel in EMAIL_CHANNELS:
        return bool(conversation.contact.email)
    return ContactIdentity.objects.filter(
        contact_id=conversation.contact_id, kind=inbox.channel
    ).exists()


def skip_reason(conversation: Conversation, solve: Event) -> str:
    """Why this solve gets no survey ("" when it gets one)."""
    if conversation.status != Status.SOLVED:
        return "no longer solved"
    later = Event.objects.filter(
        conversation_id=conversation.pk, kind="conversation.status_changed", pk__gt=solve.pk
    )
    if later.exists():
        return "a later status change"
    if solve.data.get("reason") == BOT_RESOLUTION:
        return "resolved by the bot"
    if not surveys_enabled(conversation.inbox):
        return "surveys off in this inbox"
    if not reachable(conversation):
        return "customer not reachable"
    previous = Survey.objects.filter(conversation_id=conversation.pk).order_by("-id").first()
    if previous is not None and previous.answered:
        return "answered after the last solve"
    return ""


def survey_language(conversation: Conversation) -> str:
    return site_language(
        conversation.language, conversation.contact.language, conversation.inbox.language
    )


def survey_text(survey: Survey, conversation: Conversation) -> str:
    """The question, in the survey's language, with its two links."""
    expires = timezone.localtime(survey.sent_at + timedelta(seconds=tokens.max_age()))
    with translation.override(survey.language):
        if conversation.subject:
            question = _("How would you rate the help you got with “%(subject)s”?") % {
                "subject": conversation.subject
            }
        else:
            question = _("How would you rate the help you got with your request #%(number)s?") % {
                "number": conversation.pk
            }
        lines = [
            question,
            "",
            _("Good: %(url)s") % {"url": tokens.survey_url(survey.pk, Rating.GOOD)},
            _("Bad: %(url)s") % {"url": tokens.survey_url(survey.pk, Rating.BAD)},
            "",
            _("You can add a comment, and change your answer until %(date)s.")
            % {"date": formats.date_format(expires, "DATE_FORMAT")},
        ]
    return "\n".join(lines)


def send_survey(conversation_id: int, solve_event_id: int) -> Survey | None:
    """Ask the customer to rate the solve `solve_event_id`, once; None when it is not asked."""
    with transaction.atomic():
        conversation = Conversation.objects.filter(pk=conversation_id).first()
        solve = Event.objects.filter(pk=solve_event_id, conversation_id=conversation_id).first()
        if conversation is None or solve is None:
            return None
        conversation = lock(conversation)
        if Survey.objects.filter(solve_event_id=solve.pk).exists():
            return None  # the task ran before
        reason = skip_reason(conversation, solve)
        if reason:
            logger.info("no survey for conversation %s: %s", conversation.pk, reason)
            return None
        survey = Survey.objects.create(
            conversation=conversation,
            solve_event=solve,
            agent_id=conversation.assignee_id,
            team_id=conversation.team_id,
            language=survey_language(conversation),
        )
        message = queue_message(
            conversation,
            direction=Direction.BOT,
            text=survey_text(survey, conversation),
            event_data={"survey_id": survey.pk},
        )
        survey.message = message
        survey.save(update_fields=["message"])
        events.record(
            "satisfaction.requested",
            conversation=conversation,
            data={"survey_id": survey.pk, "language": survey.language},
        )
    return survey


@dataclass(frozen=True)
class RatingResult:
    survey: Survey
    # False when the same rating and comment came again (a second click, a replayed form).
    changed: bool


def clean_comment(comment: str) -> str:
    """The comment as stored: trimmed, secrets masked; too long is refused, not cut."""
    comment = comment.strip()
    if len(comment) > MAX_COMMENT_LENGTH:
        raise ActionError(
            _("Please keep the comment under %(limit)d characters.") % {"limit": MAX_COMMENT_LENGTH}
        )
    return mask_secrets(comment).text


def rate(survey_id: int, rating: str, comment: str = "") -> RatingResult:
    """The customer's answer; a later one replaces it (the timeline keeps each)."""
    if rating not in Rating.values:
        raise ActionError(_("Choose Good or Bad."))
    comment = clean_comment(comment)
    with transaction.atomic():
        survey = (
            Survey.objects.select_for_update()
            .select_related("conversation__contact")
            .filter(pk=survey_id)
            .first()
        )
        if survey is None:
            raise NotFound(_("This survey does not exist."))
        if survey.rating == rating and survey.comment == comment:
            return RatingResult(survey, changed=False)
        previous = survey.rating
        survey.rating = rating
        survey.comment = comment
        survey.rated_at = timezone.now()
        survey.save(update_fields=["rating", "comment", "rated_at"])
        conversation = survey.conversation
        events.record(
            "satisfaction.rated",
            conversation=conversation,
            actor_contact=conversation.contact,
            data={
                "survey_id": survey.pk,
                "rating": rating,
                "previous": previous,
                "comment": comment,
            },
        )
    return RatingResult(survey, changed=True)


def latest_survey(conversation: Conversation) -> Survey | None:
    return Survey.objects.filter(conversation=conversation).order_by("-id").first()
