"""How the survey's events read on the conversation timeline."""

from __future__ import annotations

from django.utils.translation import gettext as _

from atiende.core.models import Event
from atiende.satisfaction.models import Rating


def rating_label(value: object) -> str:
    return str(Rating(value).label) if value in Rating.values else str(value or "—")


def describe_requested(event: Event) -> str:
    return _("Satisfaction survey sent to the customer")


def describe_rated(event: Event) -> str:
    data = event.data
    if data.get("previous"):
        text = _("The customer changed their rating from %(previous)s to %(rating)s") % {
            "previous": rating_label(data["previous"]),
            "rating": rating_label(data.get("rating")),
        }
    else:
        text = _("The customer rated the help: %(rating)s") % {
            "rating": rating_label(data.get("rating"))
        }
    if data.get("comment"):
        text = f"{text}: “{data['comment']}”"
    return text


DESCRIPTIONS = {
    "satisfaction.requested": describe_requested,
    "satisfaction.rated": describe_rated,
}
