"""split_reply / split_reply_html for the reply styles of common clients, in several languages."""

from __future__ import annotations

import time

import pytest

from atiende.mail.quotes import split_reply, split_reply_html

NEW = "Thanks, that fixed it."


@pytest.mark.parametrize(
    "history",
    [
        "On Mon, 1 Jan 2024 at 10:00, Ana <a@b.com> wrote:\n> old",
        "On Mon, Jan 1, 2024 at 10:00 AM Ana Pérez <\nana@example.com> wrote:\n\n> old",
        "El lun, 1 ene 2024 a las 10:00, Ana (<a@b.com>) escribió:\n> antiguo",
        "Em 1 de jan. de 2024, às 10:00, Ana <a@b.com> escreveu:\n> antigo",
        "Le 01/01/2024 à 10:00, Ana a écrit :\n> ancien",
        "Ana Pérez <a@b.com> escribió:\n> antiguo",
        "-----Original Message-----\nFrom: Ana\nSent: Monday\nSubject: old\n\nold",
        "-----Mensaje original-----\nDe: Ana\nEnviado el: lunes\nAsunto: viejo\n\nviejo",
        "From: Ana <a@b.com>\nSent: Monday, January 1, 2024 10:00\nTo: Support\nSubject: old",
        "De: Ana <a@b.com>\nEnviado: lunes, 1 de enero de 2024 10:00\nPara: Soporte\nAsunto: x",
        "________________________________\nDe: Ana <a@b.com>\nEnviado: lunes\nPara: Soporte",
        "> quoted line one\n> quoted line two",
        "-- \nAna Pérez\nSales",
        "Sent from my iPhone\n\n> On 1 Jan, Ana wrote:\n> old",
        "Enviado desde mi iPhone",
        "Enviado do meu iPhone",
        "Get Outlook for Android",
    ],
)
def test_history_and_signature_are_split_off(history: str) -> None:
    new, quoted = split_reply(f"{NEW}\n\n{history}\n")
    assert new == NEW
    assert quoted == history.strip()


def test_interleaved_answers_are_all_new_text() -> None:
    text = "> Did it arrive?\nNo, it did not.\n> Which colour?\nRed."
    assert split_reply(text) == (text, "")


def test_a_message_that_is_only_quote_is_kept_whole() -> None:
    text = "On Mon, 1 Jan 2024, Ana <a@b.com> wrote:\n> forwarded question"
    assert split_reply(text) == (text, "")


def test_ordinary_lines_that_look_like_headers_are_not_cut() -> None:
    text = "On Monday I wrote to you.\nEl pedido no llegó.\nFrom: my phone, sorry."
    assert split_reply(text) == (text, "")


def test_crlf_and_the_examined_limit() -> None:
    text = "Hello\r\n\r\nOn Mon, Ana <a@b.com> wrote:\r\n> old\r\n"
    assert split_reply(text) == ("Hello", "On Mon, Ana <a@b.com> wrote:\n> old")
    huge = "x" * 300_000 + "\n> tail"
    assert split_reply(huge)[0] == huge


def test_pathological_input_is_linear() -> None:
    started = time.perf_counter()
    split_reply(("On " + "a " * 5000 + "\n") * 40 + "-" * 100_000)
    split_reply_html("<div " + "a=" * 50_000 + "<blockquote>" * 20_000)
    assert time.perf_counter() - started < 5


def test_html_gmail_quote_is_removed() -> None:
    html = (
        '<div dir="ltr">New answer</div><div class="gmail_quote"><div class="gmail_attr">'
        'On Mon, Ana wrote:</div><blockquote class="gmail_quote"><div>old</div>'
        "</blockquote></div>"
    )
    assert split_reply_html(html) == '<div dir="ltr">New answer</div>'


def test_html_outlook_reply_header_cuts_everything_after() -> None:
    html = (
        "<div>Nueva respuesta &amp; más</div><hr style='width:98%'>"
        '<div id="divRplyFwdMsg"><b>De:</b> Ana</div><div>viejo</div>'
    )
    assert split_reply_html(html) == "<div>Nueva respuesta &amp; más</div>"


def test_html_apple_and_thunderbird_citations() -> None:
    html = (
        '<p>Merci<br/>Claire</p><div class="moz-cite-prefix">Le 5 janv., a écrit :</div>'
        '<blockquote type="cite"><p>ancien</p><blockquote>plus ancien</blockquote></blockquote>'
        "<p>PS: after the quote</p>"
    )
    assert split_reply_html(html) == "<p>Merci<br/>Claire</p><p>PS: after the quote</p>"


def test_html_that_is_all_quote_is_kept() -> None:
    html = "<blockquote>only a forwarded quote</blockquote>"
    assert split_reply_html(html) == html
