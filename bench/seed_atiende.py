"""Data for the API bench in atiende's own database (the one its environment names).

    python bench/seed_atiende.py setup     # an API inbox; prints {"inbox_id": N}
    python bench/seed_atiende.py seed N    # top conversations up to N with the ORM, in bulk

Seeding writes what the API's create writes for a new conversation (contact with an email
identity, conversation, its first inbound message) in bulk, so that listing can be measured at
a given size without spending minutes creating tickets through HTTP.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import timedelta

import django

CONTACTS = 1000
BATCH = 2000


def setup() -> dict[str, int]:
    from atiende.inboxes.models import ChannelKind, Inbox

    inbox = Inbox.objects.filter(channel=ChannelKind.API, name="Bench API").first()
    if inbox is None:
        inbox = Inbox.objects.create(name="Bench API", channel=ChannelKind.API)
    return {"inbox_id": inbox.pk}


def seed(total: int) -> dict[str, int]:
    from django.db import transaction
    from django.utils import timezone

    from atiende.conversations.models import Conversation, Direction, Message
    from atiende.inboxes.models import ChannelKind, Inbox
    from atiende.people.models import Contact, ContactIdentity, IdentityKind

    inbox = Inbox.objects.get(channel=ChannelKind.API, name="Bench API")
    with transaction.atomic():
        emails = [f"customer{i}@example.com" for i in range(CONTACTS)]
        known = set(
            ContactIdentity.objects.filter(kind=IdentityKind.EMAIL, value__in=emails).values_list(
                "value", flat=True
            )
        )
        missing = [email for email in emails if email not in known]
        created = Contact.objects.bulk_create(
            [Contact(name=email.split("@")[0].title(), email=email) for email in missing]
        )
        ContactIdentity.objects.bulk_create(
            [
                ContactIdentity(contact=contact, kind=IdentityKind.EMAIL, value=contact.email)
                for contact in created
            ]
        )
        contact_ids = list(
            ContactIdentity.objects.filter(kind=IdentityKind.EMAIL, value__in=emails).values_list(
                "contact_id", flat=True
            )
        )
        have = Conversation.objects.count()
        now = timezone.now()
        while have < total:
            size = min(BATCH, total - have)
            moments = [now - timedelta(seconds=total - have - i) for i in range(size)]
            conversations = Conversation.objects.bulk_create(
                [
                    Conversation(
                        inbox=inbox,
                        contact_id=contact_ids[(have + i) % len(contact_ids)],
                        subject=f"Seeded conversation {have + i}",
                        created_at=moments[i],
                        updated_at=moments[i],
                        last_message_at=moments[i],
                        last_seq=1,
                    )
                    for i in range(size)
                ]
            )
            Message.objects.bulk_create(
                [
                    Message(
                        conversation=conversation,
                        inbox=inbox,
                        seq=1,
                        direction=Direction.INBOUND,
                        author_contact_id=conversation.contact_id,
                        body_text="The invoice total does not match the plan I chose.",
                        created_at=conversation.created_at,
                    )
                    for conversation in conversations
                ]
            )
            have += size
    return {"conversations": Conversation.objects.count()}


def main(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atiende.settings")
    django.setup()
    if argv[1:2] == ["setup"]:
        print(json.dumps(setup()))
    elif argv[1:2] == ["seed"] and len(argv) == 3:
        print(json.dumps(seed(int(argv[2]))))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
