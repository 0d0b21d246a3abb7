"""Every write to help-center content: views, the API, the demo and tests all call these.

Each change to an article translation renders its Markdown once (sanitised HTML and plain text
are stored), appends a revision (title, body and steps) and bumps the content version, so the
search index and `content.published_documents()` rebuild on their next read. Publishing records
`helpcenter.article_published` (audit log; not pushed to inbox browsers).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import filetype
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from atiende.core import events
from atiende.core.errors import ActionError, NotAllowed
from atiende.helpcenter import content, markdown
from atiende.helpcenter.models import (
    Article,
    ArticleFeedback,
    ArticleRevision,
    ArticleStep,
    ArticleTranslation,
    Category,
    CategoryTranslation,
    ContentVersion,
    ExampleQuestion,
    HelpImage,
    Section,
    SectionTranslation,
    Status,
)
from atiende.helpcenter.urls_util import make_slug
from atiende.people.models import User

SAFE_IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
MAX_IMAGE_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class StepInput:
    text: str
    image_id: int | None = None
    image_alt: str = ""


def can_edit(user: User) -> bool:
    """Supervisors and admins write help-center content; agents read the editor only."""
    return user.is_active and user.sees_everything


def require_editor(user: User) -> None:
    if not can_edit(user):
        raise NotAllowed(_("Only supervisors and admins can edit the help center."))


def bump_version() -> None:
    """Move the content version; caches compare it on their next read."""
    stamp = secrets.token_hex(8)
    updated = ContentVersion.objects.filter(pk=1).update(version=F("version") + 1, stamp=stamp)
    if not updated:
        ContentVersion.objects.get_or_create(pk=1, defaults={"version": 1, "stamp": stamp})

    content.invalidate()

    def notify() -> None:
        content.invalidate()
        content.content_changed.send(sender=bump_version)

    transaction.on_commit(notify)


def _language(code: str) -> str:
    code = (code or "").strip().lower().replace("_", "-")  # pt_BR, as locales write it
    if (
        not code
        or len(code) > 12
        or not all(c.isascii() and (c.isalnum() or c == "-") for c in code)
    ):
        raise ActionError(_("A language code such as “en”, “es” or “pt-br” is required."))
    return code


# --- categories and sections --------------------------------------------------------------------


@transaction.atomic
def create_category(
    actor: User | None,
    *,
    language: str,
    name: str,
    description: str = "",
    sensitive: bool = False,
    position: int = 0,
) -> Category:
    if actor is not None:
        require_editor(actor)
    category = Category.objects.create(sensitive=sensitive, position=position)
    name_category(category, language=language, name=name, description=description)
    return category


@transaction.atomic
def set_category_sensitive(actor: User, category: Category, *, sensitive: bool) -> None:
    """Mark a whole category sensitive (the answer bot then never answers with its articles)."""
    require_editor(actor)
    Category.objects.filter(pk=category.pk).update(sensitive=sensitive)
    category.sensitive = sensitive
    events.record(
        "helpcenter.category_sensitivity_changed",
        actor_user=actor,
        data={"category_id": category.pk, "sensitive": sensitive},
        publish=False,
    )
    bump_version()


def name_category(category: Category, *, language: str, name: str, description: str = "") -> None:
    if not name.strip():
        raise ActionError(_("A name is required."))
    CategoryTranslation.objects.update_or_create(
        category=category,
        language=_language(language),
        defaults={"name": name.strip(), "description": description.strip()},
    )
    bump_version()


@transaction.atomic
def create_section(
    actor: User | None,
    category: Category,
    *,
    language: str,
    name: str,
    description: str = "",
    position: int = 0,
) -> Section:
    if actor is not None:
        require_editor(actor)
    section = Section.objects.create(category=category, position=position)
    name_section(section, language=language, name=name, description=description)
    return section


def name_section(section: Section, *, language: str, name: str, description: str = "") -> None:
    if not name.strip():
        raise ActionError(_("A name is required."))
    SectionTranslation.objects.update_or_create(
        section=section,
        language=_language(language),
        defaults={"name": name.strip(), "description": description.strip()},
    )
    bump_version()


# --- articles and translations ------------------------------------------------------------------


@transaction.atomic
def create_article(
    actor: User | None,
    section: Section,
    *,
    language: str,
    title: str,
    body: str = "",
    summary: str = "",
    sensitive: bool = False,
    position: int = 0,
) -> ArticleTranslation:
    if actor is not None:
        require_editor(actor)
    article = Article.objects.create(section=section, sensitive=sensitive, position=position)
    return save_translation(
        actor, article, language=language, title=title, body=body, summary=summary
    )


@transaction.atomic
def update_article(
    actor: User, article: Article, *, section: Section, sensitive: bool, position: int
) -> Article:
    require_editor(actor)
    article.section = section
    article.sensitive = sensitive
    article.position = position
    article.save(update_fields=["section", "sensitive", "position"])
    bump_version()
    return article


@transaction.atomic
def save_translation(
    actor: User | None,
    article: Article,
    *,
    language: str,
    title: str,
    body: str,
    summary: str = "",
    slug: str = "",
    steps: Sequence[StepInput] | None = None,
    note: str = "",
) -> ArticleTranslation:
    """Create or update the `language` translation of `article` and keep a revision of it."""
    if actor is not None:
        require_editor(actor)
    language = _language(language)
    title = title.strip()
    if not title:
        raise ActionError(_("A title is required."))
    slug = make_slug(slug or title)
    translation = (
        ArticleTranslation.objects.select_for_update()
        .filter(article=article, language=language)
        .first()
    )
    if translation is None:
        translation = ArticleTranslation(article=article, language=language)
    translation.title = title[:200]
    translation.slug = slug
    translation.summary = summary.strip()[:300]
    translation.body = body
    translation.body_html = markdown.render(body)
    translation.body_text = markdown.to_text(body)
    translation.updated_at = timezone.now()
    translation.updated_by = actor
    translation.save()
    if steps is not None:
        _replace_steps(translation, steps)
    _snapshot(translation, actor, note or _("Saved"))
    bump_version()
    return translation


def _replace_steps(translation: ArticleTranslation, steps: Sequence[StepInput]) -> None:
    image_ids = {s.image_id for s in steps if s.image_id is not None}
    known = set(HelpImage.objects.filter(pk__in=image_ids).values_list("pk", flat=True))
    translation.steps.all().delete()
    ArticleStep.objects.bulk_create(
        ArticleStep(
            translation=translation,
            position=position,
            text=step.text.strip(),
            image_id=step.image_id if step.image_id in known else None,
            image_alt=step.image_alt.strip()[:200],
        )
        for position, step in enumerate(s for s in steps if s.text.strip())
    )


def _snapshot(translation: ArticleTranslation, actor: User | None, note: str) -> ArticleRevision:
    last = translation.revisions.aggregate(last=Max("number"))["last"] or 0
    return ArticleRevision.objects.create(
        translation=translation,
        number=last + 1,
        title=translation.title,
        slug=translation.slug,
        summary=translation.summary,
        body=translation.body,
        steps=[
            {"text": s.text, "image_id": s.image_id, "image_alt": s.image_alt}
            for s in translation.steps.order_by("position", "pk")
        ],
        status=translation.status,
        note=note[:200],
        created_by=actor,
    )


@transaction.atomic
def set_status(actor: User | None, translation: ArticleTranslation, status: str) -> None:
    """Publish or unpublish one translation (a revision and an audit event either way)."""
    if actor is not None:
        require_editor(actor)
    if status not in Status.values:
        raise ActionError(_("Unknown status."))
    if translation.status == status:
        return
    translation.status = status
    fields = ["status", "updated_at", "updated_by"]
    if status == Status.PUBLISHED and translation.published_at is None:
        translation.published_at = timezone.now()
        fields.append("published_at")
    translation.updated_at = timezone.now()
    translation.updated_by = actor
    translation.save(update_fields=fields)
    published = status == Status.PUBLISHED
    _snapshot(translation, actor, _("Published") if published else _("Unpublished"))
    events.record(
        "helpcenter.article_published" if published else "helpcenter.article_unpublished",
        actor_user=actor,
        data={"article_id": translation.article_id, "language": translation.language},
        publish=False,
    )
    bump_version()


@transaction.atomic
def restore_revision(actor: User, revision: ArticleRevision) -> ArticleTranslation:
    """Make `revision` the current text (title, body, steps) as a new revision; status stays."""
    require_editor(actor)
    translation = revision.translation
    steps = [
        StepInput(
            text=str(step.get("text", "")),
            image_id=step.get("image_id"),
            image_alt=str(step.get("image_alt", "")),
        )
        for step in revision.steps
    ]
    return save_translation(
        actor,
        translation.article,
        language=translation.language,
        title=revision.title,
        body=revision.body,
        summary=revision.summary,
        slug=revision.slug,
        steps=steps,
        note=_("Restored revision %(number)d") % {"number": revision.number},
    )


@transaction.atomic
def set_questions(
    actor: User | None, article: Article, *, language: str, questions: Iterable[str]
) -> list[ExampleQuestion]:
    """Replace the example questions of `article` in `language` (blank and repeated lines go)."""
    if actor is not None:
        require_editor(actor)
    language = _language(language)
    texts = list(dict.fromkeys(q.strip()[:300] for q in questions if q.strip()))
    article.questions.filter(language=language).delete()
    created = ExampleQuestion.objects.bulk_create(
        ExampleQuestion(article=article, language=language, text=text) for text in texts
    )
    bump_version()
    return created


@transaction.atomic
def set_related(actor: User | None, article: Article, related_ids: Iterable[int]) -> None:
    if actor is not None:
        require_editor(actor)
    ids = {pk for pk in related_ids if pk != article.pk}
    article.related.set(Article.objects.filter(pk__in=ids))
    bump_version()


def store_image(actor: User | None, filename: str, data: bytes) -> HelpImage:
    """Keep an uploaded image if its bytes are PNG, JPEG, GIF or WebP (SVG and others refused)."""
    if actor is not None:
        require_editor(actor)
    if len(data) > MAX_IMAGE_BYTES:
        raise ActionError(_("Images may be at most 5 MB."))
    content_type = filetype.guess_mime(data)
    if content_type not in SAFE_IMAGE_TYPES:
        raise ActionError(_("Only PNG, JPEG, GIF and WebP images can be uploaded."))
    token = secrets.token_urlsafe(24)
    extension = content_type.split("/")[1]
    image = HelpImage(
        token=token,
        filename=(filename or "image")[:255],
        content_type=content_type,
        size=len(data),
        created_by=actor,
    )
    image.file.save(f"{token}.{extension}", ContentFile(data), save=False)
    image.save()
    return image


# --- readers' counters and feedback --------------------------------------------------------------


def record_view(translation_id: int) -> None:
    """One more view, as a single UPDATE (never read-modify-write)."""
    ArticleTranslation.objects.filter(pk=translation_id).update(view_count=F("view_count") + 1)


@transaction.atomic
def record_feedback(
    translation: ArticleTranslation, *, helpful: bool, comment: str = ""
) -> ArticleFeedback:
    """A "Was this helpful?" vote; the translation's counter moves by one UPDATE."""
    if not translation.is_published:
        raise ActionError(_("This article is not published."))
    feedback = ArticleFeedback.objects.create(
        translation=translation, helpful=helpful, comment=comment.strip()[:2000]
    )
    counter = "helpful_yes" if helpful else "helpful_no"
    ArticleTranslation.objects.filter(pk=translation.pk).update(**{counter: F(counter) + 1})
    return feedback


def comment_feedback(feedback_id: int, translation: ArticleTranslation, comment: str) -> None:
    """Add the reader's comment to their own vote (the id comes from their session)."""
    ArticleFeedback.objects.filter(pk=feedback_id, translation=translation).update(
        comment=comment.strip()[:2000]
    )
