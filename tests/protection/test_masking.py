"""core/masking.py: recovery phrases, private keys and card numbers found and masked; agents'
replies asking for secrets recognised; ordinary support text left alone (measured on real data)."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import pytest
from mnemonic import Mnemonic

from atiende.core.masking import (
    MASK,
    SecretKind,
    asks_for_secret,
    base58check_decode,
    luhn_valid,
    mask_secrets,
)

BANKING77 = Path(__file__).resolve().parents[3] / "shared" / "data" / "banking77"
# Fixed phrases (generated once with `mnemonic`): the tests do not depend on randomness.
ENGLISH_12 = "gravity open stadium emotion monitor innocent pool announce three tomato unit under"
# The well-known test vector of BIP32 ("Bitcoin Wiki: Wallet import format").
WIF = "5HueCGU8rMjxEXxiPuD5BDku4MkFqeZyd4dZ1jvhTVqvbTLvyTJ"
XPRV = (
    "xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LnF5kejMRNNU3"
    "TGtRBeJgk33yuGBxrMPHi"
)
XPUB = (
    "xpub661MyMwAqRbcFtXgS5sYJABqqG9YLmC4Q1Rdap9gSE8NqtwybGhePY2gZ29ESFjqJoCu1Rupje8YtGqsefD265"
    "TMg7usUDFdp6W1EGMcet8"
)


def test_an_english_phrase_is_masked_word_for_word_and_its_checksum_noticed() -> None:
    assert Mnemonic("english").check(ENGLISH_12)

    result = mask_secrets(f"Support said to paste my phrase: {ENGLISH_12}. Please help!")

    assert (
        result.text
        == "Support said to paste my phrase: " + " ".join([MASK] * 12) + ". Please help!"
    )
    assert result.found == {SecretKind.RECOVERY_PHRASE: 1}
    assert result.checksum_valid


def test_a_spanish_phrase_in_decomposed_unicode_is_masked() -> None:
    # NFKD, as wallets export it; this entropy gives 24 different words.
    phrase = Mnemonic("spanish").to_mnemonic(hashlib.sha256(b"atiende").digest())
    assert len(set(phrase.split())) == 24

    result = mask_secrets(f"Hola, mis 24 palabras son: {phrase}\nGracias")

    assert result.found == {SecretKind.RECOVERY_PHRASE: 1}
    assert result.checksum_valid
    assert result.text == "Hola, mis 24 palabras son: " + " ".join([MASK] * 24) + "\nGracias"


def test_a_numbered_phrase_with_a_typo_is_still_masked_when_the_text_speaks_of_a_phrase() -> None:
    words = ENGLISH_12.split()
    words[4] = "monitorr"  # a typo after the unique four-letter prefix
    numbered = " ".join(f"{n}. {word}" for n, word in enumerate(words, start=1))

    result = mask_secrets(f"my seed phrase is {numbered}")

    assert result.found == {SecretKind.RECOVERY_PHRASE: 1}
    assert not result.checksum_valid
    assert "stadium" not in result.text
    assert "monitorr" not in result.text


def test_the_shortcuts_find_the_same_phrases() -> None:
    # Masking skips work it can rule out (ASCII text, long tokens not remembered, texts with
    # too few list words): each case below takes another path and is still found.
    words = ENGLISH_12.split()
    words[4] = "monitor" + "x" * 30  # a typo after the prefix, longer than a remembered token
    typo = " ".join(words)
    cases = {
        f"seed phrase: {ENGLISH_12}": True,  # ASCII
        f"Mi frase de recuperación: {ENGLISH_12}": True,  # not ASCII
        f"my seed phrase is {typo}": False,  # a long token inside the run
        f"my seed phrase is {' '.join(ENGLISH_12.split()[:10])}": None,  # too few words
    }
    for text, checksum in cases.items():
        result = mask_secrets(text)
        if checksum is None:
            assert not result.masked, text
            continue
        assert result.found == {SecretKind.RECOVERY_PHRASE: 1}, text
        assert result.checksum_valid is checksum, text
        assert "stadium" not in result.text


def test_keys_are_masked_by_checksum_and_public_keys_and_hashes_are_kept() -> None:
    transaction_hash = "9f2c4a6b8d0e1f3a5c7e9b1d3f5a7c9e1b3d5f7a9c1e3b5d7f9a1c3e5b7d9f1a"
    text = f"key {WIF} xkey {XPRV} public {XPUB} withdrawal tx {transaction_hash}"

    result = mask_secrets(text)

    assert result.found == {SecretKind.PRIVATE_KEY: 1, SecretKind.EXTENDED_KEY: 1}
    assert WIF not in result.text
    assert XPRV not in result.text
    assert XPUB in result.text
    assert transaction_hash in result.text
    said = mask_secrets(f"here is my private key: {transaction_hash}")
    assert said.found == {SecretKind.PRIVATE_KEY: 1}


def test_card_numbers_keep_their_last_four_and_lookalikes_stay() -> None:
    result = mask_secrets("card 4111 1111 1111 1111, exp 12/27; order 4111111111111112")

    assert result.text == f"card {MASK} 1111, exp 12/27; order 4111111111111112"
    assert result.found == {SecretKind.CARD_NUMBER: 1}
    for lookalike in (
        "http://news.example/2100-1001-959165.html",
        "<20020906211713.GK7451@panix.com>",
        "call +34 600 000 000 000",
    ):
        assert not mask_secrets(lookalike).masked


def test_base58check_and_luhn() -> None:
    payload = base58check_decode(WIF)
    assert payload is not None
    assert payload[0] == 0x80
    assert base58check_decode(WIF[:-1] + "K") is None
    assert base58check_decode("0OIl") is None
    assert luhn_valid("4111111111111111")
    assert not luhn_valid("4111111111111112")


def test_prose_and_form_markup_with_many_list_words_are_not_phrases() -> None:
    prose = (
        "Transfers may show up as pending for up to one business day while they are processed, "
        "then they depart for the beneficiary accounts. Please confirm that you have correctly "
        "entered your account details."
    )
    listing = (
        "scholarships for business, management, engineering, computer science, medical school, "
        "undergraduate, graduate, professional, foreign studies and many more"
    )
    markup = "input type hidden name sort value score input type hidden name config " * 3

    for text in (prose, listing, markup):
        assert not mask_secrets(text).masked, text


@pytest.mark.skipif(
    not BANKING77.exists(), reason="the shared BANKING77 data is not beside the repo"
)
def test_no_real_banking_support_query_is_masked() -> None:
    texts = []
    for name in ("train.csv", "test.csv"):
        with (BANKING77 / name).open(encoding="utf-8") as handle:
            texts += [row["text"] for row in csv.DictReader(handle)]

    masked = [text for text in texts if mask_secrets(text).masked]

    assert len(texts) > 13_000
    assert masked == []


def test_long_input_is_masked_in_bounded_slices() -> None:
    filler = "lorem ipsum " * 5_000
    result = mask_secrets(f"{filler} seed phrase: {ENGLISH_12} {filler}")

    assert result.found == {SecretKind.RECOVERY_PHRASE: 1}
    assert len(result.text) < len(filler) * 2 + 200


@pytest.mark.parametrize(
    "reply",
    [
        "Please send us your seed phrase so we can verify the wallet.",
        "What is your password?",
        "To fix this, share your 12 words with me in a DM.",
        "Please install AnyDesk so I can take a look.",
        "Envíanos tu clave privada para revisarlo.",
        "¿Cuál es tu contraseña?",
        "Necesitamos tu código 2FA para continuar.",
    ],
)
def test_replies_asking_for_secrets_are_recognised(reply: str) -> None:
    assert asks_for_secret(reply)


@pytest.mark.parametrize(
    "reply",
    [
        "We will never ask for your recovery phrase.",
        "Don't share your password with anyone, not even us.",
        "Nunca te pediremos tu frase semilla ni tu clave privada.",
        "You need to enter your password in the app, then tap Restore.",
        "Could you send us a screenshot of the error?",
        "Reset your password from the sign-in page.",
    ],
)
def test_warnings_and_ordinary_instructions_are_not_requests(reply: str) -> None:
    assert not asks_for_secret(reply)
