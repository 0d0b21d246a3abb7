"""How the reports page writes durations."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def duration(seconds: float | None) -> str:
    """ "12 min", "3.5 h", "2.1 d"; "—" when there is nothing to measure."""
    if seconds is None:
        return "—"
    if seconds < 3600:
        return _("%(minutes)d min") % {"minutes": round(seconds / 60)}
    if seconds < 48 * 3600:
        return _("%(hours).1f h") % {"hours": seconds / 3600}
    return _("%(days).1f d") % {"days": seconds / 86400}
