"""Writing the bot's answer: the article's steps and link in the customer's language (with a
notice when the article exists only in another language), or a generated answer grounded in
the retrieved articles when an LLM endpoint is configured (falling back to the extractive one).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.utils import translation
from django.utils.translation import get_language_info, pgettext_lazy
from django.utils.translation import gettext as _

from atiende.assistant.config import llm_config
from atiende.assistant.generative import GenerationError, Passage, generate_answer
from atiende.helpcenter.content import ArticleDocument

logger = logging.getLogger(__name__)

MAX_STEPS = 8
# Names as they read inside a sentence ("only available in English" / "disponible en inglés").
LANGUAGE_NAMES = {
    "en": pgettext_lazy("language, inside a sentence", "English"),
    "es": pgettext_lazy("language, inside a sentence", "Spanish"),
    "pt": pgettext_lazy("language, inside a sentence", "Portuguese"),
    "fr": pgettext_lazy("language, inside a sentence", "French"),
    "de": pgettext_lazy("language, inside a sentence", "German"),
    "it": pgettext_lazy("language, inside a sentence", "Italian"),
}


@dataclass(frozen=True)
class Answer:
    text: str
    generated: bool


def absolute(url: str) -> str:
    return url if url.startswith(("http://", "https://")) else f"{settings.SITE_URL}{url}"


def language_name(code: str) -> str:
    if code in LANGUAGE_NAMES:
        return str(LANGUAGE_NAMES[code])
    try:
        return str(get_language_info(code)["name_translated"])
    except KeyError:
        return code


def interface_language(*candidates: str | None) -> str:
    """The first of `candidates` (the customer's detected language, the conversation's, the
    inbox's) that atiende's own sentences exist in (`settings.LANGUAGES`, "pt-br" read as
    "pt"), else the default. A Catalan question in a Spanish inbox gets the bot's sentences in
    Spanish, not in English; the article itself is still chosen in the customer's language."""
    codes = {code for code, _name in settings.LANGUAGES}
    for candidate in candidates:
        code = (candidate or "").strip().lower().replace("_", "-")
        for option in (code, code.split("-")[0]):
            if option in codes:
                return option
    return str(settings.LANGUAGE_CODE)


def extractive(article: ArticleDocument, language: str, interface: str | None = None) -> str:
    """The article's steps (or its opening) and its link for a customer writing in `language`;
    our own sentences in `interface` (default: `language` when we have it, else ours)."""
    with translation.override(interface or interface_language(language)):
        lines = [_("This article should help: %(title)s") % {"title": article.title}]
        if article.language != language:
            lines.append(
                _("This article is only available in %(language)s.")
                % {"language": language_name(article.language)}
            )
        lines.append("")
        if article.steps:
            lines.extend(
                f"{number}. {step}" for number, step in enumerate(article.steps[:MAX_STEPS], 1)
            )
        else:
            summary = " ".join(article.body.split())
            lines.append(summary[:500] + ("…" if len(summary) > 500 else ""))
        lines.append("")
        lines.append(_("Read the whole article: %(url)s") % {"url": absolute(article.url)})
    return "\n".join(lines)


def generated(
    question: str,
    language: str,
    articles: list[ArticleDocument],
    fallback: ArticleDocument,
    interface: str | None = None,
) -> Answer:
    """A generated answer when configured and it works; the extractive answer otherwise."""
    interface = interface or interface_language(language)
    config = llm_config()
    if config is None or not articles:
        return Answer(extractive(fallback, language, interface), generated=False)
    passages = [
        Passage(
            key=f"{article.article_id}:{article.language}",
            title=article.title,
            text="\n".join([*article.steps, article.body]),
            url=absolute(article.url),
        )
        for article in articles
    ]
    try:
        result = generate_answer(
            question,
            language,
            passages,
            url=config.url,
            model=config.model,
            api_key=config.api_key,
            timeout=config.timeout,
        )
    except GenerationError as exc:
        logger.warning("generative answer failed, answering from the article: %s", exc)
        return Answer(extractive(fallback, language, interface), generated=False)
    text = result.text.strip()
    # The [n] citations point at these, numbered as the passages were given.
    sources = [
        f"[{number}] {passage.title}: {passage.url}"
        for number, passage in enumerate(passages, start=1)
        if passage.key in result.citations
    ]
    text = "\n".join([text, "", *sources])
    if fallback.language != language:
        with translation.override(interface):
            notice = _("This article is only available in %(language)s.") % {
                "language": language_name(fallback.language)
            }
        text = f"{text}\n\n{notice}"
    return Answer(text, generated=True)


def feedback_prompt(language: str, links: dict[str, str] | None) -> str:
    """What the customer can answer; with links for channels without buttons."""
    with translation.override(interface_language(language)):
        if not links:
            return _("Did that solve it? Answer “that solved it”, or “I need a person”.")
        return "\n".join(
            [
                _("Did that solve it?"),
                _("Yes, that solved it: %(url)s") % {"url": links["solved"]},
                _("No, I need a person: %(url)s") % {"url": links["person"]},
            ]
        )
