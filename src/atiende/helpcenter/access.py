"""Who may read and edit help-center content in the app; every editor lookup by id goes here.

Every active agent may read the editor (drafts and revisions included: articles are written to
be public); only supervisors and admins may change anything (`actions.can_edit`).
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from atiende.core.errors import NotFound
from atiende.helpcenter.models import (
    Article,
    ArticleRevision,
    ArticleTranslation,
    Category,
    Section,
)
from atiende.people.models import User


def _require_agent(user: User) -> None:
    if not user.is_active:
        raise NotFound(_("Article not found."))


def access_article(user: User, article_id: int) -> Article:
    _require_agent(user)
    article = Article.objects.select_related("section__category").filter(pk=article_id).first()
    if article is None:
        raise NotFound(_("Article not found."))
    return article


def access_translation(user: User, article_id: int, language: str) -> ArticleTranslation:
    _require_agent(user)
    translation = (
        ArticleTranslation.objects.select_related("article")
        .filter(article_id=article_id, language=language)
        .first()
    )
    if translation is None:
        raise NotFound(_("Article not found."))
    return translation


def access_revision(user: User, article_id: int, language: str, number: int) -> ArticleRevision:
    translation = access_translation(user, article_id, language)
    revision = translation.revisions.filter(number=number).first()
    if revision is None:
        raise NotFound(_("Revision not found."))
    revision.translation = translation
    return revision


def access_category(user: User, category_id: int) -> Category:
    _require_agent(user)
    category = Category.objects.filter(pk=category_id).first()
    if category is None:
        raise NotFound(_("Category not found."))
    return category


def access_section(user: User, section_id: int) -> Section:
    _require_agent(user)
    section = Section.objects.filter(pk=section_id).first()
    if section is None:
        raise NotFound(_("Section not found."))
    return section
