"""Help-center content in the Django admin (operators; agents use the editor at /inbox/helpcenter/).

Read-mostly: rendered HTML, counters and revisions are shown but written only by the actions.
"""

from __future__ import annotations

from django.contrib import admin

from atiende.core.admin import ModelAdmin
from atiende.helpcenter.models import ArticleFeedback, ArticleTranslation, Category, Section


@admin.register(Category)
class CategoryAdmin(ModelAdmin[Category]):
    list_display = ["pk", "position", "sensitive"]


@admin.register(Section)
class SectionAdmin(ModelAdmin[Section]):
    list_display = ["pk", "category", "position"]


@admin.register(ArticleTranslation)
class ArticleTranslationAdmin(ModelAdmin[ArticleTranslation]):
    list_display = ["title", "language", "status", "view_count", "helpful_yes", "helpful_no"]
    list_filter = ["language", "status"]
    search_fields = ["title"]
    readonly_fields = ["body_html", "body_text", "view_count", "helpful_yes", "helpful_no"]


@admin.register(ArticleFeedback)
class ArticleFeedbackAdmin(ModelAdmin[ArticleFeedback]):
    list_display = ["translation", "helpful", "created_at"]
    list_filter = ["helpful"]
    readonly_fields = ["translation", "helpful", "comment", "created_at"]
