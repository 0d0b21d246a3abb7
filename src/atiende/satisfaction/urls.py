"""URL routes of the satisfaction survey (mounted at the site root)."""

from __future__ import annotations

from django.urls import path

from atiende.satisfaction import views

app_name = "satisfaction"
urlpatterns = [
    path("survey/<str:token>/", views.survey_page, name="survey"),
    path("inbox/c/<int:conversation_id>/satisfaction/", views.panel, name="panel"),
]
