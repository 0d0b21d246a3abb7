"""How the bot's and triage's events read on the conversation timeline."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from atiende.core.models import Event

REASONS = {
    "low confidence": gettext_lazy("no article matched well enough"),
    "no articles": gettext_lazy("the help center has no articles yet"),
    "sensitive intent": gettext_lazy("a sensitive question"),
    "sensitive article": gettext_lazy("the matching article is marked sensitive"),
    "customer asked for a person": gettext_lazy("the customer asked for a person"),
    "answer did not help": gettext_lazy("the answer did not help"),
    "bot error": gettext_lazy("the bot could not answer (an error, see the logs)"),
}


def _reason(event: Event) -> str:
    reason = str(event.data.get("reason", ""))
    text = str(REASONS.get(reason, reason))
    # The intent's name says which kind of sensitive question; other details are technical.
    detail = event.data.get("detail") if reason == "sensitive intent" else None
    return f"{text} ({detail})" if detail else text


def describe_handed_off(event: Event) -> str:
    return _("The answer bot handed the conversation to the team: %(reason)s") % {
        "reason": _reason(event)
    }


def describe_answered(event: Event) -> str:
    data = event.data
    text = _("The answer bot answered with “%(title)s” (confidence %(confidence)s)") % {
        "title": data.get("title", ""),
        "confidence": data.get("confidence", ""),
    }
    if data.get("generated"):
        text = f"{text} · {_('generated answer')}"
    return text


def describe_resolved(event: Event) -> str:
    return _("The customer said the bot's answer solved it")


def describe_triaged(event: Event) -> str:
    data = event.data
    parts = [_("Triage: language %(language)s") % {"language": data.get("language") or "?"}]
    if data.get("category"):
        parts.append(
            _("category %(category)s (%(confidence)s)")
            % {"category": data["category"], "confidence": data.get("confidence")}
        )
    if data.get("tags"):
        parts.append(_("tags %(tags)s") % {"tags": ", ".join(data["tags"])})
    return "; ".join(parts)


def describe_corrected(event: Event) -> str:
    actor = str(event.actor_user or _("System"))
    return _("%(actor)s set the category to %(category)s") % {
        "actor": actor,
        "category": event.data.get("to", ""),
    }


DESCRIPTIONS = {
    "conversation.handed_off": describe_handed_off,
    "assistant.answered": describe_answered,
    "assistant.resolved": describe_resolved,
    "assistant.triaged": describe_triaged,
    "assistant.triage_corrected": describe_corrected,
}
