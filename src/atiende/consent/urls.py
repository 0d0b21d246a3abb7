"""URL routes of the consent app (mounted at the site root): the customer's approval link."""

from __future__ import annotations

from django.urls import path

from atiende.consent import views

app_name = "consent"
urlpatterns = [
    path("portal/grants/<int:grant_id>/<str:token>/", views.answer_link, name="answer"),
]
