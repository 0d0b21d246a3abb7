"""Help-center content: categories → sections → articles, one translation per language.

Names and texts live in per-language rows (`CategoryTranslation`, `SectionTranslation`,
`ArticleTranslation`), so adding a language is adding rows, never a column. An article's
translation keeps its Markdown source, the sanitised HTML rendered from it and a plain-text copy
(for search and the answer bot); every save appends an `ArticleRevision`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class Category(models.Model):
    position = models.PositiveIntegerField(_("position"), default=0)
    # Everything under a sensitive category is sensitive: the answer bot never answers it.
    sensitive = models.BooleanField(_("sensitive"), default=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return f"category {self.pk}"


class CategoryTranslation(models.Model):
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="translations")
    language = models.CharField(_("language"), max_length=12)
    name = models.CharField(_("name"), max_length=200)
    description = models.CharField(_("description"), max_length=500, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["category", "language"], name="hc_category_language")
        ]
        verbose_name = _("category translation")
        verbose_name_plural = _("category translations")

    def __str__(self) -> str:
        return self.name


class Section(models.Model):
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="sections")
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("section")
        verbose_name_plural = _("sections")

    def __str__(self) -> str:
        return f"section {self.pk}"


class SectionTranslation(models.Model):
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="translations")
    language = models.CharField(_("language"), max_length=12)
    name = models.CharField(_("name"), max_length=200)
    description = models.CharField(_("description"), max_length=500, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["section", "language"], name="hc_section_language")
        ]
        verbose_name = _("section translation")
        verbose_name_plural = _("section translations")

    def __str__(self) -> str:
        return self.name


class Article(models.Model):
    section = models.ForeignKey(Section, on_delete=models.PROTECT, related_name="articles")
    position = models.PositiveIntegerField(_("position"), default=0)
    sensitive = models.BooleanField(_("sensitive"), default=False)
    related = models.ManyToManyField("self", blank=True, verbose_name=_("related articles"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("article")
        verbose_name_plural = _("articles")

    def __str__(self) -> str:
        return f"article {self.pk}"


class ArticleTranslation(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="translations")
    language = models.CharField(_("language"), max_length=12)
    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=200, allow_unicode=True)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    body = models.TextField(_("body (Markdown)"), blank=True)
    # Rendered and sanitised on save: pages never render Markdown per request.
    body_html = models.TextField(editable=False, blank=True)
    body_text = models.TextField(editable=False, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFT
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Counters change by F() updates only (no read-modify-write under concurrency).
    view_count = models.PositiveIntegerField(_("views"), default=0)
    helpful_yes = models.PositiveIntegerField(default=0)
    helpful_no = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["article", "language"], name="hc_article_language")
        ]
        indexes = [models.Index(fields=["status", "language"], name="hc_translation_status")]
        verbose_name = _("article translation")
        verbose_name_plural = _("article translations")

    def __str__(self) -> str:
        return self.title

    @property
    def is_published(self) -> bool:
        return self.status == Status.PUBLISHED


class ArticleRevision(models.Model):
    """A snapshot taken on every save of a translation (its steps included)."""

    translation = models.ForeignKey(
        ArticleTranslation, on_delete=models.CASCADE, related_name="revisions"
    )
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, allow_unicode=True)
    summary = models.CharField(max_length=300, blank=True)
    body = models.TextField(blank=True)
    steps = models.JSONField(default=list)
    status = models.CharField(max_length=12, choices=Status.choices)
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["translation", "number"], name="hc_revision_number")
        ]
        verbose_name = _("revision")
        verbose_name_plural = _("revisions")

    def __str__(self) -> str:
        return f"{self.translation_id} r{self.number}"


class HelpImage(models.Model):
    """An uploaded image: stored outside any served folder under a random name, served by the
    app only when its bytes are a raster image browsers render safely (never SVG)."""

    token = models.CharField(max_length=64, unique=True)
    file = models.FileField(upload_to="helpcenter/%Y/%m/", max_length=255)
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("help-center image")
        verbose_name_plural = _("help-center images")

    def __str__(self) -> str:
        return self.filename


class ArticleStep(models.Model):
    translation = models.ForeignKey(
        ArticleTranslation, on_delete=models.CASCADE, related_name="steps"
    )
    position = models.PositiveIntegerField(default=0)
    text = models.TextField(_("instruction"))
    image = models.ForeignKey(HelpImage, null=True, blank=True, on_delete=models.SET_NULL)
    image_alt = models.CharField(_("image description"), max_length=200, blank=True)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("step")
        verbose_name_plural = _("steps")

    def __str__(self) -> str:
        return self.text[:60]


class ExampleQuestion(models.Model):
    """A customer's phrasing that this article answers (the answer bot trains on these)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="questions")
    language = models.CharField(_("language"), max_length=12)
    text = models.CharField(_("question"), max_length=300)

    class Meta:
        ordering = ["language", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["article", "language", "text"], name="hc_question_unique"
            )
        ]
        verbose_name = _("example question")
        verbose_name_plural = _("example questions")

    def __str__(self) -> str:
        return self.text


class ArticleFeedback(models.Model):
    translation = models.ForeignKey(
        ArticleTranslation, on_delete=models.CASCADE, related_name="feedback"
    )
    helpful = models.BooleanField()
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("article feedback")
        verbose_name_plural = _("article feedback")

    def __str__(self) -> str:
        return f"{self.translation_id} {'+' if self.helpful else '-'}"


class ContentVersion(models.Model):
    """One row whose counter goes up on every content change: each process's search index
    and document cache compare it (one indexed read) instead of polling every table."""

    version = models.PositiveBigIntegerField(default=0)
    # Random per change: a restored or recreated database that reaches the same number again
    # is still told apart from the one a process cached.
    stamp = models.CharField(max_length=32, default="")

    class Meta:
        verbose_name = _("content version")
        verbose_name_plural = _("content versions")

    def __str__(self) -> str:
        return str(self.version)
