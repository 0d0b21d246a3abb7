"""Build the Sonora demo through the real actions.

Every conversation is written the way production writes it: `receive_message` for customers,
`send_reply`, `add_note`, `assign`, `change_status`... for agents. Only the timestamps are
demo-made: after the actions ran, messages and conversations are moved back in time (spread
over the last 30 days) with bulk updates, so the inbox looks lived-in.
"""

from __future__ import annotations

import random
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from atiende.conversations.actions import (
    add_note,
    assign,
    change_priority,
    change_status,
    change_team,
    merge_contacts,
    receive_message,
    send_reply,
    tag,
)
from atiende.conversations.models import Conversation, Message, Status
from atiende.core import hooks, tasks
from atiende.demo import data
from atiende.demo import extensions as demo_extensions
from atiende.inboxes.contract import InboundMessage
from atiende.inboxes.models import ChannelKind, Inbox
from atiende.people.models import Contact, IdentityKind, Role, Team, User

SEED = 20_240_601
CONVERSATIONS = 200
CUSTOMERS = 120
# Customers 0..API_FIRST-1 write from the Help forms, the rest through the partner's API.
API_FIRST = 100
# Help form customers who also wrote once through the partner (merged into one contact).
MERGED = 6
STATUS_WEIGHTS: dict[str, int] = {
    Status.NEW: 30,
    Status.OPEN: 45,
    Status.PENDING: 30,
    Status.SOLVED: 50,
    Status.CLOSED: 45,
}
# How long ago (days) a conversation in each status started.
AGE_DAYS: dict[str, tuple[float, float]] = {
    Status.NEW: (0.05, 1.5),
    Status.OPEN: (0.5, 6),
    Status.PENDING: (1, 10),
    Status.SOLVED: (2, 25),
    Status.CLOSED: (6, 30),
}
# The two portal customers carry the account stories (atiende.accounts.demo): the first manages
# a Family plan and was charged twice, the second is a student whose card expired. Their first
# conversation is about that story and still open, so the agent finds it beside the account.
STORY_PLANS = {0: "family", 1: "student"}
STORY_TOPICS = {0: "charged_twice", 1: "card_expired"}
Progress = Callable[[int, int], None]


class AlreadyLoaded(Exception):
    """The demo is in this database already."""


@dataclass(frozen=True)
class Customer:
    number: int
    first: str
    last: str
    email: str
    language: str
    plan: str
    api_ref: str

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"


@dataclass
class Plan:
    """One conversation to write: who, what about, where, and how far it got."""

    customer: Customer
    topic: data.Topic
    channel: str
    status: str
    start: datetime
    number: int


@dataclass
class Built:
    """What a load produced, for the summary."""

    conversations: int = 0
    customers: int = 0
    messages: int = 0


def is_loaded() -> bool:
    return User.objects.filter(username=data.AGENTS[0].username).exists()


def _ascii(value: str) -> str:
    decomposed = unicodedata.normalize("NFKD", value.lower())
    kept = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return "".join(ch for ch in kept if ch.isalnum())


class DemoBuilder:
    def __init__(self, progress: Progress | None = None) -> None:
        self.rng = random.Random(SEED)
        self.now = timezone.now().replace(second=0, microsecond=0)
        self.progress = progress
        self.teams: dict[str, Team] = {}
        self.people: dict[str, User] = {}
        self.speakers: dict[tuple[str, str], list[User]] = {}
        self.inboxes: dict[str, Inbox] = {}
        # Demo timestamps to apply once every action has run.
        self.message_times: dict[int, datetime] = {}
        self.conversation_times: dict[int, tuple[datetime, datetime, datetime]] = {}
        self.contact_times: dict[int, datetime] = {}
        # The moment the conversation being written has reached, and its messages' moments.
        self.clock = self.now
        self.times: list[datetime] = []

    # --- setup ---------------------------------------------------------------------------------

    def create_staff(self) -> None:
        for slug, name, description in data.TEAMS:
            self.teams[slug] = Team.objects.create(name=name, slug=slug, description=description)
        # One hash for all the demo's accounts: hashing is deliberately slow.
        password = make_password(data.DEMO_PASSWORD)
        for agent in data.AGENTS:
            user = User.objects.create(
                username=agent.username,
                first_name=agent.first_name,
                last_name=agent.last_name,
                email=f"{agent.username}@sonora.example",
                role=agent.role,
                language=agent.languages[0],
                is_staff=agent.role == Role.ADMIN,
                is_superuser=agent.role == Role.ADMIN,
                password=password,
            )
            user.teams.set([self.teams[slug] for slug in agent.teams])
            self.people[agent.username] = user
            for slug in agent.teams:
                for language in agent.languages:
                    self.speakers.setdefault((slug, language), []).append(user)
        self.inboxes = {
            "en": Inbox.objects.create(
                name="Help form",
                channel=ChannelKind.WEBFORM,
                language="en",
                config={"from_email": "help@sonora.example"},
            ),
            "es": Inbox.objects.create(
                name="Formulario de ayuda",
                channel=ChannelKind.WEBFORM,
                language="es",
                config={"from_email": "ayuda@sonora.example"},
            ),
            "api": Inbox.objects.create(
                name="Partner API",
                channel=ChannelKind.API,
                language="en",
                config={"partner": "Telco Norte bundle"},
            ),
        }

    @property
    def supervisor(self) -> User:
        return self.people["demo-supervisor"]

    def customers(self) -> list[Customer]:
        result: list[Customer] = []
        used: set[str] = set()
        for number in range(CUSTOMERS):
            language = "es" if number % 5 in {1, 3} else "en"
            while True:
                first = self.rng.choice(data.FIRST_NAMES[language])
                last = self.rng.choice(data.LAST_NAMES[language])
                if f"{first} {last}" not in used:
                    used.add(f"{first} {last}")
                    break
            domain = self.rng.choice(data.EMAIL_DOMAINS)
            plan = self.rng.choice((*data.PAID_PLANS, *data.PAID_PLANS, "free"))
            plan = STORY_PLANS.get(number, plan)
            result.append(
                Customer(
                    number=number,
                    first=first,
                    last=last,
                    email=f"{_ascii(first)}.{_ascii(last)}@{domain}",
                    language=language,
                    plan=plan,
                    api_ref=f"tn-{40_000 + number * 37}",
                )
            )
        return result

    def plans(self, customers: list[Customer]) -> list[Plan]:
        statuses = list(STATUS_WEIGHTS)
        weights = list(STATUS_WEIGHTS.values())
        plans: list[Plan] = []
        regulars = customers[:40]
        for number in range(CONVERSATIONS):
            customer = customers[number] if number < CUSTOMERS else self.rng.choice(regulars)
            channel = "api" if customer.number >= API_FIRST else "webform"
            if CUSTOMERS <= number < CUSTOMERS + MERGED:
                customer, channel = customers[number - CUSTOMERS], "api"
            status = self.rng.choices(statuses, weights)[0]
            if number in STORY_TOPICS:
                status = Status.OPEN
            low, high = AGE_DAYS[status]
            start = self.now - timedelta(days=self.rng.uniform(low, high))
            topic = self.rng.choice(data.TOPICS)
            if number in STORY_TOPICS:
                topic = next(item for item in data.TOPICS if item.key == STORY_TOPICS[number])
            plans.append(Plan(customer, topic, channel, status, start, number))
        plans.sort(key=lambda plan: plan.start)
        return plans

    # --- one conversation ----------------------------------------------------------------------

    def slots(self, plan: Plan) -> dict[str, str]:
        language = plan.customer.language
        rng = self.rng
        current = plan.customer.plan
        if current not in plan.topic.plans:
            current = rng.choice(plan.topic.plans)
        plan_name, price = data.PLANS[language][current]
        day = plan.start - timedelta(days=rng.randint(1, 12))
        month = data.MONTHS[language][day.month - 1]
        date = f"{month} {day.day}" if language == "en" else f"{day.day} de {month}"
        platform = plan.topic.platform or rng.choice(("android", "ios"))
        return {
            "first": plan.customer.first,
            "plan": plan_name,
            "price": price,
            "date": date,
            "device": rng.choice(data.DEVICES[platform]),
            "os": rng.choice(data.DEVICES["desktop"]),
            "version": rng.choice(data.APP_VERSIONS),
            "error": rng.choice(data.ERROR_CODES),
            "last4": f"{rng.randint(0, 9999):04d}",
            "invoice": f"SNR-{rng.randint(100_000, 999_999)}",
            "artist": rng.choice(data.ARTISTS),
            "podcast": rng.choice(data.PODCASTS),
            "speaker": rng.choice(data.SPEAKERS[language]),
        }

    def pick(self, options: list[str], slots: dict[str, str]) -> str:
        return self.rng.choice(options).format(**slots)

    def agent_text(self, body: str, agent: User, language: str, slots: dict[str, str]) -> str:
        greeting = data.GREETINGS[language].format(**slots)
        sign_off = data.SIGN_OFFS[language].format(agent=agent.first_name)
        return f"{greeting}\n\n{body}\n\n{sign_off}"

    def inbound(
        self, plan: Plan, text: str, conversation: Conversation | None = None
    ) -> Conversation:
        customer = plan.customer
        language = customer.language
        api = plan.channel == "api"
        subject = self.pick(plan.topic.subjects[language], {"first": customer.first})
        result = receive_message(
            InboundMessage(
                inbox_id=self.inboxes["api" if api else language].pk,
                identity_kind=IdentityKind.API if api else IdentityKind.EMAIL,
                identity_value=customer.api_ref if api else customer.email,
                email=customer.email,
                name=customer.name,
                text=text,
                subject=subject,
                language=language,
                external_id=f"tn-msg-{plan.number}-{len(self.times)}" if api else "",
                conversation_id=conversation.pk if conversation else None,
                new_conversation=conversation is None,
                identity_verified=api,
            )
        )
        self.stamp(result.message)
        return result.conversation

    def stamp(self, message: Message) -> None:
        self.times.append(self.clock)
        self.message_times[message.pk] = self.clock

    def build_conversation(self, plan: Plan) -> Conversation:
        rng = self.rng
        topic = plan.topic
        language = plan.customer.language
        slots = self.slots(plan)
        agent = rng.choice(self.speakers[(topic.team, language)])
        # Hours between the steps; squeezed when they would end in the future.
        steps = [rng.uniform(0.1, 8), rng.uniform(1, 20), rng.uniform(0.5, 6), rng.uniform(48, 96)]
        used = sum(steps[: STEPS_USED[plan.status]])
        budget = (self.now - timedelta(minutes=5) - plan.start).total_seconds() / 3600
        scale = min(1.0, budget / used)
        hours = iter([step * scale for step in steps])
        self.clock = plan.start
        self.times = []

        def advance() -> None:
            self.clock = self.clock + timedelta(hours=next(hours))

        conversation = self.inbound(plan, self.pick(topic.openings[language], slots))
        supervisor = self.supervisor
        triaged = plan.status != Status.NEW or rng.random() < 0.7
        if triaged:
            change_team(supervisor, conversation, self.teams[topic.team])
            change_priority(supervisor, conversation, rng.choice(topic.priorities))
            extra = ["partner"] if plan.channel == "api" else []
            if rng.random() < 0.06:
                extra.append("vip")
            tag(supervisor, conversation, add=[*topic.tags, *extra])

        def reply(options: list[str], status: str | None = None, suffix: str = "") -> None:
            body = f"{self.pick(options, slots)}{suffix}"
            text = self.agent_text(body, agent, language, slots)
            self.stamp(send_reply(agent, conversation, text=text, status=status))

        def note() -> None:
            self.stamp(add_note(agent, conversation, text=self.pick(topic.notes[language], slots)))

        if plan.status == Status.NEW:
            if triaged and rng.random() < 0.3:
                assign(supervisor, conversation, agent)
            if rng.random() < 0.25:
                advance()
                self.inbound(plan, rng.choice(data.NUDGES[language]), conversation)
        elif plan.status == Status.OPEN:
            advance()
            reply(topic.first_replies[language])
            advance()
            if rng.random() < 0.4:
                note()
            self.inbound(plan, self.pick(topic.follow_ups[language], slots), conversation)
        elif plan.status == Status.PENDING:
            advance()
            if rng.random() < 0.4:
                note()
            reply(topic.first_replies[language], Status.PENDING, f" {data.PENDING_ASKS[language]}")
        else:
            advance()
            reply(topic.first_replies[language], Status.PENDING)
            advance()
            self.inbound(plan, self.pick(topic.follow_ups[language], slots), conversation)
            advance()
            if rng.random() < 0.5:
                note()
            reply(topic.resolutions[language], Status.SOLVED)
            if plan.status == Status.CLOSED:
                advance()
                change_status(rng.choice([agent, supervisor]), conversation, Status.CLOSED)
        self.conversation_times[conversation.pk] = (plan.start, self.clock, max(self.times))
        contact_id = conversation.contact_id
        self.contact_times.setdefault(contact_id, plan.start)
        return conversation

    # --- the whole demo ------------------------------------------------------------------------

    def merge_partner_duplicates(self, customers: list[Customer]) -> None:
        """The first Help form customers also wrote through the partner, which created a second
        contact for each; an agent merged them, as one would in the inbox."""
        for customer in customers[:MERGED]:
            target = Contact.objects.get(
                identities__kind=IdentityKind.EMAIL, identities__value=customer.email
            )
            source = Contact.objects.get(
                identities__kind=IdentityKind.API, identities__value=customer.api_ref
            )
            if source.pk != target.pk:
                merge_contacts(self.supervisor, source, target)

    def apply_timestamps(self) -> None:
        messages = list(Message.objects.filter(pk__in=self.message_times).only("pk"))
        for message in messages:
            message.created_at = self.message_times[message.pk]
        Message.objects.bulk_update(messages, ["created_at"], batch_size=250)
        conversations = list(Conversation.objects.filter(pk__in=self.conversation_times))
        for conversation in conversations:
            created, updated, last_message = self.conversation_times[conversation.pk]
            conversation.created_at = created
            conversation.updated_at = updated
            conversation.last_message_at = last_message
        Conversation.objects.bulk_update(
            conversations, ["created_at", "updated_at", "last_message_at"], batch_size=250
        )
        contacts = list(Contact.objects.filter(pk__in=self.contact_times).only("pk"))
        for contact in contacts:
            contact.created_at = self.contact_times[contact.pk]
        Contact.objects.bulk_update(contacts, ["created_at"], batch_size=250)

    def build(self) -> Built:
        built = Built()
        with transaction.atomic():
            if is_loaded():
                raise AlreadyLoaded
            self.create_staff()
            customers = self.customers()
            plans = self.plans(customers)
            for done, plan in enumerate(plans, start=1):
                self.build_conversation(plan)
                if self.progress is not None and (done % 25 == 0 or done == len(plans)):
                    self.progress(done, len(plans))
            self.merge_partner_duplicates(customers)
            self.apply_timestamps()
            for extension in demo_extensions.extensions():
                if extension.load is not None:
                    extension.load(self)
        built.conversations = len(plans)
        built.customers = len(customers)
        built.messages = len(self.message_times)
        return built


STEPS_USED: dict[str, int] = {
    Status.NEW: 1,
    Status.OPEN: 2,
    Status.PENDING: 1,
    Status.SOLVED: 3,
    Status.CLOSED: 4,
}
# The demo's replies go nowhere: the Help form would otherwise print each notification mail.
QUIET_MAIL = {"default": {"BACKEND": "django.core.mail.backends.dummy.EmailBackend"}}


def load(progress: Progress | None = None) -> tuple[Built, float]:
    """Load the demo and deliver its replies; AlreadyLoaded when it is there already."""
    started = time.perf_counter()
    # No live fan-out of the load's ~3,000 events: no browser is watching a demo being loaded
    # (and with Redis, agents already signed in would get a flood), and publishing them one by
    # one would double the load time. The events themselves are all recorded.
    with override_settings(MAILERS=QUIET_MAIL, CHANNEL_LAYERS={}), hooks.suspended():
        built = DemoBuilder(progress).build()
        tasks.drain(limit=100_000)
    return built, time.perf_counter() - started


def sign_in_details() -> dict[str, Any]:
    """Who to sign in as, and a demo customer with a conversation to open in the portal."""
    from atiende.portal.links import portal_link_for

    customers = []
    for email in _portal_emails():
        conversation = (
            Conversation.objects.filter(
                contact__identities__kind=IdentityKind.EMAIL,
                contact__identities__value=email,
                inbox__channel=ChannelKind.WEBFORM,
            )
            .order_by("-last_message_at")
            .select_related("contact")
            .first()
        )
        if conversation is not None:
            customers.append(
                {
                    "name": conversation.contact.name,
                    "email": email,
                    "language": conversation.language,
                    "link": portal_link_for(email, conversation.pk),
                }
            )
    return {"customers": customers}


def _portal_emails() -> list[str]:
    """The two demo customers (one English, one Spanish) offered for the portal."""
    builder = DemoBuilder()
    return [customer.email for customer in builder.customers()[:2]]
