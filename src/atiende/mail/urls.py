"""URLs of the email channel: the raw MIME upload endpoint."""

from __future__ import annotations

from django.urls import path

from atiende.mail import views

app_name = "mail"

urlpatterns = [
    path("inboxes/<int:inbox_id>/raw/", views.upload_raw, name="upload_raw"),
]
