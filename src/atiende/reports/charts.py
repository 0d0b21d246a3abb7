"""The conversations-per-day chart as inline SVG: no image request, text that screen readers
read (a title and a description naming the busiest day), and the labels in the reader's
language. The page also lists the same numbers in a table."""

from __future__ import annotations

from datetime import date

from django.utils import formats
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

WIDTH = 720
HEIGHT = 240
LEFT = 44
RIGHT = 8
TOP = 12
BOTTOM = 36


def _label_every(days: int) -> int:
    return 1 if days <= 10 else 5 if days <= 40 else 15


def per_day_svg(per_day: list[tuple[date, int]], chart_id: str = "per-day-chart") -> SafeString:
    highest = max((count for _day, count in per_day), default=0)
    scale = max(highest, 1)
    plot_width = WIDTH - LEFT - RIGHT
    plot_height = HEIGHT - TOP - BOTTOM
    slot = plot_width / max(len(per_day), 1)
    bar = max(slot * 0.7, 1.0)
    bars = []
    labels = []
    every = _label_every(len(per_day))
    for index, (day, count) in enumerate(per_day):
        height = plot_height * count / scale
        x = LEFT + index * slot + (slot - bar) / 2
        y = TOP + plot_height - height
        name = formats.date_format(day, "SHORT_DATE_FORMAT")
        bars.append((f"{x:.1f}", f"{y:.1f}", f"{bar:.1f}", f"{height:.1f}", name, count))
        if index % every == 0:
            labels.append(
                (f"{x + bar / 2:.1f}", HEIGHT - BOTTOM + 16, formats.date_format(day, "j M"))
            )
    ticks = sorted({0, scale // 2, scale}) if highest else [0]
    tick_marks = [(f"{TOP + plot_height - plot_height * tick / scale:.1f}", tick) for tick in ticks]
    busiest = max(per_day, key=lambda item: item[1]) if per_day and highest else None
    description = (
        _("Busiest day: %(day)s, with %(count)d conversations.")
        % {"day": formats.date_format(busiest[0], "DATE_FORMAT"), "count": busiest[1]}
        if busiest
        else _("No conversations in this period.")
    )
    return format_html(
        '<svg class="report-chart" id="{id}" role="img" viewBox="0 0 {w} {h}" '
        'aria-labelledby="{id}-title {id}-desc" xmlns="http://www.w3.org/2000/svg">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>'
        '<line x1="{left}" y1="{base}" x2="{right}" y2="{base}" stroke="#888"/>'
        "{ticks}{bars}{labels}"
        '<text x="{left}" y="{h}" font-size="11" fill="#444" dy="-2">{axis}</text>'
        "</svg>",
        id=chart_id,
        w=WIDTH,
        h=HEIGHT,
        title=_("Conversations created per day"),
        desc=description,
        left=LEFT,
        right=WIDTH - RIGHT,
        base=f"{TOP + plot_height:.1f}",
        ticks=format_html_join(
            "",
            '<text x="{}" y="{}" font-size="11" fill="#444" text-anchor="end" dy="4">{}</text>',
            ((LEFT - 6, y, tick) for y, tick in tick_marks),
        ),
        bars=format_html_join(
            "",
            '<rect x="{}" y="{}" width="{}" height="{}" fill="#3b6ea8">'
            "<title>{}: {}</title></rect>",
            bars,
        ),
        labels=format_html_join(
            "",
            '<text x="{}" y="{}" font-size="11" fill="#444" text-anchor="middle">{}</text>',
            labels,
        ),
        axis=_("Day"),
    )
