"""`make eval DATA=<folder>` on datasets shaped unlike BANKING77: JSON Lines, JSON arrays and
CLINC150's train/test object, semicolon- or pipe-separated CSV, Windows-1252, no header, one
file with a split column, one file and nothing else, labels with spaces and accents, numeric
labels, test categories train never saw. Each one works, or says what it needs."""

from __future__ import annotations

import csv
import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from atiende.assistant.evaluation.data import Columns, load_dataset, stratified_split

# A small Portuguese support dataset; labels with spaces, accents and a semicolon.
PT = {
    "Cartão não chegou": [
        "meu cartão ainda não chegou", "quando vou receber meu cartão",
        "o cartão novo não foi entregue", "quanto tempo demora a entrega do cartão",
        "ainda estou esperando o cartão", "já faz duas semanas e nada do cartão",
    ],
    "Esqueci a senha": [
        "esqueci minha senha", "como redefinir a senha", "não lembro a senha",
        "quero trocar minha senha", "o link de redefinição de senha não funciona",
        "preciso de uma senha nova",
    ],
    "Reembolso; estorno": [
        "quero meu dinheiro de volta", "como pedir reembolso",
        "fui cobrado duas vezes, quero estorno", "reembolso de uma compra",
        "devolvam meu dinheiro", "solicitar reembolso",
    ],
}  # fmt: skip


def _rows(split: str) -> list[tuple[str, str]]:
    return [
        (text, label)
        for label, texts in PT.items()
        for text in (texts[:4] if split == "train" else texts[4:])
    ]


def _csv(path: Path, rows: list[Any], *, delimiter: str = ",", encoding: str = "utf-8") -> None:
    with path.open("w", newline="", encoding=encoding) as handle:
        csv.writer(handle, delimiter=delimiter).writerows(rows)


def _load(folder: Path, **kwargs: Any) -> tuple[Any, list[str]]:
    notes: list[str] = []
    return load_dataset(folder, builtin_ood=False, notes=notes, **kwargs), notes


def _check(dataset: Any) -> None:
    assert sorted(dataset.categories) == sorted(PT)
    assert len(dataset.train) == 12
    assert len(dataset.test) == 6
    assert ("meu cartão ainda não chegou", "Cartão não chegou") in dataset.train


def test_json_lines(tmp_path: Path) -> None:
    for split in ("train", "test"):
        lines = [json.dumps({"text": t, "intent": c}) for t, c in _rows(split)]
        (tmp_path / f"{split}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")

    _check(_load(tmp_path)[0])


def test_json_arrays_of_objects(tmp_path: Path) -> None:
    for split in ("train", "test"):
        rows = [{"utterance": t, "label": c} for t, c in _rows(split)]
        (tmp_path / f"{split}.json").write_text(json.dumps(rows), encoding="utf-8")

    _check(_load(tmp_path)[0])


def test_clinc150_style_single_json_with_out_of_scope(tmp_path: Path) -> None:
    data = {
        "train": [list(row) for row in _rows("train")],
        "val": [],
        "test": [list(row) for row in _rows("test")],
        "oos_test": [["qual a capital da França", "oos"], ["me conta uma piada", "oos"]],
    }
    (tmp_path / "data_full.json").write_text(json.dumps(data), encoding="utf-8")

    dataset, _notes = _load(tmp_path)

    _check(dataset)
    assert dataset.ood["oos"] == ["qual a capital da França", "me conta uma piada"]


def test_semicolon_separated_windows_1252(tmp_path: Path) -> None:
    for split in ("train", "test"):
        _csv(
            tmp_path / f"{split}.csv",
            [("Texto", "Categoria"), *_rows(split)],
            delimiter=";",
            encoding="cp1252",
        )

    dataset, notes = _load(tmp_path)

    _check(dataset)
    assert any("Windows-1252" in note for note in notes)


def test_tab_separated_without_a_header(tmp_path: Path) -> None:
    for split in ("train", "test"):
        _csv(tmp_path / f"{split}.tsv", [(c, t) for t, c in _rows(split)], delimiter="\t")

    dataset, notes = _load(tmp_path)

    _check(dataset)
    assert any("no header row" in note for note in notes)


def test_one_file_with_a_split_column(tmp_path: Path) -> None:
    rows = [("frase", "intenção", "split")]
    rows += [(t, c, "train") for t, c in _rows("train")]
    rows += [(t, c, "test") for t, c in _rows("test")]
    rows += [("linha de validação", "Esqueci a senha", "validation")]
    _csv(tmp_path / "dataset.csv", rows, delimiter="|")

    dataset, notes = _load(tmp_path)

    _check(dataset)
    assert any("validation" in note for note in notes)


def test_one_file_and_nothing_else_is_split_for_testing(tmp_path: Path) -> None:
    _csv(tmp_path / "train.csv", [("text", "category"), *_rows("train"), *_rows("test")])

    dataset, notes = _load(tmp_path)

    assert len(dataset.train) + len(dataset.test) == 18
    assert {c for _, c in dataset.test} == set(PT)
    assert any("no test set" in note for note in notes)


def test_a_data_file_can_be_given_instead_of_a_folder(tmp_path: Path) -> None:
    path = tmp_path / "intents.jsonl"
    rows = [{"text": t, "intent": c, "split": "train"} for t, c in _rows("train")]
    rows += [{"text": t, "intent": c, "split": "test"} for t, c in _rows("test")]
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")

    dataset, _notes = _load(path)

    _check(dataset)
    assert dataset.name == "intents"


def test_numeric_labels_and_named_columns(tmp_path: Path) -> None:
    ids = {label: number for number, label in enumerate(PT)}
    for split in ("train", "test"):
        rows = [{"body": t, "topic": ids[c]} for t, c in _rows(split)]
        (tmp_path / f"{split}.jsonl").write_text(
            "".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8"
        )

    with pytest.raises(ValueError, match="--text-column and --label-column"):
        _load(tmp_path)
    dataset, _notes = _load(tmp_path, columns=Columns(text="body", label="topic"))

    assert dataset.categories == ["0", "1", "2"]


def test_test_categories_train_never_saw_become_out_of_domain(tmp_path: Path) -> None:
    _csv(tmp_path / "train.csv", [("text", "label"), *_rows("train")])
    unseen = [("quero mudar de plano", "Mudar plano"), ("trocar para o plano família", "X")]
    _csv(tmp_path / "test.csv", [("text", "label"), *_rows("test"), *unseen])
    _csv(tmp_path / "test_en.csv", [("text", "label"), ("my card never came", "Nope")])

    dataset, notes = _load(tmp_path)

    assert len(dataset.test) == 6
    assert dataset.ood["test-unseen-categories"] == [text for text, _ in unseen]
    assert "en" not in dataset.extra_tests
    assert any("2 questions in 2 categories" in note for note in notes)


def test_many_categories_with_one_or_two_examples(tmp_path: Path) -> None:
    rows = [(f"question {n} about topic {n}", f"topic {n}") for n in range(60)]
    rows += [(f"another question {n} on topic {n}", f"topic {n}") for n in range(0, 60, 2)]

    train, test = stratified_split(rows)

    # A category with one example stays in training; every other gives one to the test.
    assert len(test) == 30
    assert {c for _, c in train} == {f"topic {n}" for n in range(60)}


def test_chatterbot_questions_that_are_the_dataset_are_not_out_of_domain(
    tmp_path: Path,
) -> None:
    rows = [("text", "label"), ("Bom dia", "greetings"), ("Olá, tudo bem?", "greetings")]
    rows += [("Good morning, how are you?", "greetings"), ("What is AI?", "ai")]
    rows += [("What is artificial intelligence?", "ai"), ("Are you a robot?", "ai")]
    _csv(tmp_path / "train.csv", rows)
    _csv(tmp_path / "test.csv", [("text", "label"), ("Hello", "greetings")])
    notes: list[str] = []

    dataset = load_dataset(tmp_path, notes=notes)

    assert "Good morning, how are you?" not in dataset.ood["chatterbot-en"]
    assert any("they are examples of this dataset" in note for note in notes)


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({}, r"has no data: it needs train\.csv and test\.csv"),
        ({"test.csv": "text,label\nhi,a\n"}, "but no train file"),
        ({"train.csv": "text,label\nhi,a\nhey,a\n", "test.csv": "text,label\nhi,a\n"}, "two"),
        ({"train.csv": "text,label\nhi,a\nbye,b\n", "test.csv": "text,label\n"}, "no rows"),
        ({"a.csv": "text,label\n", "b.json": "[]"}, "several data files"),
        ({"train.json": "{not json", "test.json": "[]"}, "not JSON"),
        ({"train.csv": "id,message,topic\n1,hi,a\n", "test.csv": "x\n"}, "found id, message"),
        (
            {"data.csv": "text,label,split\nhi,a,train\nbye,b,train\nyo,a,dev\n"},
            "should mark rows 'train' and 'test'",
        ),
    ],
)
def test_what_cannot_be_read_is_said_plainly(
    tmp_path: Path, files: dict[str, str], message: str
) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")

    with pytest.raises(CommandError, match=message):
        call_command("evaluate_assistant", "--data", str(tmp_path), stdout=StringIO())


def test_make_eval_runs_on_a_portuguese_json_lines_file_with_a_split_column(
    tmp_path: Path,
) -> None:
    data = tmp_path / "suporte.jsonl"
    rows = [{"text": t, "intent": c, "split": "train"} for t, c in _rows("train")]
    rows += [{"text": t, "intent": c, "split": "test"} for t, c in _rows("test")]
    rows += [{"text": "quero mudar de plano", "intent": "Mudar de plano", "split": "test"}]
    data.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows))
    out = StringIO()

    call_command("evaluate_assistant", "--data", str(data), "--output", str(tmp_path), stdout=out)

    log = out.getvalue()
    assert "note: suporte.jsonl: split by its 'split' column" in log
    assert "note: test: 1 questions in 1 category that train has no example of" in log
    result = json.loads((tmp_path / "eval-suporte.json").read_text(encoding="utf-8"))
    assert result["intent"]["test_queries"] == 6
    assert result["answer_bot"]["article_language"] == "pt"
    assert result["answer_bot"]["out_of_domain"]["sources"]["test-unseen-categories"]
    assert (tmp_path / "eval-suporte-curve.png").read_bytes().startswith(b"\x89PNG")


def test_make_eval_says_when_it_cannot_calibrate(tmp_path: Path) -> None:
    # One example per category: nothing can be held back to calibrate the bot's threshold.
    train = [("text", "label")] + [(texts[0], label) for label, texts in PT.items()]
    test = [("text", "label")] + [(texts[1], label) for label, texts in PT.items()]
    _csv(tmp_path / "train.csv", train)
    _csv(tmp_path / "test.csv", test)
    out = StringIO()

    call_command(
        "evaluate_assistant", "--data", str(tmp_path), "--output", str(tmp_path), stdout=out
    )

    assert "bot: NOT calibrated" in out.getvalue()
    result = json.loads((tmp_path / f"eval-{tmp_path.name}.json").read_text(encoding="utf-8"))
    assert result["answer_bot"]["calibrated"] is False
