"""parse_email on hand-written messages in the styles of real clients (tests/mail/fixtures)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from atiende.mail.parse import MalformedEmail, normalise_id, parse_email, parse_ids
from atiende.mail.types import ParsedEmail

FIXTURES = Path(__file__).parent / "fixtures"


def parse_fixture(name: str) -> ParsedEmail:
    return parse_email((FIXTURES / name).read_bytes())


def test_gmail_reply_takes_the_sender_from_reply_to_and_keeps_thread_ids() -> None:
    parsed = parse_fixture("gmail_reply_en.eml")
    assert parsed.from_address == "ana.home@example.net"
    assert parsed.from_name == "Ana P. (home)"
    assert parsed.message_id == "CAF=abc123+XyZ@mail.gmail.com"
    assert parsed.in_reply_to == ("reply-1@shop.example",)
    assert parsed.references == ("order-1234@shop.example", "reply-1@shop.example")
    assert parsed.to_addresses == ("support@shop.example",)
    assert parsed.cc_addresses == ("boss@example.com", "sam.lee@example.org")
    assert parsed.date == datetime(2024, 1, 1, 9, 5, tzinfo=UTC)
    assert parsed.text.endswith("Thanks,\nAna")
    assert "wrote:" not in parsed.text
    assert "> Hello Ana" in parsed.full_text
    assert 'class="gmail_quote' in parsed.html
    assert parsed.should_not_autoreply is False


def test_spanish_gmail_reply_decodes_the_subject_and_drops_the_quote() -> None:
    parsed = parse_fixture("gmail_reply_es.eml")
    assert parsed.subject == "Re: Devolución del pedido nº 456"
    assert parsed.from_name == "Lucía Gómez"
    assert parsed.language == "es-ES"
    assert parsed.text == (
        "Hola, ¿cuándo llegará el reembolso? Ya devolví la mercancía.\n\nUn saludo,\nLucía"
    )


def test_outlook_windows_1252_body_and_header_block() -> None:
    parsed = parse_fixture("outlook_reply_es.eml")
    assert parsed.subject == "RE: Devolución de la factura"
    assert parsed.from_name == "Martínez, José"
    assert parsed.message_id == "DB9PR01MB0001@db9pr01mb0001.eurprd01.prod.outlook.com"
    assert parsed.text == "Buenos días:\n\nAdjunto el número de pedido “A-77”. ¿Pueden revisarlo?"
    assert "Enviado: martes" in parsed.full_text
    assert "divRplyFwdMsg" in parsed.html
    # X-Auto-Response-Suppress is what Outlook puts on ordinary mail: not a loop signal.
    assert parsed.auto_submitted is False


def test_latin_1_declared_body_keeps_backslashes_and_windows_1252_symbols() -> None:
    parsed = parse_fixture("outlook_reply_en.eml")
    assert parsed.text == (
        "Please send the invoice to accounts\\payable (path C:\\invoices\\2024) \u2013 the\n"
        "total was €120, not £100."
    )
    assert "-----Original Message-----" in parsed.full_text
    assert parsed.date == datetime(2024, 1, 4, 8, 30, tzinfo=timezone(timedelta(hours=-5)))


def test_portuguese_apple_mail_reply() -> None:
    parsed = parse_fixture("apple_mail_pt.eml")
    assert parsed.subject == "Re: Não recebi o pedido"
    assert parsed.from_name == "João Silva"
    assert parsed.language == "pt-BR"
    assert parsed.message_id == "A1B2C3D4-0000-4000-8000-ABCDEF@exemplo.com.br"
    assert parsed.text == "Ainda não chegou. Podem verificar?"


def test_thunderbird_signature_and_french_quote() -> None:
    parsed = parse_fixture("thunderbird_fr.eml")
    assert parsed.subject == "Re: Problème de livraison"
    assert parsed.text == "Bonjour, le colis est arrivé abîmé."
    assert "Tél. 01 23 45 67 89" in parsed.full_text
    assert parsed.headers["User-Agent"] == "Mozilla Thunderbird"


def test_inline_image_attachments_and_attached_message_are_all_kept() -> None:
    parsed = parse_fixture("inline_image.eml")
    assert parsed.text == "See the photo of the box below."
    assert 'src="cid:box-photo@example.com"' in parsed.html
    names = [attachment.filename for attachment in parsed.attachments]
    assert names == [
        "attachment-1.png",
        "factura nº 7 ñ.pdf",
        "attachment-3.pdf",
        "recibo_año.xlsx",
        "attachment-5.eml",
    ]
    image = parsed.attachments[0]
    assert (image.content_id, image.inline, image.declared_type) == (
        "box-photo@example.com",
        True,
        "image/png",
    )
    assert image.content.startswith(b"\x89PNG")
    assert parsed.attachments[1].content.startswith(b"%PDF-1.4")
    attached = parsed.attachments[4]
    assert attached.declared_type == "message/rfc822"
    assert b"Message-ID: <parcel-1@carrier.example>" in attached.content
    assert parse_email(attached.content).text == "Parcel delivered, box damaged."


def test_delivery_status_notification() -> None:
    parsed = parse_fixture("dsn_bounce.eml")
    assert parsed.is_report is True
    assert parsed.bounce_original_id == "reply-42@shop.example"
    assert parsed.bounce_recipients == ("gone.user@example.org",)
    assert (parsed.bounce_status, parsed.bounce_action) == ("5.1.1", "failed")
    assert parsed.from_robot is True
    assert parsed.empty_return_path is True
    assert parsed.should_not_autoreply is True
    assert [a.declared_type for a in parsed.attachments] == [
        "message/delivery-status",
        "text/rfc822-headers",
    ]


def test_auto_reply_and_list_mail_signals() -> None:
    auto_reply = parse_fixture("auto_reply.eml")
    assert (auto_reply.auto_submitted, auto_reply.bulk) == (True, False)
    listed = parse_fixture("list_mail.eml")
    assert (listed.auto_submitted, listed.bulk, listed.from_robot) == (False, True, False)
    assert listed.should_not_autoreply is True


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Auto-Submitted: no", False),
        ("Auto-Submitted: auto-generated", True),
        ("X-Autoreply: yes", True),
        ("X-Autorespond: on vacation", True),
        ("X-Auto-Response-Suppress: All", False),
    ],
)
def test_auto_submitted_headers(header: str, expected: bool) -> None:
    raw = f"From: a@example.com\n{header}\nSubject: hi\n\nbody\n".encode()
    assert parse_email(raw).auto_submitted is expected


@pytest.mark.parametrize(
    ("sender", "expected"),
    [
        ("noreply@shop.example", True),
        ("No-Reply@shop.example", True),
        ("do-not-reply@shop.example", True),
        ("postmaster@shop.example", True),
        ("noreplyer.ana@example.com", False),
        ("ana@example.com", False),
    ],
)
def test_robot_senders(sender: str, expected: bool) -> None:
    raw = f"From: {sender}\nSubject: hi\n\nbody\n".encode()
    assert parse_email(raw).from_robot is expected


def test_malformed_mime_keeps_the_text_and_records_defects() -> None:
    parsed = parse_fixture("malformed_mime.eml")
    assert parsed.full_text == "This body has no boundary lines at all; café must survive."
    assert parsed.subject == "café and =?utf-8?B?broken*base64?="
    assert parsed.message_id == "Broken-1@example.com"
    assert parsed.references == ("a@b.com", "c@d.com")
    assert parsed.date is None
    assert "StartBoundaryNotFoundDefect" in parsed.defects


def test_unknown_and_refused_charsets_fall_back_without_losing_text() -> None:
    body = "naïve C:\\temp\\new — ok".encode()
    for charset in ("x-unknown", "unicode_escape", "us-ascii", "utf-8"):
        raw = b"From: a@example.com\nContent-Type: text/plain; charset=" + charset.encode()
        parsed = parse_email(raw + b"\n\n" + body)
        assert parsed.full_text == "naïve C:\\temp\\new — ok"


def test_utf8_split_across_encoded_words_and_raw_8bit_headers() -> None:
    raw = (
        b"From: =?utf-8?B?Sm9zw6k=?= =?utf-8?B?IE3DoQ==?= <jose@example.com>\n"
        b"Subject: =?utf-8?B?w7Fh?= =?utf-8?B?w7E=?= y m\xc3\xa1s\n\nx\n"
    )
    parsed = parse_email(raw)
    assert parsed.from_name == "José Má"
    assert parsed.subject == "ñañ y más"


def test_five_thousand_recipients_are_read_quickly() -> None:
    recipients = ", ".join(f'"Persona {n}" <user{n}@Example.com>' for n in range(6000))
    parsed = parse_email(f"From: a@example.com\nTo: {recipients}\n\nhi\n".encode())
    assert len(parsed.to_addresses) == 5000
    assert parsed.to_addresses[-1] == "user4999@example.com"


def test_thousands_of_empty_mime_parameters_are_read_quickly() -> None:
    # A SpamAssassin mail's header (7,000 "; " items): the standard library's parameter parser
    # took seconds on it, quadratic in the header's defects.
    raw = (
        b"From: info@example.com\nContent-Type: text/html ;" + b" ;" * 7000 + b" charset=utf-8\n"
        b"Content-Disposition: inline;" + b" x;" * 3000 + b" size=5\n\n"
        b"<p>Caf\xc3\xa9 <b>gratis</b></p>\n"
    )
    started = time.process_time()
    parsed = parse_email(raw)
    assert time.process_time() - started < 0.5
    assert parsed.html.strip() == "<p>Café <b>gratis</b></p>"
    assert parsed.full_text == "Café gratis"


def test_nested_comments_do_not_recurse() -> None:
    parsed = parse_email(b"From: " + b"(" * 50_000 + b"a@example.com\nSubject: x\n\nbody\n")
    assert parsed.from_address == ""
    assert parsed.full_text == "body"


def test_ids_are_normalised() -> None:
    assert normalise_id(" <Abc.Def@Mail.EXAMPLE.com> ") == "Abc.Def@mail.example.com"
    assert parse_ids("<a@X.com> (Ana) <b@y.COM>\n\t<a@x.com>") == ("a@x.com", "b@y.com")
    assert parse_ids("bare@Example.com") == ("bare@example.com",)


@pytest.mark.parametrize(
    "raw",
    [b"", b"   \r\n", b"From someone@example.com Mon Jan 1 00:00:00 2024\n", b"\x89PNG\r\n\x1a\n"],
)
def test_input_without_headers_is_malformed(raw: bytes) -> None:
    with pytest.raises(MalformedEmail):
        parse_email(raw)
