"""Factories that build data through the real actions where an action exists."""

from __future__ import annotations

import itertools

from atiende.conversations.actions import receive_message
from atiende.conversations.models import Conversation, Message
from atiende.inboxes.contract import InboundAttachment, InboundMessage
from atiende.inboxes.models import ChannelKind, Inbox
from atiende.people.models import Contact, Role, Team, User

_counter = itertools.count(1)


class Factory:
    def team(self, name: str = "") -> Team:
        n = next(_counter)
        name = name or f"Team {n}"
        return Team.objects.create(name=name, slug=f"team-{n}")

    def user(
        self, role: str = Role.AGENT, teams: list[Team] | None = None, **fields: object
    ) -> User:
        n = next(_counter)
        user = User.objects.create_user(
            username=str(fields.pop("username", f"agent{n}")),
            password=str(fields.pop("password", "pw-for-tests-only")),
            role=role,
            email=f"agent{n}@example.test",
            **fields,
        )
        if teams:
            user.teams.set(teams)
        return user

    def inbox(
        self, channel: str = ChannelKind.WEBFORM, team: Team | None = None, **fields: object
    ) -> Inbox:
        n = next(_counter)
        return Inbox.objects.create(
            name=str(fields.pop("name", f"Inbox {n}")), channel=channel, default_team=team, **fields
        )

    def inbound(
        self,
        inbox: Inbox,
        email: str = "",
        text: str = "Hello, my playlist is gone",
        *,
        external_id: str = "",
        subject: str = "",
        name: str = "",
        attachments: tuple[InboundAttachment, ...] = (),
        new_conversation: bool = False,
        conversation_id: int | None = None,
    ) -> Message:
        n = next(_counter)
        email = email or f"customer{n}@example.test"
        result = receive_message(
            InboundMessage(
                inbox_id=inbox.pk,
                identity_kind="email",
                identity_value=email,
                email=email,
                name=name or f"Customer {n}",
                text=text,
                subject=subject or f"Subject {n}",
                external_id=external_id,
                attachments=attachments,
                new_conversation=new_conversation,
                conversation_id=conversation_id,
            )
        )
        return result.message

    def conversation(
        self, inbox: Inbox | None = None, email: str = "", **kwargs: object
    ) -> Conversation:
        inbox = inbox or self.inbox()
        message = self.inbound(inbox, email=email, new_conversation=True, **kwargs)  # type: ignore[arg-type]
        return message.conversation

    def contact(self, email: str = "") -> Contact:
        return self.conversation(email=email).contact
