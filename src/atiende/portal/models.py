"""One-time sign-in links for customers: each link's nonce is spent once."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class SpentLink(models.Model):
    nonce = models.CharField(max_length=64, unique=True)
    used_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.nonce
