"""Inbox search in other scripts, on whichever engine the suite runs on: Japanese, Chinese and
Thai written without spaces, Hindi with its vowel signs, Russian, Greek and Arabic."""

from __future__ import annotations

# ruff: noqa: RUF001 - Cyrillic, Greek and full-width letters are the point of these tests
import pytest

from atiende.people.models import Role
from atiende.search.query import search_conversations
from atiende.search.terms import document_text, parse_query
from tests.factories import Factory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("message", "query"),
    [
        ("パスワードを忘れてしまいました。ログインできません", "パスワード"),
        ("パスワードを忘れてしまいました。ログインできません", "ログインできません"),
        ("パスワードを忘れてしまいました。ログインできません", "忘れて"),
        ("我忘记了密码，无法登录", "密码"),
        ("ลืมรหัสผ่านเข้าสู่ระบบไม่ได้", "รหัสผ่าน"),
        ("मेरा पासवर्ड काम नहीं कर रहा", "पासवर्ड"),
        ("비밀번호를 잊어버렸어요", "비밀번호"),
        ("Не могу войти в аккаунт", "аккаунт"),
        ("Ο λογαριασμός μου κλειδώθηκε", "λογαριασμος"),
        ("نسيتُ كَلِمَةَ المرور", "كلمة"),
        ("Die Straße ist falsch", "strasse"),
    ],
)
def test_messages_in_other_scripts_are_found(factory: Factory, message: str, query: str) -> None:
    admin = factory.user(Role.ADMIN)
    inbox = factory.inbox()
    found = factory.inbound(inbox, text=message).conversation
    factory.inbound(inbox, text="An unrelated message about invoices")

    assert search_conversations(admin, query) == [found]


def test_latin_text_is_stored_as_before() -> None:
    # Documents already indexed keep matching: Latin-script text folds exactly as it did.
    assert document_text("¿Dónde está mi crédito? don't") == "donde esta mi credito don t"


def test_japanese_voiced_kana_stay_distinct() -> None:
    # ガード (guard) is not カード (card).
    assert document_text("ガード") != document_text("カード")
    terms = parse_query("カード")
    assert terms is not None
    assert terms.words == ("カー", "ード")
