"""Agents, teams, contacts and identities."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("Admin")
    SUPERVISOR = "supervisor", _("Supervisor")
    AGENT = "agent", _("Agent")


class Team(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person who works in atiende: agent, supervisor or admin. Customers are Contacts."""

    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.AGENT)
    teams = models.ManyToManyField(
        Team, blank=True, related_name="members", verbose_name=_("teams")
    )
    language = models.CharField(_("language"), max_length=10, default="en")
    display_name = models.CharField(_("display name"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("agent")
        verbose_name_plural = _("agents")

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username

    @property
    def sees_everything(self) -> bool:
        return self.role in {Role.ADMIN, Role.SUPERVISOR} or self.is_superuser


class Contact(models.Model):
    """A customer. One contact, many identities (an email, a chat visitor, a phone...)."""

    name = models.CharField(_("name"), max_length=200, blank=True)
    email = models.EmailField(_("email"), blank=True, db_index=True)
    language = models.CharField(_("language"), max_length=10, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    # Set when this contact was merged into another; kept so the merge can be read and undone.
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_contacts"
    )

    class Meta:
        ordering = ["-id"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self) -> str:
        return self.name or self.email or f"#{self.pk}"


class IdentityKind(models.TextChoices):
    EMAIL = "email", _("Email address")
    PHONE = "phone", _("Phone number")
    CHAT = "chat", _("Chat visitor")
    API = "api", _("API reference")
    MESSENGER = "messenger", _("Messenger PSID")
    INSTAGRAM = "instagram", _("Instagram id")
    WHATSAPP = "whatsapp", _("WhatsApp number")
    X = "x", _("X user id")
    TELEGRAM = "telegram", _("Telegram id")
    # The business's own user id, signed by its back end (chat identity verification): the only
    # identity, with a verified email, that links a contact to an account.
    USER = "user", _("Verified user id")


class ContactIdentity(models.Model):
    """How a channel knows a contact: (kind, value) is unique across all contacts."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="identities")
    kind = models.CharField(_("kind"), max_length=16, choices=IdentityKind.choices)
    value = models.CharField(_("value"), max_length=255)
    verified = models.BooleanField(_("verified"), default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "value"], name="identity_kind_value_unique")
        ]
        verbose_name = _("identity")
        verbose_name_plural = _("identities")

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}"


def normalize_identity(kind: str, value: str) -> str:
    """One spelling per identity: emails compare case-insensitively, phones without spaces."""
    value = value.strip()
    if kind == IdentityKind.EMAIL:
        return value.lower()
    if kind in {IdentityKind.PHONE, IdentityKind.WHATSAPP}:
        return "".join(ch for ch in value if ch.isdigit() or ch == "+")
    return value
