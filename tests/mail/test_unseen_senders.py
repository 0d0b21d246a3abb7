"""Who the customer is: From, Reply-To and Sender as real mailers write them (unseen corpus).

The customer is the Reply-To, else the From, else the Sender; the display name comes with it
(or from the From line of the same address).
"""

from __future__ import annotations

import pytest

from atiende.mail.parse import parse_email

TAIL = b"\nTo: support@example.com\nSubject: a\n\nbody\n"
CASES: dict[str, tuple[bytes, tuple[str, str]]] = {
    "reply_to_differs": (
        b"From: Shop Notifications <noreply@shop.example>\nReply-To: Ana <ana@example.org>",
        ("ana@example.org", "Ana"),
    ),
    "sender_only": (
        b"Sender: Ana <ana@example.org>",
        ("ana@example.org", "Ana"),
    ),
    "quoted_comma": (
        b'From: "P\xc3\xa9rez, Ana" <Ana.Perez@Example.ORG>',
        ("ana.perez@example.org", "Pérez, Ana"),
    ),
    "encoded_comma": (
        b"From: =?utf-8?Q?P=C3=A9rez=2C_Ana?= <ana@example.org>",
        ("ana@example.org", "Pérez, Ana"),
    ),
    "encoded_in_quotes": (
        b'From: "=?iso-8859-1?Q?Jos=E9_Mu=F1oz?=" <jose@example.es>',
        ("jose@example.es", "José Muñoz"),
    ),
    "old_comment": (
        b"From: ana@example.org (Ana Smith)",
        ("ana@example.org", "Ana Smith"),
    ),
    "folded_from": (
        b"From: =?UTF-8?B?0JjQstCw0L0g0J/QtdGC0YDQvtCy?=\n <ivan@example.ru>",
        ("ivan@example.ru", "Иван Петров"),
    ),
    "outlook_same_name_reply_to": (
        b"From: Ana <ana@example.org>\nReply-To: <ana@example.org>",
        ("ana@example.org", "Ana"),
    ),
    "reply_to_group_list": (
        b"From: Ana <ana@example.org>\nReply-To: Team: ana@example.org, bob@example.org;",
        ("ana@example.org", "Ana"),
    ),
    "idn": (
        b"From: =?utf-8?Q?Jos=C3=A9?= <jose@xn--espaa-rta.example>",
        ("jose@xn--espaa-rta.example", "José"),
    ),
    "utf8_raw_name": (
        "From: Zoë Ångström <zoe@example.se>".encode(),
        ("zoe@example.se", "Zoë Ångström"),
    ),
    "empty_reply_to": (
        b"From: Ana <ana@example.org>\nReply-To: ",
        ("ana@example.org", "Ana"),
    ),
    "mailto_from": (
        b"From: Ana <mailto:ana@example.org>",
        ("ana@example.org", "Ana"),
    ),
    "two_from": (
        b"From: Ana <ana@example.org>, Bob <bob@example.org>\nSender: Ana <ana@example.org>",
        ("ana@example.org", "Ana"),
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_sender_is_identified(name: str) -> None:
    raw, (address, display) = CASES[name]
    parsed = parse_email(raw + TAIL)
    assert parsed.from_address == address
    assert parsed.from_name == display


def test_a_bare_address_after_a_name_still_gives_the_address() -> None:
    # "From: Ana Smith ana@example.org" (no angle brackets) is not RFC 5322; the address is
    # read, the name is not (addresses.parse_address keeps a name only beside <address>).
    parsed = parse_email(b"From: Ana Smith ana@example.org" + TAIL)
    assert parsed.from_address == "ana@example.org"
    assert parsed.text == "body"
