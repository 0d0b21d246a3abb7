"""Optional generative answers from an OpenAI-compatible chat-completions server (llama.cpp,
Ollama, vLLM), grounded only in the retrieved help-center passages, with `[n]` citations.

Off by default; the caller decides whether it is configured. Any failure (timeout, refused
connection, 4xx/5xx, malformed reply, an answer citing no passage) raises `GenerationError`,
so the caller falls back to answering from the article itself.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx

MAX_PASSAGE_CHARS = 1800
MAX_ANSWER_TOKENS = 400
_CITATION = re.compile(r"\[(\d{1,2})\]")

SYSTEM_PROMPT = (
    "You are a customer-support assistant. Answer the customer's question using ONLY the "
    "numbered help-center passages below. Cite every sentence's source with its passage "
    "number in square brackets, like [1] or [2]. If the passages do not answer the question, "
    "reply exactly NO_ANSWER. Never invent steps, prices, links or policies, never ask for "
    "passwords, recovery phrases or 2FA codes. Be brief and write in the language with code "
    "'{language}'."
)


@dataclass(frozen=True)
class Passage:
    key: str
    title: str
    text: str
    url: str


@dataclass(frozen=True)
class GeneratedAnswer:
    text: str
    citations: tuple[str, ...]  # keys of the passages the answer cites, in first-cited order


class GenerationError(Exception):
    """The generative answer could not be produced or could not be trusted."""


def build_messages(
    question: str, language: str, passages: Sequence[Passage]
) -> list[dict[str, str]]:
    numbered = "\n\n".join(
        f"[{number}] {passage.title}\n{passage.text[:MAX_PASSAGE_CHARS]}"
        for number, passage in enumerate(passages, start=1)
    )
    return [
        {"role": "system", "content": SYSTEM_PROMPT.format(language=language)},
        {"role": "user", "content": f"Passages:\n\n{numbered}\n\nQuestion: {question}"},
    ]


def _content(payload: Any) -> str:
    try:
        content = payload["choices"][0]["message"]["content"]
    except (KeyError, IndexError, TypeError) as exc:
        raise GenerationError("malformed chat-completions response") from exc
    if not isinstance(content, str):
        raise GenerationError("malformed chat-completions response")
    return content.strip()


def generate_answer(
    question: str,
    language: str,
    passages: Sequence[Passage],
    *,
    url: str,
    model: str,
    api_key: str = "",
    timeout: float = 10.0,
) -> GeneratedAnswer:
    """Ask the server for an answer grounded in `passages`; keep it only if it cites them."""
    if not passages:
        raise GenerationError("no passages to ground an answer in")
    endpoint = url.rstrip("/")
    if not endpoint.endswith("/v1"):
        endpoint += "/v1"
    headers = {"Content-Type": "application/json"}
    if api_key:
        headers["Authorization"] = f"Bearer {api_key}"
    body = {
        "model": model,
        "messages": build_messages(question, language, passages),
        "temperature": 0.1,
        "max_tokens": MAX_ANSWER_TOKENS,
        "stream": False,
    }
    try:
        # No redirects: the configured server answers itself or not at all.
        response = httpx.post(
            f"{endpoint}/chat/completions",
            json=body,
            headers=headers,
            timeout=timeout,
            follow_redirects=False,
        )
    except httpx.HTTPError as exc:
        raise GenerationError(f"chat-completions request failed: {type(exc).__name__}") from exc
    if response.status_code != 200:
        raise GenerationError(f"chat-completions server answered {response.status_code}")
    try:
        payload = response.json()
    except ValueError as exc:
        raise GenerationError("chat-completions response is not JSON") from exc
    text = _content(payload)
    if not text or "NO_ANSWER" in text:
        raise GenerationError("the model found no answer in the passages")
    cited: list[str] = []
    for match in _CITATION.finditer(text):
        number = int(match.group(1))
        if 1 <= number <= len(passages):
            key = passages[number - 1].key
            if key not in cited:
                cited.append(key)
    if not cited:
        raise GenerationError("the answer cites none of the passages")
    # Citations of passages that do not exist are removed rather than shown.
    text = _CITATION.sub(
        lambda m: m.group(0) if 1 <= int(m.group(1)) <= len(passages) else "", text
    ).strip()
    return GeneratedAnswer(text=text, citations=tuple(cited))
