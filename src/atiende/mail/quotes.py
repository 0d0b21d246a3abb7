"""Separate what the customer just wrote from the quoted history and signature of a reply.

`split_reply` reads plain text line by line, top to bottom, and cuts at the first reply header
("On … wrote:", "El … escribió:", "Em … escreveu:", "Le … a écrit :", "Am … schrieb …:",
"Op … schreef …:"), Outlook's "Original Message" separator or From/Sent header block, a
forwarded message's separator ("---------- Forwarded message ---------", "Begin forwarded
message:"), a trailing run of "> " lines and the line introducing it when that line ends in ":"
and names an address or a time (the attributions of languages without a "wrote" verb), a "-- "
signature or a "Sent from my iPhone" line. A bottom-posted reply (a leading quote, then the new
text, no quote after it) gives the text after the quote; a message that is only a forward keeps
the forwarded text. `split_reply_html` drops the quoting elements of the HTML clients (Gmail,
Outlook, Apple Mail, Thunderbird, Yahoo, Proton). Both look at no more than `MAX_EXAMINED`
characters and use only anchored patterns on single short lines, so the time is linear in the
input (the bottom-posted and forward cases scan the lines once more).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from atiende.core.sanitize import html_to_text

MAX_EXAMINED = 200_000
MAX_LINE = 300  # characters of a line compared with the patterns
HEADER_WINDOW = 6  # lines after "From:" where "Sent:" and "To:"/"Subject:" are looked for

_INTRO = re.compile(r"^(on|el|em|le|am|op|il|den|d(en|et))\b", re.IGNORECASE)
_WROTE = re.compile(
    r"(wrote|escribió|escribio|escreveu|a écrit|a ecrit|schrieb|ha scritto|schreef|skrev"
    r"|het volgende geschreven)\s*:$",
    re.IGNORECASE,
)
# German, Dutch and Scandinavian clients put the name after the verb:
# "Am 07.12.26 um 10:00 schrieb Ana <ana@example.de>:", "Op … schreef Ana <…>:".
_WROTE_THEN_NAME = re.compile(r"\s(schrieb|schreef|skrev)\s[^:]{0,150}:$", re.IGNORECASE)
_ORIGINAL = re.compile(
    r"^-{2,}\s*(original message|mensaje original|mensagem original|message d'origine"
    r"|ursprüngliche nachricht|messaggio originale|oorspronkelijk bericht"
    r"|forwarded message|mensaje reenviado|mensagem encaminhada|message transféré"
    r"|weitergeleitete nachricht|messaggio inoltrato|doorgestuurd bericht)\s*-{2,}$",
    re.IGNORECASE,
)
_FORWARD_INTRO = re.compile(
    r"^(begin forwarded message|inicio del mensaje reenviado|início da mensagem reencaminhada"
    r"|début du message réexpédié|anfang der weitergeleiteten nachricht"
    r"|inizio messaggio inoltrato|begin doorgestuurd bericht)\s?:$",
    re.IGNORECASE,
)
# The line before a trailing quote that ends in ":" and names an address or a time of day is
# its attribution, whatever the language (Russian and Japanese Gmail write no verb:
# "<date> 10:00, Ana <a@b.ru>:").
_ATTRIBUTION_HINT = re.compile(r"@|\d:\d\d")
_UNDERSCORES = re.compile(r"^_{10,}$")
_FIELD_FROM = re.compile(r"^\*?(from|de|von|da|van|från|fra)\*?\s?:", re.IGNORECASE)
_FIELD_SENT = re.compile(
    r"^\*?(sent|date|enviado|enviado el|enviada|enviada em|fecha|data|gesendet|datum|envoyé"
    r"|inviato|verzonden|skickat|sendt)\*?\s?:",
    re.IGNORECASE,
)
_FIELD_OTHER = re.compile(
    r"^\*?(to|para|à|a|an|aan|till|til|subject|asunto|assunto|objet|betreff|oggetto"
    r"|onderwerp|ämne|emne|cc)\*?\s?:",
    re.IGNORECASE,
)
_MOBILE = re.compile(
    r"^(sent from my|sent from (mail|outlook|yahoo)|sent with proton|get outlook for"
    r"|enviado desde mi|enviado desde (correo|outlook|yahoo)|obtener outlook para"
    r"|obtenga outlook para|enviado do meu|enviado a partir do|envoyé de mon"
    r"|envoyé depuis mon|envoyé à partir de|obtenir outlook pour|von meinem|inviato da"
    r"|verstuurd vanaf mijn|verzonden vanaf mijn|skickat från min|sendt fra min)\b",
    re.IGNORECASE,
)


def _is_header_block(lines: list[str], start: int) -> bool:
    """A From: line followed closely by a Sent:/Date: line and a To:/Subject: line."""
    window = [line.strip()[:MAX_LINE] for line in lines[start + 1 : start + 1 + HEADER_WINDOW]]
    return any(_FIELD_SENT.match(line) for line in window) and any(
        _FIELD_OTHER.match(line) for line in window
    )


def _next_content(lines: list[str], start: int, limit: int = 3) -> str:
    for line in lines[start : start + limit]:
        if line.strip():
            return line.strip()[:MAX_LINE]
    return ""


def _intro_ends_in_wrote(lines: list[str], start: int) -> bool:
    """Reply headers wrap: "On Mon, … Ana <" / "ana@example.com> wrote:" spans two lines."""
    joined = ""
    for line in lines[start : start + 4]:
        if not line.strip():
            return False
        joined = (joined + " " + line.strip())[: MAX_LINE * 2]
        if _WROTE.search(joined[-40:]) or _WROTE_THEN_NAME.search(joined[-200:]):
            return True
    return False


def _quoted_tail_start(lines: list[str]) -> int:
    """Index where the trailing run of quoted ('>') and blank lines begins; len(lines) if none."""
    start = len(lines)
    for index in range(len(lines) - 1, -1, -1):
        stripped = lines[index].strip()
        if stripped and not stripped.startswith(">"):
            break
        start = index
    while start < len(lines) and not lines[start].strip():
        start += 1
    return start


def _attribution_start(lines: list[str], quoted_tail: int) -> int:
    """The quoted tail's start, moved up to the attribution line just before it, if any."""
    index = quoted_tail - 1
    while index >= 0 and not lines[index].strip():
        index -= 1
    if index < 0 or quoted_tail >= len(lines):
        return quoted_tail
    line = lines[index].strip()[:MAX_LINE]
    if line.endswith(":") and _ATTRIBUTION_HINT.search(line):
        return index
    return quoted_tail


def _cut_index(lines: list[str]) -> int | None:
    quoted_tail = _attribution_start(lines, _quoted_tail_start(lines))
    for index, line in enumerate(lines):
        if index >= quoted_tail:
            return index
        stripped = line.strip()[:MAX_LINE]
        if not stripped:
            continue
        if line.rstrip("\r") in {"-- ", "--"} or stripped == "--":
            return index
        if len(stripped) < 100 and _MOBILE.match(stripped):
            return index
        if _ORIGINAL.match(stripped) or _FORWARD_INTRO.match(stripped):
            return index
        if _UNDERSCORES.match(stripped) and _FIELD_FROM.match(_next_content(lines, index + 1)):
            return index
        if _FIELD_FROM.match(stripped) and _is_header_block(lines, index):
            return index
        if _INTRO.match(stripped) and _intro_ends_in_wrote(lines, index):
            return index
        if (_WROTE.search(stripped[-40:]) or _WROTE_THEN_NAME.search(stripped[-200:])) and (
            _next_content(lines, index + 1).startswith(">")
        ):
            return index
    return None


def _bottom_posted(lines: list[str], cut: int) -> int | None:
    """Where the new text starts in a bottom-posted reply: after a leading attribution and
    quote, when no quoted line follows (interleaved answers are kept whole)."""
    index = cut
    while index < len(lines) and index < cut + 4 and not lines[index].lstrip().startswith(">"):
        index += 1  # the attribution, possibly wrapped
    if index >= len(lines) or not lines[index].lstrip().startswith(">"):
        return None
    while index < len(lines) and (not lines[index].strip() or lines[index].lstrip()[:1] == ">"):
        index += 1
    rest = lines[index:]
    if not any(line.strip() for line in rest) or any(
        line.lstrip().startswith(">") for line in rest
    ):
        return None
    return index


def _is_forward_marker(line: str) -> bool:
    stripped = line.strip()[:MAX_LINE]
    return bool(_ORIGINAL.match(stripped) or _FORWARD_INTRO.match(stripped))


def _forwarded(lines: list[str], cut: int, rest: str) -> tuple[str, str]:
    """A message that is only a forward: the forwarded headers and text are the new text, only
    the forwarded message's own signature and quotes are split off."""
    end = next(
        (index for index in range(cut + 1, min(len(lines), cut + 15)) if not lines[index].strip()),
        None,
    )
    if end is None or rest:
        return ("\n".join(lines) + rest).strip(), ""
    header = "\n".join(lines[:end]).strip()
    new, history = _split("\n".join(lines[end:]), nested=True)
    return f"{header}\n\n{new}".strip(), history


def split_reply(text: str) -> tuple[str, str]:
    """(new text, quoted history and signature). The new text is never empty when text is not."""
    return _split(text, nested=False)


def _split(text: str, nested: bool) -> tuple[str, str]:
    """`split_reply`; a nested call (the text below a leading quote or a forward's headers)
    does not look for another one, so the time stays linear."""
    normal = text.replace("\r\n", "\n").replace("\r", "\n")
    examined, rest = normal[:MAX_EXAMINED], normal[MAX_EXAMINED:]
    lines = examined.split("\n")
    cut = _cut_index(lines)
    if cut is None:
        return normal.strip(), ""
    new = "\n".join(lines[:cut]).strip()
    if not new and nested:
        return normal.strip(), ""
    if not new and _is_forward_marker(lines[cut]):
        return _forwarded(lines, cut, rest)
    if not new:
        start = _bottom_posted(lines, cut)
        if start is None or rest:
            return normal.strip(), ""
        below = "\n".join(lines[start:])
        new, signature = _split(below, nested=True)
        history = "\n".join(lines[:start]).strip()
        return new, f"{history}\n\n{signature}".strip()
    return new, ("\n".join(lines[cut:]) + rest).strip()


_QUOTE_CLASSES = frozenset(
    {
        "gmail_quote", "gmail_signature", "moz-cite-prefix", "yahoo_quoted",
        "protonmail_quote", "zmail_extra", "ms-outlook-mobile-reference-message",
    }
)  # fmt: skip
_CUT_IDS = frozenset(
    {
        "divrplyfwdmsg", "outlookmessageheader", "appendonsend",
        "mail-editor-reference-message-container",
    }
)  # fmt: skip
_OUTLOOK_BORDERS = ("border-top:solid#e1e1e1", "border-top:solid#b5c4df")  # spaces removed
_VOID = frozenset(
    {
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr",
    }
)  # fmt: skip


class _QuoteStripper(HTMLParser):
    """Re-emits the HTML minus quoting elements, and nothing after Outlook's reply header."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.out: list[str] = []
        self.skip_tag = ""
        self.skip_depth = 0
        self.cut = False
        self.removed = False

    def _marks(self, tag: str, attrs: list[tuple[str, str | None]]) -> str:
        values = {name.lower(): (value or "").lower() for name, value in attrs}
        if values.get("id", "") in _CUT_IDS:
            return "cut"
        style = values.get("style", "").replace(" ", "").replace("1.0pt", "")
        if tag == "div" and any(border in style for border in _OUTLOOK_BORDERS):
            return "cut"
        classes = set(values.get("class", "").split())
        if tag == "blockquote" or classes & _QUOTE_CLASSES or values.get("data-smartmail"):
            return "skip"
        return ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.cut:
            return
        if self.skip_depth:
            if tag == self.skip_tag and tag not in _VOID:
                self.skip_depth += 1
            return
        mark = self._marks(tag, attrs)
        if mark == "cut":
            self.cut = self.removed = True
            self._drop_trailing_rule()
            return
        if mark == "skip":
            self.removed = True
            if tag not in _VOID:
                self.skip_tag, self.skip_depth = tag, 1
            return
        self.out.append(self.get_starttag_text() or "")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.cut or self.skip_depth or self._marks(tag, attrs):
            return
        self.out.append(self.get_starttag_text() or "")

    def handle_endtag(self, tag: str) -> None:
        if self.cut:
            return
        if self.skip_depth:
            if tag == self.skip_tag:
                self.skip_depth -= 1
            return
        self.out.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        if not (self.cut or self.skip_depth):
            self.out.append(data)

    def handle_entityref(self, name: str) -> None:
        self.handle_data(f"&{name};")

    def handle_charref(self, name: str) -> None:
        self.handle_data(f"&#{name};")

    def handle_decl(self, decl: str) -> None:
        self.handle_data(f"<!{decl}>")

    def _drop_trailing_rule(self) -> None:
        """Outlook draws an <hr> just before its reply header: it belongs to the quote."""
        index = len(self.out) - 1
        while index >= 0 and not self.out[index].strip():
            index -= 1
        if index >= 0 and self.out[index].lower().startswith("<hr"):
            del self.out[index:]


def split_reply_html(html: str) -> str:
    """The HTML of the new text only; the original HTML when nothing would be left."""
    stripper = _QuoteStripper()
    try:
        stripper.feed(html[:MAX_EXAMINED])
        stripper.close()
    except Exception:  # unparseable HTML is shown whole
        return html
    if not stripper.removed:
        return html
    result = "".join(stripper.out)
    if not html_to_text(result).strip() and "<img" not in result.lower():
        return html
    return result
