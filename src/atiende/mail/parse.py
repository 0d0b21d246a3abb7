"""One raw RFC 5322 message -> `ParsedEmail`, losing nothing and never crashing.

The standard library parses the MIME structure (`BytesParser` with `policy.default`); header
values are then read from the raw items with `atiende.mail.addresses`, and every body part is
decoded by hand with a charset fallback chain, because `email` raises LookupError, IndexError,
AttributeError and friends on a few percent of real and mutated mail. Each header and each part
falls back on its own; only input with no headers at all is refused with `MalformedEmail`.
"""

from __future__ import annotations

import base64
import email.policy
import functools
import mimetypes
import re
import urllib.parse
from collections.abc import Callable
from datetime import UTC, datetime
from email.generator import BytesGenerator
from email.message import Message
from email.parser import BytesHeaderParser, BytesParser
from email.utils import parsedate_to_datetime
from io import BytesIO
from typing import Any

from atiende.core.sanitize import html_to_text
from atiende.mail.addresses import (
    CHARSET_ALIASES,
    ENCODED_WORD,
    clean_text,
    codec_for,
    decode_bytes,
    decode_words,
    header_text,
    parse_address_list,
    word_bytes,
)
from atiende.mail.quotes import split_reply, split_reply_html
from atiende.mail.types import ParsedAttachment, ParsedEmail

MAX_HEADER = 16_384  # characters of one ordinary header that are read
MAX_ADDRESS_HEADER = 1_048_576  # To/Cc may legitimately list thousands of people
MAX_IDS = 500
MAX_DEPTH = 40  # nested multiparts deeper than this are kept whole, as attachments
MAX_DEFECTS = 50
DISPLAY_HEADERS = (
    "From", "Reply-To", "Sender", "To", "Cc", "Subject", "Date", "Message-ID", "In-Reply-To",
    "References", "Return-Path", "Auto-Submitted", "Precedence", "List-Id", "User-Agent",
    "X-Mailer", "Content-Language",
)  # fmt: skip

_MESSAGE_ID = re.compile(r"<([^<>\s]{1,995})>")
_ROBOT = re.compile(r"^(mailer-daemon|postmaster|no[-_.]?reply|do[-_.]?not[-_.]?reply)\b")
_DSN_ROBOT = re.compile(r"^(mailer-daemon|postmaster)\b")
_LANGUAGE = re.compile(r"^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$")
_UNSAFE_FILENAME = re.compile(r"[\x00-\x1f\x7f/\\]")
_PLAIN_PARAM = re.compile(r"(?:^|;)\s*(filename|name)\s*=\s*\"([^\"]*)\"", re.I)
_RFC2231 = re.compile(r"(?:^|;)\s*(filename|name)\*(\d*)(\*?)\s*=\s*(\"[^\"]*\"|[^;]*)", re.I)
# Serialises nested messages as they came: no refolding of long header lines, 8-bit kept.
_AS_RECEIVED = email.policy.default.clone(refold_source="none", linesep="\n")


class _Parsing(email.policy.EmailPolicy):
    """`policy.default`, whose header objects are remembered by (name, value): each fetch of
    a header otherwise parses it again (the walker reads a part's Content-Type several times,
    and most mails share their Content-Type, Content-Transfer-Encoding... values). Header
    objects are immutable."""

    def header_fetch_parse(self, name: str, value: str) -> str:
        if name.lower() in _PARAMETER_HEADERS and not hasattr(value, "name"):
            value = _sane_parameters(value)
        if hasattr(value, "name") or len(value) > _CACHED_HEADER_LENGTH:
            header: str = super().header_fetch_parse(name, value)
            return header
        return _header(self.header_factory, name, value)


_CACHED_HEADER_LENGTH = 500
_LINESEP = re.compile(r"\n|\r")
# The standard library's parameter parser is quadratic in the defects of one header (each
# token list sums its children's defect lists): a SpamAssassin mail's `Content-Type: text/html
# ; ; ; ...` (7,000 empty parameters, 14 kB) took 2-13 s to parse, and the parser reads a
# part's Content-Type several times. Empty items carry nothing: they are dropped; an over-long
# header keeps only its well-formed `name=value` items (what the walker could use).
_PARAMETER_HEADERS = frozenset({"content-type", "content-disposition"})
_EMPTY_PARAMETERS = re.compile(r";[\s;]*;")
_MAX_PARAMETER_HEADER = 2_000
_PARAMETER = re.compile(
    r";\s*[!#$%&'*+\-.^_`|~0-9A-Za-z]+\*?\d*\*?\s*=\s*(?:\"(?:[^\"\\]|\\.)*\"|[^;\"]*)"
)


def _sane_parameters(value: str) -> str:
    if ";" not in value:
        return value
    value = _EMPTY_PARAMETERS.sub(";", value)
    if len(value) <= _MAX_PARAMETER_HEADER:
        return value
    head, _separator, rest = value.partition(";")
    return head + "".join(match.group(0) for match in _PARAMETER.finditer(";" + rest))


@functools.lru_cache(maxsize=2048)
def _header(factory: Callable[[str, str], str], name: str, value: str) -> str:
    return factory(name, "".join(_LINESEP.split(value)))  # as EmailPolicy does


_PARSING = _Parsing()

# Windows writes its own supersets under the standard labels: Shift_JIS text with ① is cp932,
# GB2312 text with 喆 is GBK, Big5 text with € is cp950, EUC-KR text with 똠 is cp949.
_SUPERSETS = {
    "shift_jis": ("cp932",), "gb2312": ("gb18030",), "gbk": ("gb18030",),
    "big5": ("cp950", "big5hkscs"), "cp950": ("big5hkscs",), "euc_kr": ("cp949",),
    "iso2022_jp": ("iso2022_jp_2", "iso2022_jp_ext"),
}  # fmt: skip
_META_CHARSET = re.compile(
    rb"""<meta[^>]{0,200}?charset\s*=\s*["']?([A-Za-z0-9_.:-]{1,40})""", re.I
)
_BELOW_80 = bytes(range(0x80))
_BELOW_C0 = bytes(range(0xC0))
_BELOW_E0 = bytes(range(0xE0))
_NOT_ASCII_LETTER = bytes(b for b in range(256) if not (65 <= b <= 90 or 97 <= b <= 122))


def _codec(charset: str) -> str:
    return codec_for(charset.strip().strip("\"'").strip())


def _jis_as_cp932(data: bytes) -> bytes | None:
    """ISO-2022-JP as Windows writes it (CP50220/50221: NEC symbols such as ① and ㈱, which
    Python's iso2022_jp refuses) turned into cp932 bytes; None for other escape sequences."""
    out = bytearray()
    mode = "ascii"
    index = 0
    while index < len(data):
        byte = data[index]
        if byte == 0x1B:
            sequence = data[index + 1 : index + 3]
            if sequence in (b"$B", b"$@"):
                mode = "jis"
            elif sequence in (b"(B", b"(J"):
                mode = "ascii"
            elif sequence == b"(I":
                mode = "kana"
            else:
                return None
            index += 3
        elif byte in (0x0A, 0x0D) or mode == "ascii":
            out.append(byte)
            index += 1
        elif mode == "kana":
            out.append(byte + 0x80 if 0x21 <= byte <= 0x5F else byte)
            index += 1
        else:
            if index + 1 >= len(data):
                return None
            first, second = byte, data[index + 1]
            if not (0x21 <= first <= 0x7E and 0x21 <= second <= 0x7E):
                return None
            lead = (first + 1) // 2 + (0x70 if first <= 0x5E else 0xB0)
            odd_row = (0x1F if second <= 0x5F else 0x20) if first % 2 else 0x7E
            trail = second + odd_row
            out += bytes((lead, trail))
            index += 2
    return bytes(out)


def _cyrillic_guess(data: bytes) -> str:
    """windows-1251 or KOI8-R for unlabelled or mislabelled 8-bit text that is mostly letters
    above 0xC0 (Western text has a few accented letters among ASCII ones); "" otherwise."""
    high = len(data.translate(None, _BELOW_C0))
    if high < 6 or high * 10 < len(data.translate(None, _NOT_ASCII_LETTER)) * 3:
        return ""
    # Chinese, Japanese and Korean double bytes run over 0xA1-0xFE: many below 0xC0 too;
    # Cyrillic text has few there (Ё, №, « »).
    if (len(data.translate(None, _BELOW_80)) - high) * 10 > high:
        return ""
    lower_cp1251 = len(data.translate(None, _BELOW_E0))  # KOI8-R puts its capitals there
    return "cp1251" if lower_cp1251 * 2 >= high else "koi8_r"


def decode_text(data: bytes, charset: str = "") -> tuple[str, str]:
    """(text, note): the declared charset or its Windows superset, then UTF-8, then a
    windows-1251/KOI8-R guess for Cyrillic-looking bytes, then windows-1252, then Latin-1 (every
    byte kept). The note ("CharsetFallback:<label>" or "CharsetGuess:<codec>") says the text
    was not read with the declared charset."""
    codec = _codec(charset) if charset else ""
    label = charset[:40]
    if codec and codec != "cp1252":
        for candidate in (codec, *_SUPERSETS.get(codec, ())):
            try:
                return data.decode(candidate), ""
            except Exception:  # noqa: S112 - try the next reading
                continue
        if codec == "iso2022_jp":
            converted = _jis_as_cp932(data)
            if converted is not None:
                try:
                    return converted.decode("cp932"), ""
                except UnicodeDecodeError:
                    pass
        if codec in _SUPERSETS and not data.isascii():
            try:
                data.decode("utf-8")
            except UnicodeDecodeError:
                # A multi-byte text with a few broken bytes: read, each bad byte shown as \xNN.
                wide = _SUPERSETS[codec][0]
                return data.decode(wide, "backslashreplace"), f"CharsetFallback:{label}"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return text, f"CharsetFallback:{label}" if label and codec not in {
            "utf_8",
            "cp1252",
        } else ""
    guess = _cyrillic_guess(data)
    if guess:
        try:
            return data.decode(guess), f"CharsetGuess:{guess}"
        except UnicodeDecodeError:  # windows-1251 leaves 0x98 undefined
            pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1"), f"CharsetFallback:{label}" if label else ""
    return text, f"CharsetFallback:{label}" if label and codec != "cp1252" else ""


def _relabel_word(match: re.Match[str]) -> str:
    """An encoded word whose charset is read by its Windows superset or known alias; ISO-2022-JP
    with NEC symbols rewritten as cp932."""
    charset = match.group(1).split("*", 1)[0]
    label = charset.strip().lower()
    codec = codec_for(label)
    if codec == "iso2022_jp":
        data = word_bytes(match.group(2), match.group(3))
        if data is None:
            return match.group(0)
        try:
            data.decode("iso2022_jp")
        except UnicodeDecodeError:
            converted = _jis_as_cp932(data)
            if converted is not None:
                return f"=?cp932?B?{base64.b64encode(converted).decode('ascii')}?="
        return match.group(0)
    known = label in CHARSET_ALIASES or codec in _SUPERSETS
    target = _SUPERSETS.get(codec, (codec,))[0] if known else ""
    if not target:
        return match.group(0)
    return f"=?{target}?{match.group(2)}?{match.group(3)}?="


def _relabel(value: str) -> str:
    return ENCODED_WORD.sub(_relabel_word, value) if "=?" in value else value


def _eight_bit(value: str, hint: str) -> str:
    """A header value with raw 8-bit bytes (kept by the parser as surrogates) decoded: UTF-8,
    else the charset of the message's text, else a Cyrillic guess, else windows-1252."""
    if value.isascii():
        return value
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return decode_text(value.encode("utf-8", "surrogateescape"), hint)[0]
    return value


class MalformedEmail(ValueError):
    """Nothing usable could be read: no headers at all, empty input, not an email."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _Headers:
    """Raw header values of one message (first occurrence wins), read without header classes."""

    def __init__(self, message: Message) -> None:
        self.hint = ""  # the charset of the message's text, for raw 8-bit header values
        self.values: dict[str, list[str]] = {}
        try:
            items = list(message.raw_items())
        except Exception:  # odd structures: the headers are simply absent
            items = []
        for name, value in items:
            key = str(name).strip().lower()
            self.values.setdefault(key, []).append(value if isinstance(value, str) else "")

    def __len__(self) -> int:
        return len(self.values)

    def raw(self, name: str, limit: int = MAX_HEADER) -> str:
        found = self.values.get(name.lower())
        return header_text(_relabel(_eight_bit(found[0][:limit], self.hint))) if found else ""

    def joined(self, name: str, limit: int = MAX_ADDRESS_HEADER) -> str:
        found = self.values.get(name.lower(), [])
        return header_text(_relabel(_eight_bit(", ".join(found)[:limit], self.hint)))

    def text(self, name: str, limit: int = 998) -> str:
        return clean_text(decode_words(self.raw(name)), limit)

    def has(self, name: str) -> bool:
        return name.lower() in self.values


def normalise_id(value: str) -> str:
    """A Message-ID without <> and whitespace, its domain part lower-cased."""
    value = "".join(value.split()).strip("<>")
    local, at, domain = value.rpartition("@")
    return f"{local}@{domain.lower()}" if at else value


def parse_ids(value: str) -> tuple[str, ...]:
    """The ids in a References / In-Reply-To value, in order; garbage between them ignored."""
    found = _MESSAGE_ID.findall(value)
    if not found:
        # Some mailers omit the brackets: accept bare tokens that look like ids.
        found = [token for token in value.split() if "@" in token]
    ids: list[str] = []
    seen: set[str] = set()
    for raw in found:
        normalised = normalise_id(raw)
        if normalised and normalised not in seen:
            seen.add(normalised)
            ids.append(normalised)
    if len(ids) > MAX_IDS:
        # The root and the most recent ids are what threading needs.
        ids = [ids[0], *ids[-(MAX_IDS - 1) :]]
    return tuple(ids)


def _date(value: str) -> datetime | None:
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value[:200])
    except Exception:  # any unreadable date is simply unknown
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def _language(value: str) -> str:
    first = value.split(",", 1)[0].strip()
    return first if _LANGUAGE.match(first) else ""


def _is_robot(address: str, pattern: re.Pattern[str] = _ROBOT) -> bool:
    return bool(address) and bool(pattern.match(address.split("@", 1)[0]))


class _Walker:
    """Collects the body texts, the attachments and the DSN fields of one message tree."""

    def __init__(self) -> None:
        self.texts: list[str] = []
        self.html = ""
        self.attachments: list[ParsedAttachment] = []
        self.defects: list[str] = []
        self.body_language = ""
        self.dsn_fields: list[dict[str, str]] = []
        self.dsn_original_id = ""
        self.fallback_text = ""
        self.charset = ""  # the first declared charset of a text part

    def note(self, defect: str) -> None:
        if len(self.defects) < MAX_DEFECTS and defect not in self.defects:
            self.defects.append(defect)

    def note_defects(self, part: Message) -> None:
        for defect in getattr(part, "defects", []) or []:
            self.note(type(defect).__name__)

    def walk(self, part: Message, depth: int = 0, in_report: bool = False) -> None:
        self.note_defects(part)
        info = _PartInfo(part)
        content_type = info.content_type
        payload = _payload(part)
        if content_type in {"message/rfc822", "message/global"} and isinstance(payload, list):
            self.keep_message(part, info, payload, in_report)
            return
        if content_type == "message/delivery-status":
            self.read_delivery_status(part, payload)
            self.keep(part, info)
            return
        if isinstance(payload, list) and depth < MAX_DEPTH:
            report = in_report or content_type == "multipart/report"
            for child in payload:
                if isinstance(child, Message):
                    self.walk(child, depth + 1, report)
            return
        if isinstance(payload, list) or content_type.startswith("multipart/"):
            # Too deep, or a multipart whose boundary never appeared: keep its bytes whole,
            # and read it as text if nothing better turns up.
            data = _part_bytes(part)
            self.fallback_text = self.fallback_text or decode_bytes(data)[0]
            self.keep(part, info, data)
            return
        if content_type == "text/rfc822-headers" and in_report:
            data = _decoded(part, self)
            self.dsn_original_id = self.dsn_original_id or _original_id_from_headers(data)
            self.keep(part, info, data)
            return
        disposition = info.disposition
        has_name = bool(info.raw_filename)
        if content_type == "text/plain" and disposition != "attachment" and not has_name:
            self.texts.append(_text(part, info, self))
            self.body_language = self.body_language or _language(_part_header(part, "language"))
            return
        if (
            content_type == "text/html"
            and disposition != "attachment"
            and not has_name
            and not self.html
        ):
            self.html = _text(part, info, self)
            return
        self.keep(part, info)

    def keep_message(
        self, part: Message, info: _PartInfo, payload: list[Message], in_report: bool
    ) -> None:
        inner = payload[0] if payload and isinstance(payload[0], Message) else None
        data = _serialise(inner) if inner is not None else _part_bytes(part)
        if in_report and inner is not None and not self.dsn_original_id:
            self.dsn_original_id = _original_id_from_headers(data)
        info.content_type = "message/rfc822"
        self.keep(part, info, data)

    def read_delivery_status(self, part: Message, payload: object) -> None:
        blocks: list[dict[str, str]] = []
        if isinstance(payload, list):
            for block in payload:
                if isinstance(block, Message):
                    headers = _Headers(block)
                    blocks.append({name: headers.raw(name, 1000) for name in headers.values})
        else:
            text = _decoded(part, self).decode("utf-8", "replace").replace("\r\n", "\n")
            for chunk in text.split("\n\n"):
                fields: dict[str, str] = {}
                for line in chunk.split("\n"):
                    name, colon, value = line.partition(":")
                    if colon and name.strip():
                        fields.setdefault(name.strip().lower(), value.strip()[:1000])
                blocks.append(fields)
        self.dsn_fields.extend(block for block in blocks if block)

    def keep(self, part: Message, info: _PartInfo, data: bytes | None = None) -> None:
        content = data if data is not None else _decoded(part, self)
        content_type = info.content_type
        filename = info.filename(self.charset) or _generated_name(
            content_type, len(self.attachments) + 1
        )
        content_id = _part_header(part, "id").strip().strip("<>").strip()
        disposition = info.disposition
        self.attachments.append(
            ParsedAttachment(
                filename=filename,
                content=content,
                declared_type=content_type,
                content_id=content_id[:255],
                inline=disposition == "inline" or (not disposition and bool(content_id)),
            )
        )


def _raw_header(part: Message, name: str) -> str:
    try:
        for key, value in part.raw_items():
            if str(key).lower() == name and isinstance(value, str):
                return value[:MAX_HEADER]
    except Exception:  # noqa: S110 - an unreadable header is an absent one
        pass
    return ""


def _part_header(part: Message, which: str) -> str:
    """Content-Disposition / Content-ID / Content-Language of a part, as raw text."""
    name = {"id": "content-id", "language": "content-language"}.get(which, which)
    try:
        for key, value in part.raw_items():
            if str(key).lower() == name and isinstance(value, str):
                return header_text(value[:MAX_HEADER])
    except Exception:  # noqa: S110 - an unreadable header is an absent one
        pass
    return ""


class _PartInfo:
    """Content-Type and Content-Disposition of one part, each parsed once.

    `Message.get_content_type()`, `get_param()` and `get_filename()` build a new header object
    on every call, which made them most of the parsing time on the corpus.
    """

    def __init__(self, part: Message) -> None:
        self.content_type = "text/plain"
        self.params: dict[str, str] = {}
        self.disposition = ""
        self.disposition_params: dict[str, str] = {}
        self.part = part
        try:
            self.content_type = part.get_default_type()
            # policy.default returns header objects; the stubs only know str.
            header: Any = part.get("content-type")
            if header is not None:
                self.content_type = str(header.content_type).lower()[:100]
                self.params = {str(k).lower(): str(v) for k, v in header.params.items()}
        except Exception:  # noqa: S110 - RFC 2045: when in doubt, text/plain
            pass
        try:
            disposition: Any = part.get("content-disposition")
            if disposition is not None:
                self.disposition = str(disposition.content_disposition or "").lower()[:40]
                self.disposition_params = {
                    str(k).lower(): str(v) for k, v in disposition.params.items()
                }
        except Exception:  # keep what the part header says
            self.disposition = _part_header(part, "content-disposition").split(";")[0].lower()

    @property
    def charset(self) -> str:
        return self.params.get("charset", "")[:40]

    @property
    def raw_filename(self) -> str:
        return self.disposition_params.get("filename") or self.params.get("name") or ""

    def filename(self, hint: str = "") -> str:
        """The attachment's name; raw 8-bit names are read in the part's or the message's
        charset, RFC 2231 continuations are joined before they are decoded."""
        name = self.raw_filename
        if "\ufffd" in name or (name and not name.isascii()):
            name = self.rfc2231_name(hint) or name
        if "=?" in name:
            name = decode_words(_relabel(name))  # Outlook puts RFC 2047 words in parameters
        try:
            name.encode("utf-8")
        except UnicodeEncodeError:
            name = decode_text(name.encode("utf-8", "surrogateescape"), self.charset or hint)[0]
        name = _UNSAFE_FILENAME.sub("_", name.strip()).strip(". ")
        return name[-255:]

    def rfc2231_name(self, hint: str) -> str:
        """filename*= / name*= read from the raw headers (the standard library decodes each
        continuation on its own, splitting a character cut between two of them)."""
        for header, param in (("content-disposition", "filename"), ("content-type", "name")):
            raw = _LINESEP.sub("", _raw_header(self.part, header))  # surrogates kept
            if f"{param}*" not in raw.lower():
                plain = _PLAIN_PARAM.search(raw)
                if plain and plain.group(1).lower() == param and not plain.group(2).isascii():
                    data = plain.group(2).encode("utf-8", "surrogateescape")
                    return decode_text(data, self.charset or hint)[0]
                continue
            segments: dict[int, tuple[bool, str]] = {}
            for match in _RFC2231.finditer(raw):
                if match.group(1).lower() != param:
                    continue
                number = int(match.group(2) or 0)
                extended = not match.group(2) or bool(match.group(3))
                segments.setdefault(number, (extended, match.group(4).strip().strip('"')))
            if not segments:
                continue
            charset = ""
            data = b""
            for number in sorted(segments):
                extended, value = segments[number]
                if extended and number == 0 and value.count("'") >= 2:
                    charset, _, value = value.split("'", 2)
                if extended:
                    data += urllib.parse.unquote_to_bytes(value)
                else:
                    data += value.encode("utf-8", "surrogateescape")
            return decode_text(data, charset or self.charset or hint)[0]
        return ""


def _payload(part: Message) -> object:
    """The stored payload: a list of parts, or the body text with raw bytes surrogate-escaped.

    `get_payload()` without decode=True re-decodes 8-bit text with the declared charset and
    errors="replace", which would turn "café" in a latin-1 body into "caf\ufffd".
    """
    return getattr(part, "_payload", "")


def _part_bytes(part: Message) -> bytes:
    """The undecoded body of a part, exactly as received."""
    payload = _payload(part)
    if isinstance(payload, str):
        return payload.encode("utf-8", "surrogateescape")
    if isinstance(payload, bytes):
        return payload
    return _serialise(part)


def _decoded(part: Message, walker: _Walker) -> bytes:
    """The body bytes after Content-Transfer-Encoding; the raw bytes when decoding fails."""
    try:
        data = part.get_payload(decode=True)
    except Exception as error:  # keep the bytes as they came
        walker.note(f"PayloadDecodeError:{type(error).__name__}")
        return _part_bytes(part)
    if isinstance(data, bytes):
        return data
    return _part_bytes(part)


def _text(part: Message, info: _PartInfo, walker: _Walker) -> str:
    data = _decoded(part, walker)
    charset = info.charset
    if not charset and info.content_type == "text/html":
        # Web forms and some mailers name the charset only in the HTML.
        found = _META_CHARSET.search(data[:2048])
        charset = found.group(1).decode("ascii") if found else ""
    text, note = decode_text(data, charset)
    if note:
        walker.note(note)
    walker.charset = walker.charset or charset
    return text.replace("\r\n", "\n").replace("\x00", "")


def _serialise(message: Message) -> bytes:
    """A nested message as bytes (kept as an .eml attachment)."""
    for policy in (_AS_RECEIVED, email.policy.compat32):
        try:
            buffer = BytesIO()
            BytesGenerator(buffer, mangle_from_=False, policy=policy).flatten(message)
            return buffer.getvalue()
        except Exception:  # noqa: S112 - try the next, more forgiving policy
            continue
    try:
        return str(message).encode("utf-8", "surrogateescape")
    except Exception:  # the nested message cannot be rebuilt at all
        return b""


def _generated_name(content_type: str, number: int) -> str:
    if content_type in {"message/rfc822", "message/global"}:
        extension = ".eml"
    elif content_type.startswith("text/") or content_type == "message/delivery-status":
        extension = mimetypes.guess_extension(content_type, strict=False) or ".txt"
    else:
        extension = mimetypes.guess_extension(content_type, strict=False) or ".bin"
    return f"attachment-{number}{extension}"


def _original_id_from_headers(data: bytes) -> str:
    try:
        headers = _Headers(BytesHeaderParser(policy=email.policy.compat32).parsebytes(data))
    except Exception:  # a bounce without a readable original
        return ""
    ids = parse_ids(headers.raw("message-id", 2000))
    return ids[0] if ids else ""


def _bounce(walker: _Walker) -> tuple[tuple[str, ...], str, str]:
    """Failed recipients, the first status and action of a delivery-status report."""
    recipients: list[str] = []
    status = action = ""
    per_recipient = [block for block in walker.dsn_fields if "final-recipient" in block]
    failed = [block for block in per_recipient if block.get("action", "").lower() == "failed"]
    for block in failed or per_recipient:
        recipient = block.get("final-recipient") or block.get("original-recipient", "")
        address = recipient.split(";", 1)[-1].strip().strip("<>").lower()
        if address and address not in recipients:
            recipients.append(address[:254])
        if not status:
            status = next(iter(block.get("status", "").split()), "")
        action = action or block.get("action", "").strip().lower()
    return tuple(recipients), status[:32], action[:32]


def _strip_envelope(raw: bytes) -> bytes:
    """Drop a BOM, leading blank lines and an mbox "From " line before the headers."""
    data = raw.removeprefix(b"\xef\xbb\xbf").lstrip(b"\r\n\t ")
    if data.startswith(b"From "):
        newline = data.find(b"\n")
        data = b"" if newline < 0 else data[newline + 1 :]
    return data.lstrip(b"\r\n")


def parse_email(raw: bytes) -> ParsedEmail:
    """Parse one message; raise MalformedEmail only when it has no headers at all."""
    data = _strip_envelope(raw)
    if not data.strip():
        raise MalformedEmail("empty message")
    try:
        message = BytesParser(policy=_PARSING).parsebytes(data)
    except Exception as error:  # the parser itself gave up
        raise MalformedEmail(f"unparseable: {type(error).__name__}") from error
    headers = _Headers(message)
    if not len(headers):
        raise MalformedEmail("no headers")

    walker = _Walker()
    walker.walk(message)
    headers.hint = walker.charset

    senders = {
        name: parse_address_list(headers.joined(name, MAX_HEADER), 1)
        for name in ("reply-to", "from", "sender")
    }
    from_name, from_address = next((found[0] for found in senders.values() if found), ("", ""))
    if not from_name:
        from_name = next(
            (name for name, address in senders["from"] if address == from_address and name), ""
        )
    header_from = senders["from"][0][1] if senders["from"] else ""

    full_text = "\n\n".join(text.strip("\n") for text in walker.texts if text.strip())
    html = walker.html
    if not full_text and html:
        full_text = html_to_text(html)
    if not full_text and not html and walker.fallback_text:
        full_text = walker.fallback_text.strip("\n")
    if walker.texts and full_text:
        text = split_reply(full_text)[0]
    elif html:
        text = split_reply(html_to_text(split_reply_html(html)))[0] or full_text
    else:
        text = split_reply(full_text)[0] if full_text else ""

    top = _PartInfo(message)
    is_report = top.content_type == "multipart/report"
    bounce_recipients: tuple[str, ...] = ()
    bounce_status = bounce_action = ""
    bounce_original_id = ""
    if is_report and top.params.get("report-type", "").lower() == "delivery-status":
        bounce_recipients, bounce_status, bounce_action = _bounce(walker)
        bounce_original_id = walker.dsn_original_id

    auto_submitted_value = headers.raw("auto-submitted").strip().lower()
    precedence = headers.raw("precedence").strip().lower()
    message_ids = parse_ids(headers.raw("message-id", 2000))
    language = _language(headers.raw("content-language")) or walker.body_language

    return ParsedEmail(
        message_id=message_ids[0] if message_ids else "",
        in_reply_to=parse_ids(headers.raw("in-reply-to")),
        references=parse_ids(headers.raw("references", 200_000)),
        from_address=from_address,
        from_name=from_name,
        to_addresses=tuple(address for _, address in parse_address_list(headers.joined("to"))),
        cc_addresses=tuple(address for _, address in parse_address_list(headers.joined("cc"))),
        subject=headers.text("subject"),
        date=_date(headers.raw("date")),
        text=text,
        html=html,
        full_text=full_text,
        attachments=tuple(walker.attachments),
        language=language,
        auto_submitted=(
            (bool(auto_submitted_value) and auto_submitted_value.split(";")[0].strip() != "no")
            or headers.has("x-autoreply")
            or headers.has("x-autorespond")
        ),
        bulk=(
            precedence in {"bulk", "list", "junk"}
            or headers.has("list-id")
            or headers.has("list-unsubscribe")
        ),
        # The address an automatic answer would go to; a DSN daemon in From counts as well.
        from_robot=_is_robot(from_address) or _is_robot(header_from, _DSN_ROBOT),
        empty_return_path="".join(headers.raw("return-path").split()) == "<>",
        is_report=is_report,
        bounce_original_id=bounce_original_id,
        bounce_recipients=bounce_recipients,
        bounce_status=bounce_status,
        bounce_action=bounce_action,
        headers={
            name: clean_text(decode_words(headers.raw(name, 4000)), 2000)
            for name in DISPLAY_HEADERS
            if headers.has(name)
        },
        defects=tuple(walker.defects),
    )
