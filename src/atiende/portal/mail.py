"""The emails the customer side sends: "we got your request" and "here is your sign-in link".

Both carry a one-time portal link and are sent after the commit that made them needed, in the
customer's language. A mail server that fails is logged, never shown to the customer as an
error: the request itself is already stored.
"""

from __future__ import annotations

import logging
import smtplib

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from atiende.conversations.models import Conversation
from atiende.portal.links import portal_link_for

logger = logging.getLogger(__name__)


def _send(subject: str, template: str, context: dict[str, object], email: str) -> None:
    context["minutes"] = max(1, settings.ATIENDE_PORTAL_LINK_MAX_AGE // 60)
    body = render_to_string(template, context)
    try:
        send_mail(subject, body, None, [email])
    except (OSError, smtplib.SMTPException):
        logger.exception("could not send %s", template)


def send_request_received(
    *, email: str, name: str, conversation: Conversation, language: str
) -> None:
    link = portal_link_for(email, conversation.pk)
    with translation.override(language or "en"):
        subject = _("We received your request %(reference)s") % {
            "reference": conversation.reference
        }
        context = {"name": name, "conversation": conversation, "link": link}
        _send(subject, "portal/email/request_received.txt", context, email)


def send_signin_link(*, email: str, language: str) -> None:
    link = portal_link_for(email)
    with translation.override(language or "en"):
        subject = _("Your sign-in link for Sonora support")
        _send(subject, "portal/email/signin_link.txt", {"link": link}, email)
