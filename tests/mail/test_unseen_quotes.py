"""Quote and signature separation on replies shaped like the real clients' (unseen corpus).

`data_unseen/quotes/*.eml` are synthetic mails written for this test in the shapes Gmail,
Outlook (desktop, OWA, mobile), Apple Mail (macOS, iOS), Thunderbird, Yahoo, Roundcube and
Android clients produce, in English, Spanish, Portuguese, French, German, Italian, Dutch,
Swedish, Russian and Japanese: top-posted, bottom-posted, interleaved, forwarded, plain text,
HTML only and both. `expected.json` gives each one's sender and new text.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from atiende.mail.parse import parse_email
from atiende.mail.quotes import split_reply

DATA = Path(__file__).resolve().parent / "data_unseen" / "quotes"
EXPECTED: dict[str, dict[str, str]] = json.loads(
    (DATA / "expected.json").read_text(encoding="utf-8")
)


def test_every_sample_has_an_expectation() -> None:
    assert sorted(path.name for path in DATA.glob("*.eml")) == sorted(EXPECTED)
    assert len(EXPECTED) >= 60


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_new_text_is_separated(name: str) -> None:
    parsed = parse_email((DATA / name).read_bytes())
    expected = EXPECTED[name]
    assert parsed.from_address == expected["from"]
    assert parsed.text == expected["new"]
    # Nothing is lost: the whole text (or the HTML) stays viewable, quote included.
    assert parsed.full_text.strip()
    for line in expected["new"].splitlines():
        assert line.strip() in parsed.full_text
    if parsed.text != parsed.full_text.strip():
        assert len(parsed.full_text) > len(parsed.text)


def test_a_forward_without_a_note_keeps_the_forwarded_text_as_new() -> None:
    text = (
        "---------- Forwarded message ---------\nFrom: Billing <billing@shop.example>\n"
        "Date: Mon, Dec 7, 2026 at 10:00 AM\nSubject: Invoice\n\nInvoice 55 is attached.\n\n"
        "-- \nBilling team\n"
    )
    new, history = split_reply(text)
    assert new == text.split("\n\n-- ")[0]
    assert history == "-- \nBilling team"


def test_bottom_posted_reply_gives_the_text_below_the_quote() -> None:
    text = "Ana <ana@example.org> wrote:\n> Is it blue?\n>\n\nNo, green.\n\n-- \nBob\n"
    assert split_reply(text) == (
        "No, green.",
        "Ana <ana@example.org> wrote:\n> Is it blue?\n>\n\n-- \nBob",
    )


def test_a_quote_answered_twice_is_interleaved_and_kept_whole() -> None:
    text = "On Mon, Ana wrote:\n> Is it blue?\n\nNo.\n\n> And big?\n\nYes."
    assert split_reply(text) == (text, "")
