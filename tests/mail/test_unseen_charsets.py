"""Charsets, encoded words and attachment names on mail we have not seen (unseen corpus).

`data_unseen/charsets/*.eml` are synthetic mails written for this test, shaped as the real
mailers write them: ISO-2022-JP (with the NEC symbols Windows adds), Shift_JIS labels on cp932
text, GB2312 labels on GBK text, Big5 on cp950, ks_c_5601-1987 on cp949, KOI8-R, windows-1251
with and without a label, windows-1252 labelled Latin-1, ISO-8859-15, UTF-7, labels Python does
not know (iso-8859-8-i, windows-874, x-unknown), raw 8-bit headers, RFC 2231 names with
continuations and encoded words split inside a character. `expected.json` says what must come
out; a guess or a fallback must be recorded in `defects` (visible, nothing lost).
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

from atiende.mail.parse import decode_text, parse_email
from tests.mail.test_corpus import mutate, parse_all

DATA = Path(__file__).resolve().parent / "data_unseen" / "charsets"
EXPECTED: dict[str, dict[str, Any]] = json.loads(
    (DATA / "expected.json").read_text(encoding="utf-8")
)


def test_every_sample_has_an_expectation() -> None:
    assert sorted(path.name for path in DATA.glob("*.eml")) == sorted(EXPECTED)
    assert len(EXPECTED) >= 20


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_decoded_right_or_visibly(name: str) -> None:
    parsed = parse_email((DATA / name).read_bytes())
    expected = EXPECTED[name]
    if "from_name" in expected:
        assert parsed.from_name == expected["from_name"]
    if "subject" in expected:
        assert parsed.subject == expected["subject"]
    if "text" in expected:
        assert parsed.text == expected["text"]
    if "text_latin1" in expected:
        # Undecodable: every byte is still there, one character each.
        assert parsed.text == expected["text_latin1"]
    if "attachments" in expected:
        assert [item.filename for item in parsed.attachments] == expected["attachments"]
    for defect in expected.get("defects", []):
        assert defect in parsed.defects
    if "defects" not in expected:
        assert not [d for d in parsed.defects if d.startswith("Charset")]


def test_mutated_samples_never_raise_anything_but_malformed() -> None:
    """The new decoding paths (supersets, ISO-2022-JP via cp932, relabelled encoded words,
    RFC 2231 continuations, raw 8-bit names) under the corpus test's damage."""
    rng = random.Random(20261207)
    samples = [path.read_bytes() for path in sorted(DATA.glob("*.eml"))]
    samples += [path.read_bytes() for path in sorted((DATA.parent / "quotes").glob("*.eml"))]
    mutated = [mutate(raw, rng) for raw in samples for _ in range(25)]
    rejected = parse_all(mutated)
    # Small mails truncated inside their first header line have no headers left.
    assert set(rejected) <= {"no headers", "empty message"}
    assert sum(rejected.values()) < len(mutated) // 10


def test_random_bytes_under_any_label_keep_every_byte() -> None:
    rng = random.Random(7)
    labels = ["", "utf-8", "iso-2022-jp", "shift_jis", "gb2312", "big5", "ks_c_5601-1987",
              "koi8-r", "windows-1251", "iso-8859-8-i", "utf-7", "x-unknown", "latin1"]  # fmt: skip
    for _ in range(400):
        data = bytes(rng.randrange(256) for _ in range(rng.randint(0, 300)))
        for label in labels:
            text, _note = decode_text(data, label)
            assert isinstance(text, str)
        # Not UTF-8: a single-byte reading, one character per byte.
        text, note = decode_text(data, "utf-8")
        if note:
            assert len(text) == len(data)
    # Cyrillic-looking bytes with the one byte windows-1251 leaves undefined.
    data = "Добрый день, заказ не пришёл".encode("cp1251") + b"\x98"
    text, note = decode_text(data)
    assert len(text) == len(data)
    assert decode_text("Добрый день, заказ не пришёл".encode("koi8_r"))[1] == "CharsetGuess:koi8_r"
