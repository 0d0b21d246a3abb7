"""Every message and update type the providers document reaches the conversation as something
an agent can read, or is left out on purpose; a malformed item in a batch is reported while the
others are stored; text keeps every character. Payloads follow the providers' webhook
references (tests/social/fixtures/*_types.json, telegram_updates.json)."""

from __future__ import annotations

import json
from typing import Any

from django.utils import timezone, translation

from atiende.conversations.models import Attachment, Message
from atiende.core import tasks
from atiende.core.models import Task, TaskStatus
from atiende.inboxes.models import Inbox
from atiende.social.common import location_text, unsupported_text
from atiende.social.models import EventStatus, WebhookEvent
from tests.factories import Factory
from tests.social import provider as fake
from tests.social.conftest import FIXTURES, payload, post_meta, post_telegram, post_x, social_inbox
from tests.social.provider import MP4, OGG, PNG, Failure, Provider

FIRST_WAMID = "wamid.HBgLMzQ2MDAxMTEyMjIVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA="


def _texts(inbox: Inbox) -> dict[str, str]:
    return dict(Message.objects.filter(inbox=inbox).values_list("external_id", "body_text"))


def _only_event(inbox: Inbox) -> WebhookEvent:
    return WebhookEvent.objects.filter(inbox=inbox).order_by("-pk").first()  # type: ignore[return-value]


def test_whatsapp_types_become_readable_messages_and_a_bad_item_is_reported(
    factory: Factory, provider: Provider
) -> None:
    inbox = social_inbox(factory, "whatsapp", provider, phone_number_id=fake.PHONE_NUMBER_ID)
    post_meta(inbox, payload("whatsapp_text.json"))
    tasks.drain()

    answer = post_meta(inbox, payload("whatsapp_types.json"))
    tasks.drain()

    assert answer.status_code == 200
    texts = _texts(inbox)
    assert texts["wamid.location"] == (
        "📍 Location: 40.4168, -3.7038 (Puerta del Sol, Plaza de la Puerta del Sol, Madrid)\n"
        "https://maps.example/sol"
    )
    assert texts["wamid.contacts"] == (
        "👤 Contact: Ana Gómez, +34 600 333 444, ana@example.com (Banco Sur Gerente)"
    )
    assert texts["wamid.button_reply"] == "Yes, block my card"
    assert texts["wamid.list_reply"] == "Withdrawals\nMoney leaving the account"
    assert texts["wamid.button"] == "Stop promotions"
    assert texts["wamid.reaction"] == "[Reacted 👍 to “Hola, no puedo entrar en mi cuenta”]"
    assert "wamid.unreaction" not in texts  # a reaction taken back: nothing to show
    assert texts["wamid.order"] == (
        "🛒 Order from catalog 987654321:\n2 x hw-wallet-2 (79.9 EUR)\n¿Llega antes del viernes?"
    )
    assert texts["wamid.system"] == "[User A changed from 34600111222 to 34600999888]"
    assert texts["wamid.unsupported"] == (
        "[The customer sent a message of type “poll_creation” on WhatsApp, which atiende "
        "cannot show.] (131051 Message type unknown: Message type is currently not supported.)"
    )
    assert texts["wamid.referral"] == (
        "Is this offer still on?\n[Came from Zero fees in December — https://fb.me/ad123]"
    )
    assert texts["wamid.forwarded"] == "[Forwarded]\nIs this message from you?"
    assert "wamid.welcome" not in texts  # the chat opened, nothing written yet
    # Another customer's reaction to Lucía's message does not quote it.
    assert texts["wamid.otherreaction"] == "[Reacted 😮 to a message]"
    # The malformed items of the second entry are reported; the one after them is stored.
    assert texts["wamid.after"] == "مرحبا، بطاقتي لا تعمل"
    assert "wamid.nosender" not in texts
    assert "wamid.badreaction" not in texts
    event = _only_event(inbox)
    assert event.status == EventStatus.DONE
    assert "message wamid.nosender: ValueError" in event.error
    assert "message wamid.badreaction: AttributeError" in event.error
    assert "message #3: TypeError: not an object: 'wamid.not-an-object'" in event.error
    assert len(event.error.splitlines()) == 3


def test_a_batch_whose_file_cannot_be_fetched_yet_keeps_the_rest_and_retries(
    factory: Factory, provider: Provider
) -> None:
    inbox = social_inbox(factory, "whatsapp", provider, phone_number_id=fake.PHONE_NUMBER_ID)
    body = json.loads(payload("whatsapp_image.json"))
    messages = body["entry"][0]["changes"][0]["value"]["messages"]
    messages[:] = [messages[0], {**messages[0], "id": "wamid.words", "type": "text"}]
    messages[1]["text"] = {"body": "Did you get my screenshot?"}
    del messages[1]["image"]
    provider.failures = [Failure(500, {"error": {"message": "Service unavailable", "code": 2}})]

    post_meta(inbox, json.dumps(body).encode())
    tasks.drain()
    first = _texts(inbox)
    Task.objects.filter(status=TaskStatus.PENDING).update(run_at=timezone.now())
    tasks.drain()

    assert first == {"wamid.words": "Did you get my screenshot?"}  # stored while waiting
    assert _texts(inbox)[messages[0]["id"]] == "This is the error I get"
    assert (
        Attachment.objects.get().message_id == Message.objects.get(external_id=messages[0]["id"]).pk
    )
    assert Message.objects.filter(inbox=inbox).count() == 2
    assert _only_event(inbox).status == EventStatus.DONE


def test_a_whatsapp_sticker_is_kept_as_a_file(factory: Factory, provider: Provider) -> None:
    inbox = social_inbox(factory, "whatsapp", provider, phone_number_id=fake.PHONE_NUMBER_ID)
    provider.media["media-sticker-1"] = (PNG, "image/webp")
    body = json.loads(payload("whatsapp_text.json"))
    message = body["entry"][0]["changes"][0]["value"]["messages"][0]
    message.update(type="sticker", sticker={"id": "media-sticker-1", "animated": False})
    del message["text"]

    post_meta(inbox, json.dumps(body).encode())
    tasks.drain()

    stored = Message.objects.get(inbox=inbox)
    assert Attachment.objects.get(message=stored).filename == "sticker-media-sticker-1.webp"


def test_messenger_types_become_readable_messages(factory: Factory, provider: Provider) -> None:
    inbox = social_inbox(factory, "messenger", provider, page_id=fake.PAGE_ID)

    answer = post_meta(inbox, payload("messenger_types.json"))
    tasks.drain()

    assert answer.status_code == 200
    texts = _texts(inbox)
    stamp = "6789012345678901:1765150302000"
    assert texts == {
        "m_quick_reply": "Track my order",
        "m_postback": "Talk to a person",
        f"postback:{stamp}": "Get started",
        "reaction:m_quick_reply:6789012345678901:1765150303000": (
            "[Reacted ❤ to “Track my order”]"
        ),
        "m_fallback": "Incident 42 https://status.example.com/incident/42",
        "m_location": "📍 Location: 51.5007, -0.1246 (Sam's location)",
        "m_template": "Hardware wallet 79.90 EUR https://shop.example/w2",
        "m_quick_reply:edit:1": "[Edited] Track my order #5512",
        "m_odd": (
            "[The customer sent a message of type “hologram” on Messenger, which atiende "
            "cannot show.]"
        ),
    }  # the unreaction, the referral and the delivery of an unknown reply: left out
    event = _only_event(inbox)
    assert event.status == EventStatus.DONE
    assert event.error == "event 1765150311000: ValueError: a message without sender or id"


def test_instagram_types_become_readable_messages(factory: Factory, provider: Provider) -> None:
    inbox = social_inbox(factory, "instagram", provider, instagram_id="17841400000000001")

    post_meta(inbox, payload("instagram_types.json"))
    tasks.drain()

    texts = _texts(inbox)
    assert texts == {
        "ig_story_mention": "[Mentioned you in their story https://lookaside.example/story/991]",
        "ig_story_reply": (
            "[Reply to your story https://lookaside.example/story/777]\n"
            "Is this promo valid in Chile?"
        ),
        "ig_share": "https://lookaside.example/post/555",
        "ig_reel": "How to stake https://lookaside.example/reel/12",
        "reaction:ig_story_reply:5432109876543210:1765150404000": (
            "[Reacted 😂 to “[Reply to your story https://lookaside.example/story/777] Is this "
            "promo valid i…”]"
        ),
        "ig_unsupported": (
            "[The customer sent a message of type “unsupported” on Instagram, which atiende "
            "cannot show.]"
        ),
        "ig_story_reply:deleted": (
            "[The customer deleted their message “[Reply to your story "
            "https://lookaside.example/story/777] Is this promo valid i…”]"
        ),
        "ig_heart": "❤️",
    }
    assert not Attachment.objects.exists()  # a story's media is not stored (Meta's terms)
    assert _only_event(inbox).error == ""


def _telegram_updates() -> dict[str, list[dict[str, Any]]]:
    return json.loads((FIXTURES / "telegram_updates.json").read_text())  # type: ignore[no-any-return]


def test_telegram_types_become_readable_messages(factory: Factory, provider: Provider) -> None:
    inbox = social_inbox(factory, "telegram", provider)
    post_telegram(inbox, payload("telegram_text.json"))
    for update in _telegram_updates()["handled"]:
        assert post_telegram(inbox, json.dumps(update).encode()).status_code == 200
    tasks.drain()

    texts = _texts(inbox)
    chat = "987654321"
    assert texts[f"{chat}:60"] == "📍 Location: 52.520008, 13.404954"
    assert texts[f"{chat}:61"] == (
        "📍 Location: 52.516275, 13.377704 (Brandenburger Tor, Pariser Platz, 10117 Berlin)"
    )
    assert texts[f"{chat}:62"] == "👤 Contact: Jonas Weber, +49 151 2345678"
    assert texts[f"{chat}:65"] == "[Sticker 😅]"
    assert texts[f"{chat}:66"] == "📊 Poll: Which fee is wrong?\n- Deposit\n- Withdrawal"
    assert texts[f"{chat}:67"] == "[Forwarded from Lena]\nGot this SMS, is it you?"
    assert texts[f"{chat}:68"] == "Screenshot of the error"
    assert texts[f"{chat}:42:edit:1765150900"] == "[Edited] My card payment failed three times"
    assert texts[f"{chat}:42"] == "My card payment failed twice"  # the first version stays
    assert texts["callback:4382bfdwdsb323b2d9"] == "[Tapped “Yes, refund me”]"
    assert texts[f"blocked:{chat}:1765150700"] == (
        "[The customer blocked the bot: replies cannot reach them until they start it again.]"
    )
    assert texts[f"{chat}:69"] == "🎲 4"
    assert texts[f"{chat}:70"] == (
        "[The customer sent a message of type “game” on Telegram, which atiende cannot show.]"
    )
    files = {
        external_id: Attachment.objects.get(message__external_id=external_id)
        for external_id in (f"{chat}:63", f"{chat}:64", f"{chat}:68")
    }
    assert files[f"{chat}:63"].filename == "voice-63.oga"
    for external_id, content in ((f"{chat}:63", OGG), (f"{chat}:64", MP4), (f"{chat}:68", PNG)):
        with files[external_id].file.open("rb") as handle:
            assert handle.read() == content
    assert len(texts) == 1 + len(_telegram_updates()["handled"])
    assert set(WebhookEvent.objects.values_list("status", "error")) == {(EventStatus.DONE, "")}


def test_telegram_groups_supergroups_channels_and_bots_are_left_out(
    factory: Factory, provider: Provider
) -> None:
    inbox = social_inbox(factory, "telegram", provider)

    for update in _telegram_updates()["ignored"]:
        assert post_telegram(inbox, json.dumps(update).encode()).status_code == 200
    tasks.drain()

    assert not Message.objects.exists()
    assert WebhookEvent.objects.filter(status=EventStatus.DONE, error="").count() == 9


def test_x_dm_types_become_readable_messages(factory: Factory, provider: Provider) -> None:
    inbox = social_inbox(factory, "x", provider, x_user_id=fake.X_USER_ID)

    answer = post_x(inbox, payload("x_types.json"))
    tasks.drain()

    assert answer.status_code == 200
    assert _texts(inbox) == {
        "954491830116155401": (
            "Here is the error\n"
            "[Media (photo): https://twitter.com/messages/media/954491830116155401]"
        ),
        "954491830116155402": "Account locked",
        "954491830116155403": "See https://status.example.com/incident/42 please",
        "954491830116155406": (
            "[The customer sent a message of type “empty” on X, which atiende cannot show.]"
        ),
    }  # the account's own DM, typing and likes: left out
    assert _only_event(inbox).error == (
        "DM 954491830116155405: ValueError: a DM without sender or id"
    )


def test_unicode_survives_every_channel(factory: Factory, provider: Provider) -> None:
    # A ZWJ family, a flag, a skin tone; Arabic and Hebrew (RTL) with a mark; "é" written as
    # e + U+0301 (not normalised); a non-BMP CJK character, escaped as a surrogate pair.
    text = "👨‍👩‍👧 🇪🇸 👍🏽 مرحبا עִבְרִית e\u0301 \U00020000 ‏ok‎"
    escaped = json.dumps(text)  # \\u escapes, surrogate pairs for the non-BMP ones
    raw = json.dumps(text, ensure_ascii=False)
    whatsapp = social_inbox(factory, "whatsapp", provider, phone_number_id=fake.PHONE_NUMBER_ID)
    telegram = social_inbox(factory, "telegram", provider)
    messenger = social_inbox(factory, "messenger", provider, page_id=fake.PAGE_ID)
    x = social_inbox(factory, "x", provider, x_user_id=fake.X_USER_ID)

    post_meta(
        whatsapp,
        payload("whatsapp_text.json").replace(
            b'"Hola, no puedo entrar en mi cuenta"', escaped.encode()
        ),
    )
    post_telegram(
        telegram,
        payload("telegram_text.json").replace(b'"My card payment failed twice"', raw.encode()),
    )
    body = json.loads(payload("messenger_text.json", CDN=provider.url))
    body["entry"][0]["messaging"][0]["message"] = {"mid": "m_unicode", "text": text}
    post_meta(messenger, json.dumps(body).encode())
    post_x(
        x, payload("x_dm.json").replace(b'"My withdrawal is stuck since Monday"', escaped.encode())
    )
    tasks.drain()

    for inbox in (whatsapp, telegram, messenger, x):
        assert Message.objects.get(inbox=inbox).body_text == text


def test_half_an_emoji_does_not_lose_the_message(factory: Factory, provider: Provider) -> None:
    inbox = social_inbox(factory, "telegram", provider)
    body = payload("telegram_text.json").replace(
        b'"My card payment failed twice"', b'"cut \\ud83d here, whole \\ud83d\\ude00"'
    )

    post_telegram(inbox, body)
    tasks.drain()

    assert Message.objects.get(inbox=inbox).body_text == "cut \ufffd here, whole 😀"


def test_the_lines_are_in_english_and_spanish() -> None:
    with translation.override("es"):
        spanish = (location_text(1, 2, "Sol"), unsupported_text("X", "poll"))
    with translation.override("en"):
        english = (location_text(1, 2, "Sol"), unsupported_text("X", "poll"))

    assert spanish == (
        "📍 Ubicación: 1, 2 (Sol)",
        "[El cliente ha enviado por X un mensaje de tipo «poll», que atiende no puede mostrar.]",
    )
    assert english == (
        "📍 Location: 1, 2 (Sol)",
        "[The customer sent a message of type “poll” on X, which atiende cannot show.]",
    )


def test_a_full_meta_batch_is_stored_with_its_one_bad_item_reported(
    factory: Factory, provider: Provider
) -> None:
    # Meta puts up to 1,000 messages in one webhook: it fits the 1 MB limit, and the one
    # malformed message among them costs only itself.
    inbox = social_inbox(factory, "whatsapp", provider, phone_number_id=fake.PHONE_NUMBER_ID)
    body = json.loads(payload("whatsapp_text.json"))
    value = body["entry"][0]["changes"][0]["value"]
    template = value["messages"][0]
    senders = [f"3460011{number:04d}" for number in range(10)]
    value["contacts"] = [{"profile": {"name": f"Cliente {n}"}, "wa_id": n} for n in senders]
    value["messages"] = [
        {**template, "from": senders[n % 10], "id": f"wamid.batch{n}", "text": {"body": f"nº {n}"}}
        for n in range(1000)
    ]
    value["messages"][500] = {**value["messages"][500], "type": "location", "location": "here"}
    value["messages"][500].pop("from")
    raw = json.dumps(body, ensure_ascii=False).encode()

    answer = post_meta(inbox, raw)
    tasks.drain()

    assert len(raw) < 1024 * 1024
    assert answer.status_code == 200
    assert Message.objects.filter(inbox=inbox).count() == 999
    assert _texts(inbox)["wamid.batch999"] == "nº 999"
    error = "message wamid.batch500: ValueError: a message without sender or id"
    assert _only_event(inbox).error == error
