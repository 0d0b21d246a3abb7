"""The shape of the Sonora demo's help-center pages (kept apart so the data files stay data)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Text:
    title: str
    body: str
    steps: list[str]
    questions: list[str]


@dataclass(frozen=True)
class Page:
    key: str
    en: Text
    es: Text
    sensitive: bool = False
    related: tuple[str, ...] = field(default=())
