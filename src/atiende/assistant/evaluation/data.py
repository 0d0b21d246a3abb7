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
import io
import json
import random
import re
from collections import defaultdict
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from atiende.assistant.ml.text import fold

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
# Hugging Face exports: intent or label, label_text beside a numeric label), first match wins.
TEXT_COLUMNS = (
    "text", "query", "utterance", "sentence", "question", "message", "content", "input",
    "prompt", "phrase", "example", "texto", "frase", "pregunta", "mensaje", "pergunta",
    "mensagem",
)  # fmt: skip
CATEGORY_COLUMNS = (
    "label_text", "category", "intent", "label", "class", "intent_name", "categoria",
    "categoría", "intencion", "intención", "intenção", "etiqueta", "clase", "classe",
)  # fmt: skip
SPLIT_COLUMNS = ("split", "set", "partition", "subset", "fold")
TRAIN_SPLITS = frozenset({"train", "training", "trn"})
TEST_SPLITS = frozenset({"test", "testing", "tst", "eval", "evaluation"})
# Data files we read, by extension: comma/semicolon/tab/pipe separated, JSON Lines, JSON.
TABLE_SUFFIXES = (".csv", ".tsv", ".txt")
JSON_SUFFIXES = (".jsonl", ".ndjson", ".json")
DATA_SUFFIXES = TABLE_SUFFIXES + JSON_SUFFIXES
ACCEPTED = (
    "train.csv and test.csv (or .tsv, .jsonl, .json), or one data file with a split column "
    "(train/test) or with JSON train and test lists"
)
Row = dict[str, Any]


@dataclass(frozen=True)
class Columns:
    """Column names given on the command line (`--text-column`, `--label-column`)."""

    text: str | None = None
    label: str | None = None


def _column(fieldnames: list[str], choices: tuple[str, ...]) -> str | None:
    by_name = {str(name).strip().lower(): name for name in fieldnames}
    return next((by_name[choice] for choice in choices if choice in by_name), None)


def _decode(path: Path, notes: list[str]) -> str:
    """The file's text: UTF-8 (with or without BOM), UTF-16 with a BOM, else Windows-1252
    (what spreadsheet programs save as "CSV" in Western Europe), said in the notes."""
    raw = path.read_bytes()
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        try:
            text = raw.decode("cp1252")
        except UnicodeDecodeError:
            raise ValueError(
                f"{path}: not UTF-8 ({error.reason} at byte {error.start}); save it as UTF-8"
            ) from error
        notes.append(f"{path.name}: not UTF-8, read as Windows-1252 (Latin-1)")
        return text


def _delimiter(sample: str) -> str:
    lines = [line for line in sample.splitlines()[:50] if line.strip()]
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters=",;\t|").delimiter
    except csv.Error:
        first = lines[0] if lines else ""
        return max(",;\t|", key=first.count) if first else ","


def _table_rows(path: Path, notes: list[str], columns: Columns) -> list[Row]:
    text = _decode(path, notes)
    delimiter = _delimiter(text[:20000])
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    if not rows:
        return []
    header = [cell.strip() for cell in rows[0]]
    known = {name.lower() for name in (*TEXT_COLUMNS, *CATEGORY_COLUMNS, *SPLIT_COLUMNS)}
    wanted = {name.lower() for name in (columns.text, columns.label) if name}
    if any(cell.lower() in known | wanted for cell in header):
        return [dict(zip(header, row, strict=False)) for row in rows[1:]]
    width = len(header)
    if width == 2 and all(len(row) == 2 for row in rows[: min(len(rows), 200)]):
        # No header: two columns, the text is the longer one on average.
        lengths = [sum(len(row[i]) for row in rows) for i in range(2)]
        text_at = 0 if lengths[0] >= lengths[1] else 1
        notes.append(
            f"{path.name}: no header row; took column {text_at + 1} as the text and column "
            f"{2 - text_at} as the category"
        )
        return [{"text": row[text_at], "category": row[1 - text_at]} for row in rows]
    return [dict(zip(header, row, strict=False)) for row in rows[1:]]


def _json_records(value: Any, path: Path) -> list[Row]:
    """Objects ({"text": ..., "intent": ...}) or pairs (["text", "intent"], CLINC150)."""
    records: list[Row] = []
    for item in value:
        if isinstance(item, dict):
            records.append(item)
        elif isinstance(item, list | tuple) and len(item) >= 2:
            records.append({"text": item[0], "category": item[1]})
        else:
            raise ValueError(
                f"{path}: expected objects with a text and a category, or [text, category] "
                f"pairs; found {type(item).__name__}"
            )
    return records


def _json_value(path: Path, notes: list[str]) -> Any:
    text = _decode(path, notes)
    if path.suffix.lower() in (".jsonl", ".ndjson") or (
        path.suffix.lower() == ".json"
        and not text.lstrip().startswith(("[", "{\n", "{\r"))
        and text.count("\n") > 1
    ):
        values = []
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                values.append(json.loads(line))
            except json.JSONDecodeError as error:
                raise ValueError(f"{path}, line {number}: not JSON ({error.msg})") from error
        return values
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(
            f"{path}: not JSON ({error.msg} at line {error.lineno}); JSON Lines files end in .jsonl"
        ) from error


def _records(path: Path, notes: list[str], columns: Columns) -> list[Row] | dict[str, list[Row]]:
    """Rows of a data file; a JSON object with train/test lists gives {split: rows}."""
    if path.suffix.lower() not in JSON_SUFFIXES:
        return _table_rows(path, notes, columns)
    value = _json_value(path, notes)
    if isinstance(value, dict):
        splits = {
            str(key).lower(): _json_records(rows, path)
            for key, rows in value.items()
            if isinstance(rows, list)
        }
        if "train" in splits or "test" in splits:
            return splits
        for key in ("data", "examples", "rows", "items"):
            if key in splits:
                return splits[key]
        raise ValueError(f"{path}: a JSON object without train/test (or data) lists")
    if not isinstance(value, list):
        raise ValueError(f"{path}: expected a JSON list of examples")
    return _json_records(value, path)


def _examples(path: Path, records: list[Row], columns: Columns) -> list[Example]:
    if not records:
        return []
    fields: list[str] = list(dict.fromkeys(key for record in records[:200] for key in record))
    text = _column(fields, (columns.text.lower(),) if columns.text else TEXT_COLUMNS)
    category = _column(fields, (columns.label.lower(),) if columns.label else CATEGORY_COLUMNS)
    if text is None or category is None:
        raise ValueError(
            f"{path}: expected a header naming the text ({', '.join(TEXT_COLUMNS[:5])}...) and "
            f"the category ({', '.join(CATEGORY_COLUMNS[1:5])}...); found "
            f"{', '.join(map(str, fields)) or 'none'}. Name them with --text-column and "
            "--label-column."
        )
    rows = []
    for record in records:
        value, label = record.get(text), record.get(category)
        if value is None or label is None:
            continue
        value = " ".join(str(value).split())
        label = " ".join(str(label).split())
        if value and label:
            rows.append((value, label))
    return rows


def read_examples(path: Path, columns: Columns | None = None) -> list[Example]:
    """(text, category) rows of one file: CSV, TSV, semicolon- or pipe-separated, JSON Lines
    or JSON; any encoding note is dropped (`load_dataset` reports them)."""
    records = _records(path, [], columns or Columns())
    if isinstance(records, dict):
        records = [row for rows in records.values() for row in rows]
    rows = _examples(path, records, columns or Columns())
    if not rows:
        raise ValueError(f"{path}: no rows with both a text and a category")
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


HOLDOUT_TEST_SHARE = 0.2
# Files of a dataset folder that are not its examples.
SIDE_FILES = frozenset({"ood.txt", "sensitive.txt"})


def _named(folder: Path, stem: str) -> Path | None:
    return next(
        (
            folder / f"{stem}{suffix}"
            for suffix in DATA_SUFFIXES
            if (folder / f"{stem}{suffix}").is_file()
        ),
        None,
    )


def _data_files(folder: Path) -> list[Path]:
    return sorted(
        path
        for path in folder.iterdir()
        if path.is_file()
        and path.suffix.lower() in DATA_SUFFIXES
        and path.name.lower() not in SIDE_FILES
        and not path.name.lower().startswith(("test_", "readme", "license"))
    )


def stratified_split(
    rows: list[Example], share: float = HOLDOUT_TEST_SHARE, seed: int = 0
) -> tuple[list[Example], list[Example]]:
    """(train, test): `share` of each category's rows for testing (none from a category with
    a single row), reproducibly."""
    by_category: dict[str, list[str]] = defaultdict(list)
    for text, category in rows:
        by_category[category].append(text)
    rng = random.Random(seed)  # noqa: S311 - a reproducible split, nothing secret
    train: list[Example] = []
    test: list[Example] = []
    for category in sorted(by_category):
        texts = by_category[category]
        rng.shuffle(texts)
        count = min(len(texts) - 1, max(1, round(len(texts) * share))) if len(texts) > 1 else 0
        test += [(text, category) for text in texts[:count]]
        train += [(text, category) for text in texts[count:]]
    return train, test


@dataclass
class _Parts:
    train: list[Example]
    test: list[Example]
    ood: list[str] = field(default_factory=list)


def _one_file(path: Path, notes: list[str], columns: Columns) -> _Parts:
    """Train and test from one file: JSON train/test lists, a split column, or a held-out
    fifth when the file says nothing about splits."""
    records = _records(path, notes, columns)
    if isinstance(records, dict):
        train = _examples(path, records.get("train", []), columns)
        test = _examples(path, records.get("test", []), columns)
        oos = [key for key in records if key.startswith("oos") and key.endswith("test")]
        ood = [text for key in oos for text, _label in _examples(path, records[key], columns)]
        if ood:
            notes.append(f"{path.name}: {len(ood)} out-of-scope questions ({', '.join(oos)})")
        if not test and train:
            train, test = stratified_split(train)
            notes.append(f"{path.name}: no test list; held out {len(test)} train examples")
        return _Parts(train, test, ood)
    fields = list(dict.fromkeys(key for record in records[:200] for key in record))
    split = _column(fields, SPLIT_COLUMNS)
    if split is not None:
        values = {str(record.get(split, "")).strip().lower() for record in records}
        train_rows = [r for r in records if str(r.get(split, "")).strip().lower() in TRAIN_SPLITS]
        test_rows = [r for r in records if str(r.get(split, "")).strip().lower() in TEST_SPLITS]
        if train_rows and test_rows:
            other = sorted(values - TRAIN_SPLITS - TEST_SPLITS)
            notes.append(
                f"{path.name}: split by its '{split}' column"
                + (f" (rows marked {', '.join(other)} left out)" if other else "")
            )
            return _Parts(_examples(path, train_rows, columns), _examples(path, test_rows, columns))
        raise ValueError(
            f"{path}: its '{split}' column should mark rows 'train' and 'test'; found "
            f"{', '.join(sorted(values)[:10])}"
        )
    train, test = stratified_split(_examples(path, records, columns))
    notes.append(
        f"{path.name}: no test set; held out {len(test)} of {len(train) + len(test)} examples "
        f"({HOLDOUT_TEST_SHARE:.0%} of each category, seed 0) to test on"
    )
    return _Parts(train, test)


def _parts(folder: Path, notes: list[str], columns: Columns) -> _Parts:
    if folder.is_file():
        return _one_file(folder, notes, columns)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder} does not exist; it should hold {ACCEPTED}")
    train_path, test_path = _named(folder, "train"), _named(folder, "test")
    if train_path is not None and test_path is not None:
        train = _examples(train_path, _flat(_records(train_path, notes, columns)), columns)
        test = _examples(test_path, _flat(_records(test_path, notes, columns)), columns)
        if not train:
            raise ValueError(f"{train_path}: no rows with both a text and a category")
        return _Parts(train, test)
    if test_path is not None:
        raise FileNotFoundError(
            f"{folder}: {test_path.name} but no train file; it needs {ACCEPTED}"
        )
    if train_path is not None:
        return _one_file(train_path, notes, columns)
    files = _data_files(folder)
    if len(files) == 1:
        return _one_file(files[0], notes, columns)
    if not files:
        raise FileNotFoundError(f"{folder} has no data: it needs {ACCEPTED}")
    raise ValueError(
        f"{folder}: several data files ({', '.join(f.name for f in files[:6])}); name them "
        "train.<ext> and test.<ext>, or pass one file as DATA"
    )


def _flat(records: list[Row] | dict[str, list[Row]]) -> list[Row]:
    if isinstance(records, dict):
        return [row for rows in records.values() for row in rows]
    return records


def _known_only(
    rows: list[Example], known: set[str], name: str, notes: list[str]
) -> tuple[list[Example], list[Example]]:
    """(rows whose category train.csv has, rows whose category it lacks), with a note."""
    kept = [row for row in rows if row[1] in known]
    unknown = [row for row in rows if row[1] not in known]
    if unknown:
        labels = sorted({category for _, category in unknown})
        shown = ", ".join(labels[:8]) + (", ..." if len(labels) > 8 else "")
        notes.append(
            f"{name}: {len(unknown)} questions in {len(labels)} "
            f"{'category' if len(labels) == 1 else 'categories'} that train has no "
            f"example of ({shown}): not counted for accuracy; the bot is measured on them as "
            "out-of-domain (it should hand them over)"
        )
    return kept, unknown


def load_dataset(
    folder: Path,
    *,
    builtin_ood: bool = True,
    columns: Columns | None = None,
    notes: list[str] | None = None,
) -> Dataset:
    """The dataset in `folder` (or one data file). Everything worth knowing about how it was
    read (encoding, guessed header, split, unknown categories) is appended to `notes`."""
    folder = Path(folder)
    columns = columns or Columns()
    notes = notes if notes is not None else []
    parts = _parts(folder, notes, columns)
    directory = folder if folder.is_dir() else folder.parent
    name = (folder.resolve().name if folder.is_dir() else folder.stem).lower()
    categories = sorted({category for _, category in parts.train})
    if len(categories) < 2:
        raise ValueError(
            f"{folder}: training needs at least two categories; found {len(categories)} "
            f"({', '.join(categories[:3]) or 'none'})"
        )
    if not parts.test:
        raise ValueError(f"{folder}: the test set has no rows with both a text and a category")
    test, unseen = _known_only(parts.test, set(categories), "test", notes)
    if not test:
        raise ValueError(f"{folder}: no test questions with a category that train has")
    dataset = Dataset(name=name, folder=directory, train=parts.train, test=test)
    if parts.ood:
        dataset.ood["oos"] = parts.ood
    if unseen:
        dataset.ood["test-unseen-categories"] = [text for text, _ in unseen]
    if folder.is_dir() and (folder / "ood.txt").is_file():
        dataset.ood["ood.txt"] = _lines(folder / "ood.txt")
    if builtin_ood:
        dataset.ood.update(chatterbot_questions())
    if folder.is_dir():
        for path in sorted(folder.iterdir()):
            stem, suffix = path.stem, path.suffix.lower()
            if path.is_file() and stem.startswith("test_") and suffix in DATA_SUFFIXES:
                language = stem.split("_", 1)[1]
                rows = _examples(path, _flat(_records(path, notes, columns)), columns)
                rows, _unknown = _known_only(rows, set(categories), path.name, notes)
                if rows:
                    dataset.extra_tests[language] = rows
                    dataset.extra_sources[language] = path.name
    data = resources.files("atiende.assistant.evaluation") / "data"
    for language, filename in BUILTIN_EXTRA_TESTS.get(name, {}).items():
        if language not in dataset.extra_tests:
            with resources.as_file(data / filename) as path:
                dataset.extra_tests[language] = read_examples(path)
            dataset.extra_sources[language] = f"atiende/assistant/evaluation/data/{filename}"
    if folder.is_dir() and (folder / "sensitive.txt").is_file():
        dataset.sensitive = frozenset(_lines(folder / "sensitive.txt"))
    _drop_ood_overlap(dataset, notes)
    return dataset


def _drop_ood_overlap(dataset: Dataset, notes: list[str]) -> None:
    """Out-of-domain questions that are also the dataset's own examples are not out of its
    domain (a dataset made from chatterbot-corpus has them all): left out, with a note."""
    own = {fold(text) for text, _ in dataset.train + dataset.test}
    for source, questions in list(dataset.ood.items()):
        if source == "test-unseen-categories":
            continue
        kept = [question for question in questions if fold(question) not in own]
        if len(kept) < len(questions):
            notes.append(
                f"out-of-domain {source}: {len(questions) - len(kept)} questions left out, "
                "they are examples of this dataset"
            )
        if kept:
            dataset.ood[source] = kept
        else:
            del dataset.ood[source]
