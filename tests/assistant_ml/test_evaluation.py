"""`make eval` end to end on a tiny synthetic dataset folder: the same code path and outputs
as on BANKING77 (JSON + two PNGs), in seconds."""

from __future__ import annotations

import csv
import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from atiende.assistant.evaluation.bot_eval import build_documents, split_heldout
from atiende.assistant.evaluation.data import load_dataset

INTENTS = {
    "card_arrival": [
        "when will my card arrive",
        "my card has not arrived yet",
        "where is my new card",
        "how long does card delivery take",
        "still waiting for my card",
        "card not delivered",
        "has my card been posted",
        "the card you sent never came",
    ],
    "reset_password": [
        "i forgot my password",
        "how do i reset my password",
        "cannot remember my password",
        "change my password please",
        "password reset link not working",
        "need a new password",
        "my password is not accepted",
        "how to recover my password",
    ],
    "refund_request": [
        "i want a refund",
        "how do i get my money back",
        "refund for my order",
        "can you refund this purchase",
        "please return my money",
        "requesting a refund",
        "refund this payment",
        "money back for a faulty item",
    ],
    "exchange_rate": [
        "what exchange rate do you use",
        "how are exchange rates calculated",
        "currency conversion rate",
        "is your exchange rate fair",
        "rate for euros to dollars",
        "exchange rates today",
        "which rate do you apply abroad",
        "conversion rate for pounds",
    ],
}


def _write(path: Path, rows: list[tuple[str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "category"])
        writer.writerows(rows)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("tinybank")
    train = [
        (f"{prefix}{q}", c) for c, qs in INTENTS.items() for q in qs[:6] for prefix in ("", "hi, ")
    ]
    test = [(q, c) for c, qs in INTENTS.items() for q in qs[6:]]
    _write(root / "train.csv", train)
    _write(root / "test.csv", test)
    _write(
        root / "test_es.csv",
        [
            ("¿cuándo llega mi tarjeta?", "card_arrival"),
            ("olvidé mi contraseña", "reset_password"),
            ("quiero que me devuelvan el dinero", "refund_request"),
            ("¿qué tipo de cambio usan?", "exchange_rate"),
        ],
    )
    (root / "ood.txt").write_text(
        "# questions from outside the domain\nwhat's the weather tomorrow\n"
        "who won the football match\nrecommend a good pizza recipe\n",
        encoding="utf-8",
    )
    (root / "sensitive.txt").write_text("refund_request\n", encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def result(folder: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    output = tmp_path_factory.mktemp("results")
    out = StringIO()
    call_command("evaluate_assistant", "--data", str(folder), "--output", str(output), stdout=out)
    log = out.getvalue()
    assert "embedding" in log
    assert "intent accuracy" in log
    data: dict[str, Any] = json.loads((output / f"eval-{folder.name}.json").read_text())
    data["_output"] = output
    return data


def test_dataset_loading(folder: Path) -> None:
    dataset = load_dataset(folder)
    assert len(dataset.categories) == 4
    assert dataset.sensitive == {"refund_request"}
    assert dataset.ood["ood.txt"][0] == "what's the weather tomorrow"
    assert len(dataset.ood["chatterbot-en"]) > 300
    assert dataset.extra_tests["es"][0] == ("¿cuándo llega mi tarjeta?", "card_arrival")


def test_heldout_split_keeps_every_category_on_both_sides(folder: Path) -> None:
    kept, held = split_heldout(load_dataset(folder).train, share=0.25)
    assert {c for _, c in held} == {c for _, c in kept} == set(INTENTS)
    assert not {t for t, _ in held} & {t for t, _ in kept}
    documents = build_documents(kept, "en")
    assert [d.key for d in documents] == sorted(INTENTS)
    assert documents[0].title == "Card arrival"


def test_intent_figures(result: dict[str, Any]) -> None:
    intent = result["intent"]
    assert intent["accuracy"] >= 0.75
    assert intent["test_queries"] == 8
    assert intent["latency_ms"]["queries"] == 8
    assert "es" in intent["other_languages"]


def test_answer_bot_figures(result: dict[str, Any]) -> None:
    bot = result["answer_bot"]
    assert bot["articles"] == 4
    assert bot["test"]["questions"] == 8
    assert bot["test"]["sensitive_answered"] == 0
    assert 0.0 <= bot["test"]["coverage"] <= 1.0
    ood = bot["out_of_domain"]
    assert set(ood["sources"]) == {"ood.txt", "chatterbot-en", "chatterbot-es"}
    assert ood["false_answer_rate"] < 0.05
    assert bot["other_languages"]["es"]["questions"] == 4
    assert result["curves"]["test"]
    assert result["models"]["rss_growth_mb"] >= 0


def test_pictures_are_written(result: dict[str, Any]) -> None:
    for name in result["pictures"]:
        assert (result["_output"] / name).read_bytes().startswith(b"\x89PNG")


def test_a_folder_without_data_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match=r"train\.csv and test\.csv"):
        call_command("evaluate_assistant", "--data", str(tmp_path), stdout=StringIO())


def _text_file(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_other_datasets_column_names_and_tabs_are_read(tmp_path: Path) -> None:
    from atiende.assistant.evaluation.data import read_examples

    clinc = _text_file(tmp_path / "clinc.csv", "text,intent\nwhat is my balance,balance\n")
    hwu = _text_file(tmp_path / "hwu.tsv", "\ufeffLabel\tUtterance\nalarm_set\twake me at 7\n")
    assert read_examples(clinc) == [("what is my balance", "balance")]
    assert read_examples(hwu) == [("wake me at 7", "alarm_set")]


def test_a_file_without_text_or_category_columns_says_which_it_found(tmp_path: Path) -> None:
    from atiende.assistant.evaluation.data import read_examples

    odd = _text_file(tmp_path / "odd.csv", "sentence,topic\nhello,greeting\n")
    with pytest.raises(ValueError, match=r"category .*found sentence, topic"):
        read_examples(odd)
