"""Address lists and encoded words from raw header text, in linear time and without exceptions.

The standard library's `email.utils.getaddresses` recurses once per nested comment (a header of
"((((…" raises RecursionError) and `email.headerregistry` needs seconds for a To: of 5,000
addresses, so the parser reads addresses with a single left-to-right scan instead.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import re

MAX_ADDRESSES = 5_000
# Codecs that would reinterpret the text rather than decode it: a "charset=unicode_escape"
# would turn a customer's backslashes into other characters.
_REFUSED_CODECS = frozenset(
    {"unicode_escape", "raw_unicode_escape", "punycode", "idna", "undefined", "mbcs", "oem"}
)
# Labels mail clients put on windows-1252 text (WHATWG Encoding Standard does the same).
_AS_WINDOWS_1252 = frozenset({"latin_1", "iso8859_1", "ascii", "cp1252"})
# Charset labels real mailers write that Python does not know by that name.
CHARSET_ALIASES = {
    "iso-8859-8-i": "iso8859_8", "iso-8859-8-e": "iso8859_8", "iso-8859-6-i": "iso8859_6",
    "iso-8859-6-e": "iso8859_6", "windows-874": "cp874", "x-sjis": "cp932",
    "windows-31j": "cp932", "x-gbk": "gb18030", "gb_2312-80": "gb18030",
    "x-euc-jp": "euc_jp", "x-mac-roman": "mac_roman", "x-mac-cyrillic": "mac_cyrillic",
    "win-1251": "cp1251", "x-cp1251": "cp1251", "x-cp1250": "cp1250", "cp-850": "cp850",
    "x-user-defined": "cp1252",
}  # fmt: skip

ENCODED_WORD = re.compile(r"=\?([^?\s]{1,80})\?([bBqQ])\?([^?]*)\?=")
_Q_ESCAPE = re.compile(rb"=([0-9A-Fa-f]{2})")
_BASE64 = re.compile(r"^[A-Za-z0-9+/]*$")
_WHITESPACE = re.compile(r"\s+")


def codec_for(charset: str) -> str:
    """The Python codec for a declared charset, "" when unknown or refused."""
    label = charset.strip().strip("\"'").lower()
    if not label or len(label) > 40:
        return ""
    if label in CHARSET_ALIASES:
        return CHARSET_ALIASES[label]
    try:
        name = codecs.lookup(label).name
    except (LookupError, ValueError):
        return ""
    name = name.replace("-", "_")
    if name in _REFUSED_CODECS:
        return ""
    if name in _AS_WINDOWS_1252:
        return "cp1252"
    return name


def decode_bytes(data: bytes, charset: str = "") -> tuple[str, bool]:
    """Text from bytes: the declared charset, then UTF-8, then windows-1252, then Latin-1.

    Latin-1 maps every byte, so no text is ever dropped. The flag says a fallback was needed.
    """
    declared = codec_for(charset) if charset else ""
    # Text labelled ASCII or Latin-1 is often UTF-8 really; strict UTF-8 decoding of real
    # Latin-1 text almost always fails, so trying it first costs nothing.
    order = ("utf_8", "cp1252") if declared == "cp1252" else (declared, "utf_8", "cp1252")
    for position, codec in enumerate(order):
        if not codec:
            continue
        try:
            return data.decode(codec), codec != declared and position > 0
        except (UnicodeDecodeError, LookupError):
            continue
        except Exception:  # noqa: S112 - a broken codec must not lose the text
            continue
    return data.decode("latin-1"), True


def header_text(raw: str) -> str:
    """A raw header value as text: unfolded, and 8-bit bytes decoded (UTF-8, else cp1252).

    BytesParser keeps undecodable header bytes as surrogate escapes; turn them back into bytes.
    """
    unfolded = raw.replace("\r\n", "\n").replace("\n ", " ").replace("\n\t", "\t")
    unfolded = unfolded.replace("\r", "").replace("\n", " ")
    try:
        unfolded.encode("utf-8")
    except UnicodeEncodeError:
        unfolded = decode_bytes(unfolded.encode("utf-8", "surrogateescape"))[0]
    return unfolded


def word_bytes(encoding: str, payload: str) -> bytes | None:
    """The bytes of an encoded word's payload ("B" or "Q"); None when it is not base64."""
    if encoding in "bB":
        cleaned = payload.rstrip("=")
        if not _BASE64.match(cleaned):
            return None  # not base64 at all: better shown literally than as mojibake
        if len(cleaned) % 4 == 1:
            cleaned = cleaned[:-1]
        try:
            return base64.b64decode(cleaned + "=" * (-len(cleaned) % 4))
        except (binascii.Error, ValueError):
            return None
    raw = payload.replace("_", " ").encode("utf-8", "surrogateescape")
    return _Q_ESCAPE.sub(lambda match: bytes([int(match.group(1), 16)]), raw)


def decode_words(value: str) -> str:
    """Decode RFC 2047 encoded words, joining adjacent words before decoding them.

    A UTF-8 character is often split across two B-encoded words, so the bytes of consecutive
    words in the same charset are decoded together; whitespace between encoded words goes.
    """
    if "=?" not in value:
        return value
    pieces: list[str] = []
    pending = b""
    pending_charset = ""
    position = 0

    def flush() -> None:
        nonlocal pending, pending_charset
        if pending:
            pieces.append(decode_bytes(pending, pending_charset)[0])
        pending, pending_charset = b"", ""

    for match in ENCODED_WORD.finditer(value):
        between = value[position : match.start()]
        charset = match.group(1).split("*", 1)[0]
        data = word_bytes(match.group(2), match.group(3))
        if data is None:
            continue  # left in place as literal text, with what surrounds it
        if between and (between.strip() or not pending):
            flush()
            pieces.append(between)
        if pending and charset.lower() != pending_charset.lower():
            flush()
        pending += data
        pending_charset = charset
        position = match.end()
    flush()
    pieces.append(value[position:])
    return "".join(pieces)


def clean_text(value: str, limit: int) -> str:
    """Whitespace-collapsed, control characters removed, at most `limit` characters."""
    collapsed = _WHITESPACE.sub(" ", value).strip()
    collapsed = "".join(ch for ch in collapsed if ch.isprintable())
    return collapsed[:limit]


def _split_list(value: str) -> list[str]:
    """Split an address list on commas outside quotes, comments and angle brackets."""
    items: list[str] = []
    current: list[str] = []
    in_quote = False
    comment_depth = 0
    in_angle = False
    escaped = False
    for ch in value:
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif in_quote:
            in_quote = ch != '"'
        elif comment_depth:
            comment_depth += 1 if ch == "(" else -1 if ch == ")" else 0
        elif ch == '"':
            in_quote = True
        elif ch == "(":
            comment_depth = 1
        elif ch == "<":
            in_angle = True
        elif ch == ">":
            in_angle = False
        elif ch in ",;" and not in_angle:
            items.append("".join(current))
            current = []
            if len(items) > MAX_ADDRESSES * 2:
                return items
            continue
        current.append(ch)
    items.append("".join(current))
    return items


def _strip_comments(value: str) -> tuple[str, str]:
    """The text outside (comments), and the first comment (an old-style display name)."""
    outside: list[str] = []
    comment: list[str] = []
    depth = 0
    first_done = False
    for ch in value:
        if ch == "(":
            depth += 1
            if depth == 1:
                continue
        elif ch == ")" and depth:
            depth -= 1
            if depth == 0:
                first_done = True
                continue
        if depth:
            if not first_done:
                comment.append(ch)
        else:
            outside.append(ch)
    return "".join(outside), "".join(comment)


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == '"' and value[-1] == '"':
        value = value[1:-1]
    return value.replace('\\"', '"').replace("\\\\", "\\")


def parse_address(item: str) -> tuple[str, str]:
    """(display name, lower-cased address) of one list item; address "" when there is none."""
    item = item.strip()
    if not item:
        return "", ""
    # A group ("Undisclosed recipients:") keeps only what follows its colon.
    if ":" in item and "<" not in item.split(":", 1)[0] and '"' not in item.split(":", 1)[0]:
        head, rest = item.split(":", 1)
        if "@" not in head:
            item = rest.strip()
    opening = item.rfind("<")
    closing = item.find(">", opening + 1) if opening >= 0 else -1
    if opening >= 0 and closing > opening:
        address = item[opening + 1 : closing]
        name = item[:opening]
        comment = ""
    else:
        outside, comment = _strip_comments(item)
        tokens = [token for token in outside.replace("<", " ").split() if "@" in token]
        address = tokens[-1] if tokens else ""
        name = "" if tokens else outside
    address = address.strip().strip("<>\"'").replace(" ", "")
    if address.lower().startswith("mailto:"):
        address = address[7:]
    if "@" not in address:
        address = ""
    if name.strip().startswith('"'):
        display = _unquote(name)  # parentheses inside quotes are part of the name
    else:
        name_text, name_comment = _strip_comments(name)
        display = _unquote(name_text) or comment or name_comment
    return clean_text(decode_words(display), 200), address.lower()[:254]


def parse_address_list(value: str, limit: int = MAX_ADDRESSES) -> list[tuple[str, str]]:
    """Every (display name, address) with an address, in order, without duplicates."""
    found: list[tuple[str, str]] = []
    seen: set[str] = set()
    for item in _split_list(value):
        name, address = parse_address(item)
        if address and address not in seen:
            seen.add(address)
            found.append((name, address))
            if len(found) >= limit:
                break
    return found
