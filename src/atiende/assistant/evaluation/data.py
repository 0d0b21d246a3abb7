"""Loading an evaluation folder: `train.csv` and `test.csv` (`text,category`, or the
column names other public intent sets use, see `read_examples`), and optionally
`ood.txt` (one out-of-domain question per line), `test_<language>.csv` (questions in another
language, same categories) and `sensitive.txt` (categories the bot must never answer).

Sets we made ourselves are added by dataset name: for BANKING77, 231 Spanish questions
(`data/banking77_test_es.csv`, our hand translation of three `test.csv` questions per
intent; CC-BY-4.0 like the original). Out-of-domain questions always include real
non-banking small talk and tech-support questions from the `chatterbot-corpus` package.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

BUILTIN_EXTRA_TESTS = {"banking77": {"es": "banking77_test_es.csv"}}
# chatterbot-corpus categories left out of the out-of-domain set: money talk is too close to
# banking support to count as "outside the domain".
OOD_SKIP_FILES = frozenset({"money.yml", "dinero.yml"})
OOD_LANGUAGES = {"english": "en", "spanish": "es"}

Example = tuple[str, str]  # (text, category)


@dataclass
class Dataset:
    name: str
    folder: Path
    train: list[Example]
    test: list[Example]
    ood: dict[str, list[str]] = field(default_factory=dict)  # source -> questions
    extra_tests: dict[str, list[Example]] = field(default_factory=dict)  # language -> rows
    extra_sources: dict[str, str] = field(default_factory=dict)  # language -> where from
    sensitive: frozenset[str] = frozenset()

    @property
    def categories(self) -> list[str]:
        return sorted({category for _, category in self.train})


# Column names public intent datasets use (BANKING77: category; CLINC150, HWU64 and most
# Hugging Face exports: intent or label), first match wins; the delimiter is sniffed (CSV or TSV).
TEXT_COLUMNS = ("text", "query", "utterance", "sentence", "question")
CATEGORY_COLUMNS = ("category", "intent", "label")


def _column(fieldnames: list[str], choices: tuple[str, ...]) -> str | None:
    by_name = {name.strip().lower(): name for name in fieldnames}
    return next((by_name[choice] for choice in choices if choice in by_name), None)


def read_examples(path: Path) -> list[Example]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        first = handle.readline()
        handle.seek(0)
        delimiter = "\t" if first.count("\t") > first.count(",") else ","
        reader = csv.DictReader(handle, delimiter=delimiter)
        fields = list(reader.fieldnames or [])
        text, category = _column(fields, TEXT_COLUMNS), _column(fields, CATEGORY_COLUMNS)
        if text is None or category is None:
            raise ValueError(
                f"{path}: expected a header naming the text ({', '.join(TEXT_COLUMNS)}) and "
                f"the category ({', '.join(CATEGORY_COLUMNS)}); found {', '.join(fields) or 'none'}"
            )
        rows = [
            (" ".join(row[text].split()), row[category].strip())
            for row in reader
            if row.get(text) and row.get(category)
        ]
    if not rows:
        raise ValueError(f"{path}: no rows")
    return rows


def _lines(path: Path) -> list[str]:
    return [
        line.strip()
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]


def chatterbot_questions() -> dict[str, list[str]]:
    """Opening turns of chatterbot-corpus conversations (English and Spanish), de-duplicated,
    by source name ("chatterbot-en", "chatterbot-es")."""
    import yaml

    root = resources.files("chatterbot_corpus") / "data"
    result: dict[str, list[str]] = {}
    for folder, language in OOD_LANGUAGES.items():
        seen: dict[str, None] = {}
        directory = root / folder
        for entry in sorted(directory.iterdir(), key=lambda item: item.name):
            if not entry.name.endswith(".yml") or entry.name in OOD_SKIP_FILES:
                continue
            document = yaml.safe_load(entry.read_text(encoding="utf-8")) or {}
            for conversation in document.get("conversations") or []:
                if not conversation or not isinstance(conversation[0], str):
                    continue
                text = " ".join(conversation[0].split())
                if len(re.findall(r"\w+", text)) >= 3:
                    seen.setdefault(text, None)
        result[f"chatterbot-{language}"] = list(seen)
    return result


def load_dataset(folder: Path, *, builtin_ood: bool = True) -> Dataset:
    folder = Path(folder)
    train_path, test_path = folder / "train.csv", folder / "test.csv"
    for path in (train_path, test_path):
        if not path.is_file():
            raise FileNotFoundError(f"{path} is missing")
    name = folder.resolve().name.lower()
    dataset = Dataset(
        name=name, folder=folder, train=read_examples(train_path), test=read_examples(test_path)
    )
    if (folder / "ood.txt").is_file():
        dataset.ood["ood.txt"] = _lines(folder / "ood.txt")
    if builtin_ood:
        dataset.ood.update(chatterbot_questions())
    for path in sorted(folder.glob("test_*.csv")):
        language = path.stem.split("_", 1)[1]
        dataset.extra_tests[language] = read_examples(path)
        dataset.extra_sources[language] = path.name
    data = resources.files("atiende.assistant.evaluation") / "data"
    for language, filename in BUILTIN_EXTRA_TESTS.get(name, {}).items():
        if language not in dataset.extra_tests:
            with resources.as_file(data / filename) as path:
                dataset.extra_tests[language] = read_examples(path)
            dataset.extra_sources[language] = f"atiende/assistant/evaluation/data/{filename}"
    if (folder / "sensitive.txt").is_file():
        dataset.sensitive = frozenset(_lines(folder / "sensitive.txt"))
    known = set(dataset.categories)
    for language, rows in dataset.extra_tests.items():
        unknown = {category for _, category in rows} - known
        if unknown:
            raise ValueError(f"test_{language}: categories not in train.csv: {sorted(unknown)}")
    return dataset
