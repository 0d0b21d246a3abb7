"""parse_email over real mail: CPython's email test data, the SpamAssassin public corpus, and
deterministic mutations of it. Nothing but MalformedEmail may escape, and rarely."""

from __future__ import annotations

import collections
import random
import sysconfig
import time
from pathlib import Path

from atiende.mail.parse import MalformedEmail, parse_email

ROOT = Path(__file__).resolve().parents[2]
SPAM_ASSASSIN = ROOT / "node_modules" / "@stdlib" / "datasets-spam-assassin" / "data"
CPYTHON_EMAIL = Path(sysconfig.get_path("stdlib")) / "test" / "test_email" / "data"
# CPython's folder also holds images and sounds used by its MIME tests; those are not mail.
CPYTHON_NOT_MAIL = frozenset({".bmp", ".exr", ".gif", ".jpg", ".pbm", ".pgm", ".png", ".ppm",
                              ".ras", ".sgi", ".tiff", ".webp", ".xbm", ".aifc", ".aiff", ".au",
                              ".wav"})  # fmt: skip


def corpus_files() -> list[Path]:
    return sorted(SPAM_ASSASSIN.glob("*/*.txt"))


def parse_all(messages: list[bytes]) -> collections.Counter[str]:
    """Parse every message; the tally of MalformedEmail reasons (anything else fails the test)."""
    rejected: collections.Counter[str] = collections.Counter()
    for raw in messages:
        try:
            parse_email(raw)
        except MalformedEmail as error:
            rejected[error.reason] += 1
    return rejected


def test_cpython_email_data() -> None:
    files = sorted(CPYTHON_EMAIL.iterdir())
    mail = [path for path in files if path.suffix not in CPYTHON_NOT_MAIL]
    not_mail = [path for path in files if path.suffix in CPYTHON_NOT_MAIL]
    assert len(files) == 65
    # msg_19.txt is a digest body without any header: the only real file refused.
    assert parse_all([path.read_bytes() for path in mail]) == {"no headers": 1}
    assert parse_all([path.read_bytes() for path in not_mail]) == {"no headers": len(not_mail)}


def test_spam_assassin_corpus() -> None:
    files = corpus_files()
    assert len(files) == 6046
    messages = [path.read_bytes() for path in files]
    started = time.perf_counter()
    rejected = parse_all(messages)
    elapsed = time.perf_counter() - started
    print(f"corpus: {len(messages)} parsed in {elapsed:.1f}s, rejected {dict(rejected)}")  # noqa: T201 - the figure CI logs
    assert sum(rejected.values()) < len(messages) // 100


def mutate(raw: bytes, rng: random.Random) -> bytes:
    """One random damage of the kinds real transports and broken mailers cause."""
    data = bytearray(raw)
    kind = rng.randrange(7)
    position = rng.randrange(len(data) + 1)
    if kind == 0 and data:  # flip bytes
        for _ in range(rng.randint(1, 20)):
            data[rng.randrange(len(data))] = rng.randrange(256)
    elif kind == 1:  # truncate
        del data[position:]
    elif kind == 2:  # duplicate a header line many times
        lines = bytes(data).split(b"\n")
        header_count = lines.index(b"") if b"" in lines else len(lines)
        line = lines[rng.randrange(max(header_count, 1))]
        lines[1:1] = [line] * rng.randint(2, 200)
        data = bytearray(b"\n".join(lines))
    elif kind == 3:  # stray CR, LF and NUL
        for _ in range(rng.randint(1, 30)):
            data.insert(rng.randrange(len(data) + 1), rng.choice(b"\r\n\x00"))
    elif kind == 4:  # break MIME boundaries and encoded words
        for marker in (b"--", b"boundary=", b"=?", b"?=", b"charset="):
            data = bytearray(bytes(data).replace(marker, marker[:1] + b"\x00\xff", 3))
    elif kind == 5:  # insert random bytes
        data[position:position] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 200)))
    else:  # odd structures: nested multiparts and unknown charsets in the headers
        data[0:0] = (
            b'Content-Type: multipart/mixed; boundary="b"; charset="x-\xff"\n'
            b"Subject: =?bogus?Q?=FF=FE?= =?utf-8?B?////?=\n"
            b"Content-Disposition: attachment; filename*0*=bad''%ZZ; filename*1=x\n"
        )
    return bytes(data)


def test_mutated_corpus_never_raises_anything_but_malformed() -> None:
    rng = random.Random(20240101)
    files = rng.sample(corpus_files(), 300)
    mutated = [mutate(path.read_bytes(), rng) for path in files for _ in range(3)]
    rejected = parse_all(mutated)
    print(f"mutations: {len(mutated)} parsed, rejected {dict(rejected)}")  # noqa: T201 - the figure CI logs
    assert sum(rejected.values()) < len(mutated) // 20
