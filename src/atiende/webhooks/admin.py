"""Admin for webhooks: endpoints (the signing secret is shown once, on a page of its own, when
it is created or rotated; never in a message cookie), the delivery log with each attempt, and
the "send test ping" and "redeliver" actions. Changes go through `webhooks.actions`."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from atiende.core.admin import ModelAdmin, TabularInline, pretty_json
from atiende.core.errors import ActionError
from atiende.people.models import User
from atiende.webhooks import actions, kinds
from atiende.webhooks.models import WILDCARD, Attempt, Delivery, Endpoint

VISIBLE_PREFIX = 10  # "whsec_" and four characters: enough to tell two secrets apart


def mask(secret: str) -> str:
    if not secret:
        return "—"
    return f"{secret[:VISIBLE_PREFIX]}{'•' * 12}"


def _actor(request: HttpRequest) -> User | None:
    return request.user if isinstance(request.user, User) else None


class EndpointForm(forms.ModelForm):  # type: ignore[type-arg]  # not subscriptable at run time
    kinds = forms.MultipleChoiceField(
        label=_("Events"),
        choices=[(WILDCARD, _("All events (including kinds added later)")), *kinds.choices()],
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Endpoint
        fields = ("url", "description", "kinds", "inbox", "include_notes", "is_active")

    def clean_kinds(self) -> list[str]:
        try:
            return actions.clean_kinds(list(self.cleaned_data["kinds"]))
        except ActionError as exc:
            raise forms.ValidationError(exc.detail) from exc

    def clean_url(self) -> str:
        try:
            return actions.clean_url(self.cleaned_data["url"])
        except ActionError as exc:
            raise forms.ValidationError(exc.detail) from exc


@admin.register(Endpoint)
class EndpointAdmin(ModelAdmin[Endpoint]):
    form = EndpointForm
    list_display = (
        "__str__",
        "url",
        "is_active",
        "consecutive_failures",
        "disabled_reason",
        "deliveries_link",
    )
    list_filter = ("is_active",)
    search_fields = ("url", "description")
    readonly_fields = (
        "masked_secret",
        "masked_previous_secret",
        "previous_secret_expires_at",
        "consecutive_failures",
        "disabled_at",
        "disabled_reason",
        "created_by",
        "created_at",
        "deliveries_link",
    )
    actions = ("send_test_ping", "rotate_secret")

    def get_fields(self, request: HttpRequest, obj: Endpoint | None = None) -> tuple[str, ...]:
        editable = ("url", "description", "kinds", "inbox", "include_notes", "is_active")
        if obj is None:
            return editable
        return editable + tuple(str(name) for name in self.readonly_fields)

    @admin.display(description=_("signing secret"))
    def masked_secret(self, endpoint: Endpoint) -> str:
        return mask(endpoint.secret)

    @admin.display(description=_("previous secret"))
    def masked_previous_secret(self, endpoint: Endpoint) -> str:
        return mask(endpoint.previous_secret)

    @admin.display(description=_("deliveries"))
    def deliveries_link(self, endpoint: Endpoint) -> SafeString:
        url = reverse("admin:webhooks_delivery_changelist")
        query = urlencode({"endpoint__id__exact": endpoint.pk})
        return format_html('<a href="{}?{}">{}</a>', url, query, _("Delivery log"))

    def save_model(self, request: HttpRequest, obj: Endpoint, form: Any, change: bool) -> None:
        fields = {name: form.cleaned_data[name] for name in form.changed_data}
        if change:
            saved = actions.update_endpoint(_actor(request), obj, **fields)
        else:
            saved = actions.create_endpoint(_actor(request), **form.cleaned_data)
        obj.pk = saved.pk
        obj.secret = saved.secret
        obj.refresh_from_db()

    def response_add(
        self, request: HttpRequest, obj: Endpoint, post_url_continue: str | None = None
    ) -> HttpResponse:
        return self._show_secrets(request, [obj], created=True)

    def _show_secrets(
        self, request: HttpRequest, endpoints: list[Endpoint], *, created: bool
    ) -> TemplateResponse:
        """The one page that shows whole secrets; it is not cached."""
        response = TemplateResponse(
            request,
            "webhooks/admin/secrets.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Signing secret"),
                "endpoints": endpoints,
                "created": created,
                "opts": self.model._meta,
                "back": reverse("admin:webhooks_endpoint_changelist"),
            },
        )
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(description=_("Rotate signing secret"), permissions=["change"])
    def rotate_secret(self, request: HttpRequest, queryset: QuerySet[Endpoint]) -> TemplateResponse:
        rotated = [actions.rotate_secret(_actor(request), endpoint) for endpoint in queryset]
        return self._show_secrets(request, rotated, created=False)

    @admin.action(description=_("Send test ping"), permissions=["change"])
    def send_test_ping(self, request: HttpRequest, queryset: QuerySet[Endpoint]) -> None:
        count = 0
        for endpoint in queryset:
            actions.send_ping(_actor(request), endpoint)
            count += 1
        self.message_user(
            request,
            ngettext(
                "Queued a test ping to %(count)d endpoint; its result appears in the delivery log.",
                "Queued a test ping to %(count)d endpoints; their results appear in the "
                "delivery log.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )

    def delete_model(self, request: HttpRequest, obj: Endpoint) -> None:
        actions.delete_endpoint(_actor(request), obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Endpoint]) -> None:
        for endpoint in queryset:
            actions.delete_endpoint(_actor(request), endpoint)


class AttemptInline(TabularInline[Attempt, Delivery]):
    model = Attempt
    extra = 0
    can_delete = False
    fields = ("number", "started_at", "duration_ms", "status_code", "error", "response_body")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Delivery)
class DeliveryAdmin(ModelAdmin[Delivery]):
    list_display = (
        "created_at",
        "endpoint",
        "kind",
        "status",
        "attempts",
        "last_status_code",
        "short_error",
        "next_attempt_at",
        "manual",
    )
    list_filter = ("status", "kind", "manual", "endpoint")
    list_select_related = ("endpoint",)
    search_fields = ("kind", "endpoint__url")
    date_hierarchy = "created_at"
    show_full_result_count = False
    fields = (
        "uuid",
        "endpoint",
        "kind",
        "event",
        "manual",
        "status",
        "attempts",
        "next_attempt_at",
        "last_status_code",
        "last_error",
        "created_at",
        "finished_at",
        "body_json",
    )
    readonly_fields = fields
    inlines = (AttemptInline,)
    actions = ("redeliver",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Delivery | None = None) -> bool:
        return False

    def has_redeliver_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("webhooks.change_endpoint")

    @admin.display(description=_("last error"))
    def short_error(self, delivery: Delivery) -> str:
        return delivery.last_error[:120]

    @admin.display(description=_("body"))
    def body_json(self, delivery: Delivery) -> SafeString:
        import json

        return pretty_json(json.loads(delivery.body))

    @admin.action(description=_("Redeliver"), permissions=["redeliver"])
    def redeliver(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        count = 0
        for delivery in queryset.select_related("endpoint", "event"):
            actions.redeliver(_actor(request), delivery)
            count += 1
        self.message_user(
            request,
            ngettext(
                "Queued %(count)d delivery again.",
                "Queued %(count)d deliveries again.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )
