"""Text normalisation shared by the lexical indexes (the bot's and the help center's) and the
signals: Unicode folding, word tokens, stop words and a Snowball stemmer chosen by language.

Scripts written without spaces between words (Chinese, Japanese, Thai, Lao, Khmer, Burmese)
and Korean (whose particles stick to the word) are indexed as overlapping character bigrams,
as Lucene's CJK analyzer does: "パスワードを忘れた" meets "パスワードをお忘れですか". A word is
stemmed both as written and with its accents folded, so "configuracoes" finds
"configurações" whichever way either side was typed; a language without a Snowball stemmer
still finds its words, and inflected forms of long words through their first letters.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from functools import lru_cache

import snowballstemmer  # type: ignore[import-untyped]  # the package ships no type hints


def _mark_class() -> str:
    """A regex class of every combining mark (Mn, Mc, Me): Python's \\w leaves them out, which
    cut Hindi, Thai and vowelled Arabic words into pieces."""
    ranges: list[tuple[int, int]] = []
    for code in range(0x300, 0x10000):  # the BMP: a class with astral ranges is scanned slowly
        if unicodedata.category(chr(code)).startswith("M"):
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1] = (ranges[-1][0], code)
            else:
                ranges.append((code, code))
    return "".join(
        f"\\U{low:08x}" if low == high else f"\\U{low:08x}-\\U{high:08x}" for low, high in ranges
    )


_MARKS = _mark_class()
_WORD = re.compile(f"(?:[^\\W_]|[{_MARKS}])+(?:['\u2019](?:[^\\W_]|[{_MARKS}])+)?", re.UNICODE)
# Text without combining marks (nearly all of it) takes this simpler, faster pattern.
_PLAIN_WORD = re.compile("[^\\W_]+(?:['\u2019][^\\W_]+)?", re.UNICODE)
_MARK = re.compile(f"[{_MARKS}]")

# Scripts without spaces between words, and Hangul: indexed as character bigrams.
_BIGRAM_SCRIPTS = (
    "\u0e00-\u0eff"  # Thai, Lao
    "\u1000-\u109f"  # Myanmar
    "\u1100-\u11ff\u3130-\u318f\uac00-\ud7af"  # Hangul
    "\u1780-\u17ff"  # Khmer
    "\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f"  # Hiragana, Katakana
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # Han
)
_BIGRAM_RUN = re.compile(f"[{_BIGRAM_SCRIPTS}]+")
# For other tokenisers (the inbox search's): combining marks, and the scripts cut into bigrams.
MARK_CLASS = _MARKS
BIGRAM_SCRIPTS = _BIGRAM_SCRIPTS
BIGRAM_RUN = _BIGRAM_RUN
_CLUSTER = re.compile(f"[^{_MARKS}][{_MARKS}]*|[{_MARKS}]+")
# Combining marks dropped by `fold`: accents on Latin, Greek and Cyrillic letters, Hebrew
# points and Arabic harakat. Marks that carry meaning elsewhere (Japanese dakuten: カ/ガ,
# Devanagari vowel signs) are kept.
_FOLDED_MARK_BASES = ((0x0000, 0x05FF), (0x0600, 0x06FF), (0x1E00, 0x1FFF))

# Snowball algorithm names by ISO 639-1 code (the languages the help center can hold).
STEMMERS = {
    "ar": "arabic", "ca": "catalan", "cs": "czech", "da": "danish", "de": "german",
    "el": "greek", "en": "english", "eo": "esperanto", "es": "spanish", "et": "estonian",
    "eu": "basque", "fa": "persian", "fi": "finnish", "fr": "french", "ga": "irish",
    "hi": "hindi", "hu": "hungarian", "hy": "armenian", "id": "indonesian", "it": "italian",
    "lt": "lithuanian", "nb": "norwegian", "ne": "nepali", "nl": "dutch", "nn": "norwegian",
    "no": "norwegian", "pl": "polish", "pt": "portuguese", "ro": "romanian", "ru": "russian",
    "sr": "serbian", "sv": "swedish", "ta": "tamil", "tr": "turkish", "yi": "yiddish",
}  # fmt: skip

# Short function-word lists: enough to keep "how do I" from matching every article.
STOP_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset(
        [
            "a",
            "an",
            "the",
            "i",
            "me",
            "my",
            "mine",
            "we",
            "our",
            "you",
            "your",
            "he",
            "she",
            "it",
            "its",
            "they",
            "them",
            "their",
            "is",
            "are",
            "was",
            "were",
            "be",
            "been",
            "being",
            "am",
            "do",
            "does",
            "did",
            "doing",
            "have",
            "has",
            "had",
            "can",
            "could",
            "would",
            "should",
            "will",
            "shall",
            "may",
            "might",
            "must",
            "to",
            "of",
            "in",
            "on",
            "at",
            "by",
            "for",
            "with",
            "from",
            "about",
            "as",
            "into",
            "than",
            "then",
            "so",
            "and",
            "or",
            "but",
            "if",
            "not",
            "no",
            "this",
            "that",
            "these",
            "those",
            "there",
            "here",
            "what",
            "which",
            "who",
            "whom",
            "how",
            "why",
            "when",
            "where",
            "please",
            "hi",
            "hello",
            "thanks",
            "thank",
            "just",
            "get",
            "got",
            "any",
            "some",
        ]
    ),
    "es": frozenset(
        [
            "el",
            "la",
            "los",
            "las",
            "un",
            "una",
            "unos",
            "unas",
            "de",
            "del",
            "al",
            "a",
            "en",
            "y",
            "o",
            "u",
            "pero",
            "si",
            "no",
            "que",
            "qué",
            "como",
            "cómo",
            "por",
            "para",
            "con",
            "sin",
            "mi",
            "mis",
            "tu",
            "tus",
            "su",
            "sus",
            "yo",
            "me",
            "te",
            "se",
            "le",
            "les",
            "lo",
            "nos",
            "es",
            "son",
            "fue",
            "era",
            "estoy",
            "está",
            "están",
            "he",
            "ha",
            "han",
            "hay",
            "este",
            "esta",
            "estos",
            "estas",
            "ese",
            "esa",
            "eso",
            "muy",
            "ya",
            "más",
            "hola",
            "gracias",
            "favor",
            "puedo",
            "puede",
            "cuando",
            "cuándo",
            "donde",
            "dónde",
            "cual",
            "cuál",
        ]
    ),
    "pt": frozenset(
        [
            "o",
            "a",
            "os",
            "as",
            "um",
            "uma",
            "de",
            "do",
            "da",
            "dos",
            "das",
            "em",
            "no",
            "na",
            "nos",
            "nas",
            "e",
            "ou",
            "mas",
            "se",
            "não",
            "que",
            "como",
            "por",
            "para",
            "com",
            "sem",
            "meu",
            "minha",
            "seu",
            "sua",
            "eu",
            "me",
            "te",
            "se",
            "lhe",
            "é",
            "são",
            "foi",
            "está",
            "estão",
            "tem",
            "há",
            "este",
            "esta",
            "isso",
            "muito",
            "já",
            "mais",
            "olá",
            "obrigado",
            "obrigada",
            "posso",
            "pode",
            "quando",
            "onde",
            "qual",
        ]
    ),
    "fr": frozenset(
        [
            "le",
            "la",
            "les",
            "un",
            "une",
            "des",
            "de",
            "du",
            "au",
            "aux",
            "en",
            "et",
            "ou",
            "mais",
            "si",
            "ne",
            "pas",
            "que",
            "qui",
            "comment",
            "pour",
            "par",
            "avec",
            "sans",
            "mon",
            "ma",
            "mes",
            "ton",
            "ta",
            "tes",
            "son",
            "sa",
            "ses",
            "je",
            "me",
            "te",
            "se",
            "il",
            "elle",
            "nous",
            "vous",
            "ils",
            "est",
            "sont",
            "était",
            "ai",
            "a",
            "ont",
            "ce",
            "cette",
            "ces",
            "très",
            "déjà",
            "plus",
            "bonjour",
            "merci",
            "puis",
            "peut",
            "quand",
            "où",
            "quel",
            "quelle",
        ]
    ),
    "de": frozenset(
        [
            "aber",
            "auf",
            "aus",
            "bei",
            "bin",
            "bist",
            "das",
            "dass",
            "dem",
            "den",
            "der",
            "des",
            "die",
            "du",
            "ein",
            "eine",
            "einem",
            "einen",
            "einer",
            "er",
            "es",
            "für",
            "hat",
            "habe",
            "hallo",
            "ich",
            "ihr",
            "ist",
            "kann",
            "kein",
            "keine",
            "mein",
            "meine",
            "mich",
            "mir",
            "mit",
            "nicht",
            "noch",
            "nur",
            "oder",
            "sie",
            "sind",
            "und",
            "uns",
            "von",
            "war",
            "was",
            "wie",
            "wo",
            "zu",
            "zum",
            "zur",
            "bitte",
            "danke",
        ]
    ),
    "it": frozenset(
        [
            "a",
            "al",
            "alla",
            "alle",
            "che",
            "chi",
            "ci",
            "come",
            "con",
            "da",
            "dal",
            "dalla",
            "del",
            "della",
            "dei",
            "di",
            "e",
            "è",
            "gli",
            "ha",
            "ho",
            "i",
            "il",
            "in",
            "io",
            "la",
            "le",
            "lo",
            "ma",
            "mi",
            "mia",
            "mio",
            "mie",
            "miei",
            "ne",
            "non",
            "o",
            "per",
            "perché",
            "più",
            "posso",
            "può",
            "se",
            "si",
            "sono",
            "su",
            "sul",
            "sulla",
            "ti",
            "tu",
            "un",
            "una",
            "uno",
            "ciao",
            "grazie",
        ]
    ),
}

_stemmer_lock = threading.Lock()
_stemmers: dict[str, snowballstemmer.stemmer] = {}


def base_language(language: str) -> str:
    """ "pt-BR" → "pt", "zh_Hant" → "zh": stemmers and stop words are per base language."""
    return language.replace("_", "-").split("-")[0].lower()


def _keeps_mark(base: str) -> bool:
    code = ord(base) if base else 0
    return not any(low <= code <= high for low, high in _FOLDED_MARK_BASES)


def fold(text: str) -> str:
    """Lower-case and strip accents, so "tarjeta"/"Tarjéta" and "cafe"/"café" meet (also
    Hebrew points and Arabic harakat; marks that change a letter elsewhere are kept)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    kept: list[str] = []
    base = ""
    for ch in decomposed:
        if unicodedata.combining(ch) or unicodedata.category(ch).startswith("M"):
            if base and _keeps_mark(base):
                kept.append(ch)
            continue
        base = ch
        kept.append(ch)
    return unicodedata.normalize("NFC", "".join(kept))


def words(text: str) -> list[str]:
    """Word tokens, case-folded (accents kept: the stemmers expect them)."""
    folded = text.casefold()
    if folded.isascii() or _MARK.search(folded) is None:
        return _PLAIN_WORD.findall(folded)
    return _WORD.findall(folded)


def tokens(text: str) -> list[str]:
    """Search tokens: `words`, with runs of Chinese, Japanese, Korean, Thai, Lao, Khmer or
    Burmese letters cut into overlapping character bigrams (a lone letter stays one token)."""
    found: list[str] = []
    if text.isascii() or _BIGRAM_RUN.search(text) is None:
        return words(text)
    for word in words(text):
        if not _BIGRAM_RUN.search(word):
            found.append(word)
            continue
        position = 0
        for run in _BIGRAM_RUN.finditer(word):
            if run.start() > position:
                found.append(word[position : run.start()])
            # A letter with its combining marks (Thai vowels and tones) is one unit.
            units = _CLUSTER.findall(run.group())
            found += (
                [units[i] + units[i + 1] for i in range(len(units) - 1)]
                if len(units) > 1
                else units
            )
            position = run.end()
        if position < len(word):
            found.append(word[position:])
    return found


def _stemmer(language: str) -> snowballstemmer.stemmer | None:
    algorithm = STEMMERS.get(language)
    if algorithm is None:
        return None
    # Snowball stemmer objects keep state between calls: one per language, used under a lock.
    with _stemmer_lock:
        if language not in _stemmers:
            _stemmers[language] = snowballstemmer.stemmer(algorithm)
        return _stemmers[language]


# Without a stemmer, a word of at least this many letters also matches its inflected forms
# through its first TRUNCATE_TO letters ("підписку" and "підписка"): a crude stemmer that
# works for most languages that inflect at the end of the word.
TRUNCATE_FROM = 7
TRUNCATE_TO = 5
# Languages that elide an article or preposition onto the next word with an apostrophe.
ELIDING = frozenset({"fr", "it", "ca", "oc"})
MAX_ELIDED = 5  # "dell'", "nell'", "quell'"
# One-letter prefixes Hebrew writes onto the next word (and, the, in, to, from, that, as).
HEBREW_PREFIXES = frozenset("והבלמשכ")


@lru_cache(maxsize=131072)
def variants(language: str, word: str) -> tuple[str, ...]:
    """The index terms one word stands for in `language` (one or a few): its stem as written
    and with accents folded first; without a stemmer the folded word and a truncation."""
    language = base_language(language)
    if _BIGRAM_RUN.fullmatch(word):
        return (fold(word),)
    if language in ELIDING:
        # l'abonnement, d'été, dell'account, qu'il: the word is what follows the apostrophe.
        head, _apostrophe, tail = word.replace("\u2019", "'").partition("'")
        if tail and len(head) <= MAX_ELIDED:
            word = tail
    stemmer = _stemmer(language)
    folded = fold(word)
    if stemmer is None:
        found = [folded]
        if language in {"he", "iw"} and len(folded) >= 4 and folded[0] in HEBREW_PREFIXES:
            found.append(folded[1:])
        if len(folded) >= TRUNCATE_FROM and not folded.isdigit():
            found.append(folded[:TRUNCATE_TO] + "\u2026")
        return tuple(dict.fromkeys(found))
    with _stemmer_lock:
        as_written = fold(stemmer.stemWord(word))
        unaccented = fold(stemmer.stemWord(folded)) if folded != word else as_written
    return (as_written,) if unaccented == as_written else (as_written, unaccented)


def _stop_words(language: str) -> frozenset[str]:
    return STOP_WORDS.get(base_language(language), frozenset())


def query_terms(text: str, language: str) -> list[tuple[str, ...]]:
    """Per query word (stop words left out), the terms it may match: score each word by its
    best-matching variant, so a word found under two variants does not count twice."""
    stop = _stop_words(language)
    return [variants(language, token) for token in tokens(text) if token not in stop]


def terms(text: str, language: str) -> list[str]:
    """Index terms: words without stop words, stemmed for the language, accents folded (each
    word's variants, see `variants`)."""
    return [term for group in query_terms(text, language) for term in group]
