"""The reports page for supervisors and admins (agents get 403) and its CSV download."""

from __future__ import annotations

import csv

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from atiende.conversations.views.common import agent
from atiende.reports.charts import per_day_svg
from atiende.reports.queries import DEFAULT_PERIOD, PERIODS, Report, Row, build_report
from atiende.sla.reports import attainment


def _days(request: HttpRequest) -> int:
    try:
        days = int(request.GET.get("days", DEFAULT_PERIOD))
    except ValueError:
        return DEFAULT_PERIOD
    return days if days in PERIODS else DEFAULT_PERIOD


def _report(request: HttpRequest) -> Report:
    if not agent(request).sees_everything:
        raise PermissionDenied(_("Reports are for supervisors and admins."))
    return build_report(_days(request))


@require_GET
@login_required
def page(request: HttpRequest) -> HttpResponse:
    report = _report(request)
    context = {
        "report": report,
        "periods": PERIODS,
        "chart": per_day_svg(report.per_day),
        "highest_category": max((c.count for c in report.categories), default=0),
        "sla": attainment(report.period.start, report.period.end),
    }
    return render(request, "reports/page.html", context)


def _minutes(seconds: float | None) -> str:
    return "" if seconds is None else f"{seconds / 60:.1f}"


def _hours(seconds: float | None) -> str:
    return "" if seconds is None else f"{seconds / 3600:.1f}"


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


@require_GET
@login_required
def table_csv(request: HttpRequest) -> HttpResponse:
    report = _report(request)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"atiende-report-{report.period.days}d-{report.period.end:%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(
        [
            _("Group"),
            _("Name"),
            _("Conversations"),
            _("Median first response (minutes)"),
            _("Median resolution (hours)"),
            _("CSAT (good ratings, percent)"),
            _("Survey responses"),
        ]
    )
    groups: list[tuple[str, list[Row]]] = [
        (_("Everyone"), [report.total]),
        (_("Team"), report.teams),
        (_("Agent"), report.agents),
    ]
    for group, rows in groups:
        for row in rows:
            writer.writerow(
                [
                    group,
                    _safe_cell(row.name),
                    row.conversations,
                    _minutes(row.first_response),
                    _hours(row.resolution),
                    _percent(row.csat),
                    row.rated,
                ]
            )
    return response


def _safe_cell(value: str) -> str:
    """A name a spreadsheet would run as a formula is quoted (CSV injection)."""
    return f"'{value}" if value[:1] in {"=", "+", "-", "@", "\t", "\r"} else value
