"""URL routes of the reports (mounted at the site root)."""

from __future__ import annotations

from django.urls import path

from atiende.reports import views

app_name = "reports"
urlpatterns = [
    path("inbox/reports/", views.page, name="page"),
    path("inbox/reports/table.csv", views.table_csv, name="csv"),
]
