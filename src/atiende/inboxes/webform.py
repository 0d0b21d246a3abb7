"""The Help form channel: customers write from a web or in-app form and follow up in the portal.

Replies reach the customer as an email notification carrying the reply and a sign-in link to
the portal, where the whole conversation is.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from atiende.inboxes.contract import (
    Capabilities,
    DeliveryError,
    DeliveryResult,
    OutboundMessage,
    PermanentDeliveryError,
)
from atiende.inboxes.models import Inbox


class WebFormAdapter:
    kind = "webform"
    capabilities = Capabilities(attachments=True, html=True, max_length=None, typing=False)

    def verify_signature(self, inbox: Inbox, headers: dict[str, str], body: bytes) -> bool:
        # The form is a first-party page protected by CSRF and rate limits, not a provider.
        return True

    def send(self, inbox: Inbox, message: OutboundMessage) -> DeliveryResult:
        from atiende.portal.links import portal_link_for

        if not message.recipient_email:
            raise PermanentDeliveryError(_("The customer left no email address to notify."))
        link = portal_link_for(message.recipient_email, message.conversation_id)
        with translation.override(message.language or inbox.language or "en"):
            context = {"message": message, "link": link, "inbox": inbox}
            subject = _("Re: %(subject)s [#%(number)s]") % {
                "subject": message.subject or _("Your request"),
                "number": message.conversation_id,
            }
            text = render_to_string("inboxes/webform_reply.txt", context)
            html = render_to_string("inboxes/webform_reply.html", context)
        email = EmailMultiAlternatives(
            subject=subject,
            body=text,
            from_email=inbox.config.get("from_email") or settings.DEFAULT_FROM_EMAIL,
            to=[message.recipient_email],
            headers={
                "Auto-Submitted": "auto-generated",
                "X-Auto-Response-Suppress": "All",
                "X-Atiende-Message": message.idempotency_key,
            },
        )
        email.attach_alternative(html, "text/html")
        try:
            email.send()
        except OSError as exc:
            raise DeliveryError(str(exc)) from exc
        return DeliveryResult(external_id=f"webform-{message.idempotency_key}", status="sent")
