"""Admin for social inboxes: provider settings, credentials that are written but never shown
back, the webhook address to give the provider, a connection test that reports the provider's
own answer, Telegram's setWebhook, and the stored webhook deliveries (read-only)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from atiende.core.admin import ModelAdmin
from atiende.inboxes.admin import mask
from atiende.inboxes.models import ChannelKind
from atiende.social.common import credentials
from atiende.social.models import (
    SOCIAL_CHANNELS,
    ChannelCredentials,
    SocialInbox,
    WebhookEvent,
)
from atiende.social.telegram import TelegramAdapter
from atiende.social.webhook import social_adapter

# Provider settings kept in Inbox.config (nothing secret).
CONFIG_FIELDS = (
    "api_base_url",
    "api_version",
    "phone_number_id",
    "page_id",
    "instagram_id",
    "x_user_id",
)


def webhook_url(inbox: SocialInbox) -> str:
    return settings.SITE_URL + reverse("social:webhook", args=[inbox.pk])


class SocialInboxForm(forms.ModelForm):  # type: ignore[type-arg]  # not subscriptable at run time
    channel = forms.ChoiceField(
        label=_("channel"),
        choices=[(kind.value, kind.label) for kind in SOCIAL_CHANNELS],
    )
    phone_number_id = forms.CharField(
        label=_("WhatsApp phone number id"), required=False, max_length=64
    )
    page_id = forms.CharField(label=_("Facebook page id"), required=False, max_length=64)
    instagram_id = forms.CharField(label=_("Instagram account id"), required=False, max_length=64)
    x_user_id = forms.CharField(label=_("X account user id"), required=False, max_length=64)
    api_version = forms.CharField(
        label=_("Graph API version"),
        required=False,
        max_length=16,
        help_text=_("Empty: v21.0."),
    )
    api_base_url = forms.URLField(
        label=_("API address"),
        required=False,
        assume_scheme="https",
        help_text=_("Empty: the provider's own (graph.facebook.com, api.telegram.org, api.x.com)."),
    )
    access_token = forms.CharField(
        label=_("access token"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_(
            "WhatsApp: a system user token; Messenger, Instagram: the page token; Telegram: the "
            "bot token; X: the account's OAuth 1.0a access token. Leave empty to keep the "
            "current one."
        ),
    )
    access_token_secret = forms.CharField(
        label=_("access token secret"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("X: the access token's secret. Leave empty to keep the current one."),
    )
    consumer_key = forms.CharField(
        label=_("consumer key"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("X: the app's API key. Leave empty to keep the current one."),
    )
    app_secret = forms.CharField(
        label=_("app secret"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_(
            "Meta: the app secret that signs webhooks; X: the consumer (API key) secret. The one "
            "it replaces stays valid until the next change. Leave empty to keep the current one."
        ),
    )
    verify_token = forms.CharField(
        label=_("verify token"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_(
            "Meta: any phrase; type the same in the app dashboard's webhook settings. Leave "
            "empty to keep the current one."
        ),
    )

    class Meta:
        model = SocialInbox
        fields = ("name", "channel", "default_team", "language", "is_active")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in CONFIG_FIELDS:
            self.fields[name].initial = self.instance.config.get(name, "")


@admin.register(SocialInbox)
class SocialInboxAdmin(ModelAdmin[SocialInbox]):
    form = SocialInboxForm
    list_display = ("name", "channel", "is_active", "webhook_address")
    list_filter = ("channel", "is_active")
    search_fields = ("name",)
    readonly_fields = ("webhook_address", "stored_credentials")
    fieldsets = (
        (None, {"fields": ("name", "channel", "default_team", "language", "is_active")}),
        (
            _("Provider"),
            {
                "fields": (
                    "phone_number_id",
                    "page_id",
                    "instagram_id",
                    "x_user_id",
                    "api_version",
                    "api_base_url",
                )
            },
        ),
        (
            _("Credentials"),
            {
                "fields": (
                    "access_token",
                    "access_token_secret",
                    "consumer_key",
                    "app_secret",
                    "verify_token",
                    "stored_credentials",
                )
            },
        ),
        (_("Webhook"), {"fields": ("webhook_address",)}),
    )
    actions = ("test_connection", "set_telegram_webhook")

    @admin.display(description=_("webhook address"))
    def webhook_address(self, inbox: SocialInbox) -> str:
        return webhook_url(inbox) if inbox.pk else "—"

    @admin.display(description=_("stored credentials"))
    def stored_credentials(self, inbox: SocialInbox) -> str:
        if not inbox.pk:
            return "—"
        found = credentials(inbox)
        return " · ".join(
            f"{label}: {mask(value)}"
            for label, value in (
                (_("access token"), found.access_token),
                (_("access token secret"), found.access_token_secret),
                (_("consumer key"), found.consumer_key),
                (_("app secret"), found.app_secret),
                (_("verify token"), found.verify_token),
            )
        )

    def save_model(self, request: HttpRequest, obj: SocialInbox, form: Any, change: bool) -> None:
        data = form.cleaned_data
        config = dict(obj.config)
        for name in CONFIG_FIELDS:
            value = str(data.get(name) or "").strip()
            if value:
                config[name] = value
            else:
                config.pop(name, None)
        obj.config = config
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            stored, _created = ChannelCredentials.objects.get_or_create(inbox=obj)
            for name in ("access_token", "access_token_secret", "consumer_key"):
                if data.get(name):
                    setattr(stored, name, data[name].strip())
            if data.get("app_secret") and data["app_secret"].strip() != stored.app_secret:
                stored.previous_app_secret = stored.app_secret
                stored.app_secret = data["app_secret"].strip()
            if data.get("verify_token"):
                stored.verify_token = data["verify_token"].strip()
            stored.save()

    @admin.action(description=_("Test connection"), permissions=["change"])
    def test_connection(self, request: HttpRequest, queryset: QuerySet[SocialInbox]) -> None:
        for inbox in queryset:
            report = social_adapter(inbox).test_connection(inbox)
            level = messages.SUCCESS if report.ok else messages.ERROR
            self.message_user(request, f"{inbox.name}: {report}", level)

    @admin.action(description=_("Set the Telegram webhook"), permissions=["change"])
    def set_telegram_webhook(self, request: HttpRequest, queryset: QuerySet[SocialInbox]) -> None:
        for inbox in queryset:
            if inbox.channel != ChannelKind.TELEGRAM:
                self.message_user(
                    request,
                    _("%(name)s is not a Telegram inbox.") % {"name": inbox.name},
                    messages.WARNING,
                )
                continue
            report = TelegramAdapter().set_webhook(inbox, settings.SITE_URL)
            level = messages.SUCCESS if report.ok else messages.ERROR
            self.message_user(request, f"{inbox.name}: {report}", level)


@admin.register(WebhookEvent)
class WebhookEventAdmin(ModelAdmin[WebhookEvent]):
    list_display = ("received_at", "inbox", "key", "status", "short_error", "processed_at")
    list_filter = ("status", "inbox")
    search_fields = ("key",)
    readonly_fields = ("inbox", "key", "status", "error", "received_at", "processed_at", "body")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("error"))
    def short_error(self, event: WebhookEvent) -> str:
        return event.error[:120]
