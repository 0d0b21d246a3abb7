"""Secrets a customer must never send, found and masked before anything is stored (SECURITY.md I8).

Customers of crypto platforms paste recovery phrases and private keys into support chats,
usually because an impostor asked for them. atiende never keeps them: `mask_secrets()` runs on
every inbound message before it is persisted, indexed, pushed or logged, and returns the masked
text with what it found (kinds and counts, never the secret itself).

What is detected, each in linear time over a length-capped input:
- **BIP39 recovery phrases**: a run of at least 12 words from one of the BIP39 word lists
  (English, Spanish and ten more, shipped by the `mnemonic` package), typos tolerated by the
  English list's unique 4-letter prefixes; a valid checksum raises the severity but does not
  decide (a phrase with a typo is still a phrase).
- **WIF private keys** and **extended private keys** (`xprv`, `yprv`, `zprv`, `tprv`...),
  validated by their Base58Check checksum, so ordinary words and ids are left alone.
- **Raw 64-hex private keys** only when the words around say "private key" (a bare 64-hex
  string is usually a transaction hash, which support needs to see).
- **Payment card numbers**: 13-19 digits passing the Luhn check; the last four stay visible.

`asks_for_secret()` is the other side: an agent's reply that asks the customer for a recovery
phrase, a private key, a password, a 2FA code or remote access is refused (impostors do exactly
that; a real agent never does).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from functools import cache, lru_cache

from mnemonic import Mnemonic

# Longer input is masked in slices of this size: detection stays linear and bounded.
SLICE = 20_000
PHRASE_MIN_WORDS = 12
PHRASE_MAX_WORDS = 24
MASK = "•••"

BIP39_LANGUAGES = (
    "english",
    "spanish",
    "portuguese",
    "french",
    "italian",
    "czech",
    "turkish",
)
BASE58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_BASE58_INDEX = {char: index for index, char in enumerate(BASE58_ALPHABET)}

# Letters with their combining accents (a phrase copied from a wallet may be in NFKD form).
_WORD = re.compile(r"(?:[^\W\d_]++|[\u0300-\u036f]++)++", re.UNICODE)
# The same words in ASCII text (no accents, no other letters), found twice as fast.
_ASCII_WORD = re.compile(r"[A-Za-z]+")
# Grammatical endings: "accounts" is English prose, not a typo of the BIP39 word "account".
_INFLECTIONS = ("s", "es", "ed", "d", "ing", "er", "ers", "ly")
_BASE58_TOKEN = re.compile(r"\b[1-9A-HJ-NP-Za-km-z]{50,112}\b")
_HEX64 = re.compile(r"\b(?:0x)?[0-9a-fA-F]{64}\b")
# What every match of _BASE58_TOKEN and _HEX64 contains: one search rules both out, cheaply.
_LONG_TOKEN = re.compile(r"[0-9A-Za-z]{50}")
# 13-19 digits written together, in groups of four with one kind of separator, or as Amex's
# 4-6-5; never inside a URL, an id or a longer number.
_CARD = re.compile(
    r"(?<![\w/=.#:<@-])(?:\d{13,19}|\d{4}([ -])\d{4}\1\d{4}\1\d{1,7}|\d{4}([ -])\d{6}\2\d{5})"
    r"(?![\w/=@-]|\.\w)"
)
# What every match of _CARD is: 13 or more digits, spaces and hyphens from digit to digit.
_CARD_SHAPE = re.compile(r"\d[\d -]{11,}\d")
_KEY_CONTEXT = re.compile(
    r"private[\s_-]*key|priv[\s_-]*key|secret[\s_-]*key|clave[\s_-]+privada|"
    r"chave[\s_-]+privada|cl[ée][\s_-]+priv[ée]e",
    re.IGNORECASE,
)


class SecretKind:
    RECOVERY_PHRASE = "recovery_phrase"
    PRIVATE_KEY = "private_key"
    EXTENDED_KEY = "extended_private_key"
    CARD_NUMBER = "card_number"


@dataclass
class MaskResult:
    text: str
    found: Counter[str] = field(default_factory=Counter)
    # A found recovery phrase whose BIP39 checksum is valid: certainly a real wallet's.
    checksum_valid: bool = False

    @property
    def masked(self) -> bool:
        return bool(self.found)


# Words of mail and chat repeat: folding and list membership are remembered per token (short
# tokens only, so the memory stays bounded whatever comes in).
_MEMO_WORDS = 1 << 15
_MEMO_LENGTH = 24


def _fold(word: str) -> str:
    """BIP39 normalises with NFKD; accents are dropped so 'abaco' matches 'ábaco'."""
    lowered = word.lower()
    if lowered.isascii():  # NFKD leaves ASCII as it is and it has no combining marks
        return lowered
    decomposed = unicodedata.normalize("NFKD", lowered)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@cache
def _mnemonic(language: str) -> Mnemonic:
    return Mnemonic(language)


@cache
def _wordlist(language: str) -> frozenset[str]:
    return frozenset(_fold(word) for word in _mnemonic(language).wordlist)


@cache
def _english_prefixes() -> frozenset[str]:
    # Every English word is unique in its first four letters: a typo after them still matches.
    return frozenset(word[:4] for word in _mnemonic("english").wordlist if len(word) >= 4)


def _in_list(folded: str, language: str) -> bool:
    if folded in _wordlist(language):
        return True
    if language != "english" or len(folded) < 5 or folded[:4] not in _english_prefixes():
        return False
    english = _wordlist("english")
    return not any(
        folded.endswith(ending) and folded[: -len(ending)] in english for ending in _INFLECTIONS
    )


# One bit per language of BIP39_LANGUAGES, in that order.
_BITS = {language: 1 << index for index, language in enumerate(BIP39_LANGUAGES)}


@cache
def _lists_of_words() -> dict[str, int]:
    """Folded word -> the bits of the lists that hold it (every list's words, one lookup)."""
    bits: dict[str, int] = {}
    for language, bit in _BITS.items():
        for word in _wordlist(language):
            bits[word] = bits.get(word, 0) | bit
    return bits


def _word_bits(word: str) -> int:
    """The bits of the lists `word` (as written in the text) belongs to: `_in_list` for each
    language at once."""
    folded = _fold(word)
    bits = _lists_of_words().get(folded, 0)
    if not bits & 1 and _in_list(folded, "english"):  # a typo after an English prefix
        bits |= 1
    return bits


_remembered_word_bits = lru_cache(maxsize=_MEMO_WORDS)(_word_bits)


def _token_bits(words: list[str]) -> list[int]:
    if max(map(len, words), default=0) <= _MEMO_LENGTH:
        return list(map(_remembered_word_bits, words))
    remembered = _remembered_word_bits
    return [remembered(word) if len(word) <= _MEMO_LENGTH else _word_bits(word) for word in words]


@cache
def _canonical(language: str) -> dict[str, str]:
    """Folded word -> the list's own spelling (the checksum indexes the list as written)."""
    return {_fold(word): word for word in _mnemonic(language).wordlist}


def _checksum_valid(words: list[str], language: str) -> bool:
    if len(words) not in (12, 15, 18, 21, 24):
        return False
    canonical = _canonical(language)
    spelled = [canonical.get(_fold(word)) for word in words]
    if any(word is None for word in spelled):
        return False
    try:
        return bool(_mnemonic(language).check(" ".join(word for word in spelled if word)))
    except (ValueError, LookupError):
        return False


def _checksummed_window(
    tokens: list[re.Match[str]], first: int, last: int, language: str
) -> tuple[int, int] | None:
    length = last - first + 1
    if length > 3 * PHRASE_MAX_WORDS:  # bounded work on a long run
        return None
    words = [tokens[i].group() for i in range(first, last + 1)]
    for size in (24, 21, 18, 15, 12):
        for offset in range(length - size + 1):
            if _checksum_valid(words[offset : offset + size], language):
                return first + offset, first + offset + size - 1
    return None


_PHRASE_CONTEXT = re.compile(
    r"seed|phrase|recovery|mnemonic|wallet|backup|words|metamask|ledger|trezor|trust|exodus|"
    r"frase|semilla|palabras|recuperaci[oó]n|billetera|cartera|monedero|carteira|palavras|"
    r"phrase|mots|portefeuille|parole|portafoglio",
    re.IGNORECASE,
)
# Between the words of a pasted phrase: spaces, commas, or list numbering ("1. abandon 2. ...").
_PHRASE_GAP = re.compile(r"(?:[\s,;]|\d+[.)]?)*")


def _shaped_like_phrase(text: str, tokens: list[re.Match[str]], first: int, last: int) -> bool:
    """A pasted phrase is lower-case words separated by spaces or numbering, none repeated.

    English prose and HTML form fields contain runs of 12 list words too (measured: 2% of the
    SpamAssassin corpus's mails): sentences have capitals and punctuation, markup repeats
    words. A 12-word checksum is only 4 bits, so one in 16 windows of such a run passes it by
    chance: the shape is required with a checksum too.
    """
    words = [tokens[i].group() for i in range(first, last + 1)]
    if any(not word.islower() for word in words[1:]):
        return False
    if len({_fold(word) for word in words}) < len(words):
        return False
    return all(
        _PHRASE_GAP.fullmatch(text, tokens[i].end(), tokens[i + 1].start())
        for i in range(first, last)
    )


def _spoken_of(text: str, tokens: list[re.Match[str]], first: int, last: int) -> bool:
    # Lists of ordinary words ("business, engineering, computer science, ...") still pass the
    # shape test (0.1% of that corpus): without a checksum, the words around must speak of one.
    around = text[max(0, tokens[first].start() - 300) : tokens[last].end() + 150]
    return _PHRASE_CONTEXT.search(around) is not None


def _phrase_runs(bits: list[int], bit: int) -> list[tuple[int, int]]:
    """Token index ranges [first, last] of runs of >= 12 words of one language's list (`bit`
    of each token's `bits`).

    A real phrase comes from one list; one unknown word inside a run is tolerated (a typo
    beyond the prefix, a word from the customer's keyboard autocorrect).
    """
    runs: list[tuple[int, int]] = []
    start = -1
    last_hit = -1
    misses = 0
    for index, word_bits in enumerate(bits):
        if word_bits & bit:
            if start < 0:
                start, misses = index, 0
            last_hit = index
        elif start >= 0 and misses == 0 and index - start >= 3:
            misses = 1
        else:
            if start >= 0 and last_hit - start + 1 >= PHRASE_MIN_WORDS:
                runs.append((start, last_hit))
            start, misses = -1, 0
    if start >= 0 and last_hit - start + 1 >= PHRASE_MIN_WORDS:
        runs.append((start, last_hit))
    return runs


def _mask_phrases(text: str, result: MaskResult) -> str:
    """Replace every recovery phrase with one mask per word."""
    word = _ASCII_WORD if text.isascii() else _WORD
    bits = _token_bits(word.findall(text))
    # A run holds at least 12 - 1 words of its list (one unknown word tolerated): a language
    # with fewer in the whole text has none, and most text has none at all.
    least = PHRASE_MIN_WORDS - 1
    if len(bits) < least:
        return text
    # Tokens per combination of lists (a few dozen combinations), then words per list.
    combinations = Counter(bits)
    found: list[tuple[int, int, str]] = []
    for language, bit in _BITS.items():
        if sum(count for word_bits, count in combinations.items() if word_bits & bit) >= least:
            found += [(first, last, language) for first, last in _phrase_runs(bits, bit)]
    if not found:
        return text
    tokens = list(word.finditer(text))
    found.sort()
    pieces: list[str] = []
    position = 0
    covered = -1
    for first, last, language in found:
        if last <= covered:
            continue
        first = max(first, covered + 1)
        # A run may have swallowed ordinary words around the phrase ("... help"): when a
        # window of a valid length has a valid checksum, that window is the phrase.
        window = _checksummed_window(tokens, first, last, language)
        if window is not None and _shaped_like_phrase(text, tokens, *window):
            first, last = window
            result.checksum_valid = True
        elif not (
            _shaped_like_phrase(text, tokens, first, last) and _spoken_of(text, tokens, first, last)
        ):
            continue
        pieces.append(text[position : tokens[first].start()])
        pieces.append(" ".join(MASK for _ in range(first, last + 1)))
        position = tokens[last].end()
        covered = last
        result.found[SecretKind.RECOVERY_PHRASE] += 1
    pieces.append(text[position:])
    return "".join(pieces)


def base58check_decode(value: str) -> bytes | None:
    """The payload of a Base58Check string, or None when it is not one."""
    number = 0
    for char in value:
        digit = _BASE58_INDEX.get(char)
        if digit is None:
            return None
        number = number * 58 + digit
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    raw = b"\x00" * (len(value) - len(value.lstrip("1"))) + raw
    if len(raw) < 5:
        return None
    payload, checksum = raw[:-4], raw[-4:]
    digest = hashlib.sha256(hashlib.sha256(payload).digest()).digest()
    return payload if digest[:4] == checksum else None


# Version bytes: WIF mainnet 0x80 / testnet 0xef; extended private keys (BIP32/49/84, Electrum
# and testnet variants) start with these four bytes.
_WIF_VERSIONS = {0x80, 0xEF}
_XPRV_VERSIONS = {
    bytes.fromhex(v)
    for v in (
        "0488ade4",  # xprv
        "049d7878",  # yprv
        "04b2430c",  # zprv
        "0295b005",  # Yprv
        "02aa7a99",  # Zprv
        "04358394",  # tprv
        "044a4e28",  # uprv
        "045f18bc",  # vprv
    )
}


def _base58_kind(token: str) -> str | None:
    payload = base58check_decode(token)
    if payload is None:
        return None
    if len(payload) == 78 and payload[:4] in _XPRV_VERSIONS:
        return SecretKind.EXTENDED_KEY
    if payload[0] in _WIF_VERSIONS and (
        len(payload) == 33 or (len(payload) == 34 and payload[-1] == 0x01)
    ):
        return SecretKind.PRIVATE_KEY
    return None


def _mask_keys(text: str, result: MaskResult) -> str:
    if _LONG_TOKEN.search(text) is None:
        return text

    def replace(match: re.Match[str]) -> str:
        kind = _base58_kind(match.group())
        if kind is None:
            return match.group()
        result.found[kind] += 1
        return MASK

    text = _BASE58_TOKEN.sub(replace, text)

    def replace_hex(match: re.Match[str]) -> str:
        before = text[max(0, match.start() - 80) : match.start()]
        if not _KEY_CONTEXT.search(before):
            return match.group()
        result.found[SecretKind.PRIVATE_KEY] += 1
        return MASK

    return _HEX64.sub(replace_hex, text)


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        digit = ord(char) - 48
        if position % 2:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def _mask_cards(text: str, result: MaskResult) -> str:
    if _CARD_SHAPE.search(text) is None:
        return text

    def replace(match: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", match.group())
        if (
            not 13 <= len(digits) <= 19
            or digits[0] not in "23456"  # Amex, Visa, Mastercard, Discover, UnionPay...
            or len(set(digits)) == 1
            or not luhn_valid(digits)
        ):
            return match.group()
        result.found[SecretKind.CARD_NUMBER] += 1
        return f"{MASK} {digits[-4:]}"

    return _CARD.sub(replace, text)


def mask_secrets(text: str) -> MaskResult:
    """Mask every secret in `text`; `result.found` counts them by kind."""
    result = MaskResult(text)
    if not text:
        return result
    pieces = []
    # Slices overlap by nothing: a phrase cut by a slice boundary is masked in each half when
    # each half still holds 12 words, which is the case for any 24-word phrase cut anywhere.
    for start in range(0, len(text), SLICE):
        piece = text[start : start + SLICE]
        piece = _mask_keys(piece, result)
        piece = _mask_cards(piece, result)
        piece = _mask_phrases(piece, result)
        pieces.append(piece)
    result.text = "".join(pieces)
    return result


# --- agents' replies ----------------------------------------------------------------------------

_WHAT_IMPOSTORS_ASK_FOR = (
    r"seed[\s-]*phrase|recovery[\s-]*phrase|secret[\s-]*(?:phrase|words|recovery)|mnemonic|"
    r"(?:12|24|twelve|twenty[\s-]*four)[\s-]*words|private[\s-]*keys?|passwords?|passcode|"
    r"2fa[\s-]*codes?|two[\s-]*factor[\s-]*codes?|verification[\s-]*codes?|authenticator[\s-]*codes?|"
    r"remote[\s-]*access|anydesk|teamviewer|"
    r"frase[\s-]*(?:semilla|de[\s-]*recuperaci[oó]n|secreta)|(?:12|24|doce|veinticuatro)[\s-]*palabras|"
    r"claves?[\s-]*privadas?|contrase[ñn]as?|c[oó]digos?[\s-]*(?:2fa|de[\s-]*verificaci[oó]n)|"
    r"acceso[\s-]*remoto"
)
_REQUEST_VERBS = (
    r"send|give|share|tell|provide|paste|reply\s+with|dm|"
    r"what\s+is\s+your|what's\s+your|confirm\s+your|(?:we|i)\s+need\s+your|install|"
    r"env[ií]a(?:me|nos)?|env[ií]e(?:nos)?|manda(?:nos|me)?|comparte|comparta|dinos|d[ií]ganos|"
    r"ind[ií]ca(?:nos|me)?|ind[ií]que(?:nos)?|facilita(?:nos)?|proporciona(?:nos)?|"
    r"proporcione(?:nos)?|necesitamos\s+(?:tu|su)|instala|instale|cu[aá]l\s+es\s+(?:tu|su)"
)
_REQUEST = re.compile(
    rf"\b(?:{_REQUEST_VERBS})\b[^.!?\n]{{0,60}}?\b(?:{_WHAT_IMPOSTORS_ASK_FOR})",
    re.IGNORECASE,
)
_NEGATION = re.compile(
    r"\b(?:never|not|don't|do\s+not|won't|will\s+not|no\s+one|nobody|nunca|no|jam[aá]s|nadie)\b",
    re.IGNORECASE,
)


def asks_for_secret(text: str) -> bool:
    """True when a reply asks the customer for a secret (not when it warns never to share one)."""
    for match in _REQUEST.finditer(text[:SLICE]):
        sentence_start = max(
            text.rfind(".", 0, match.start()),
            text.rfind("!", 0, match.start()),
            text.rfind("?", 0, match.start()),
            text.rfind("\n", 0, match.start()),
        )
        before = text[sentence_start + 1 : match.end()]
        if not _NEGATION.search(before):
            return True
    return False
