"""The inbox lists: mine, unassigned, all open, by team, by status, and search; with counts.

Every query starts from `visible_conversations(agent)`: a list, a count or a search never
reaches a conversation the agent may not see. Pages are keyset-paginated on
(last_message_at, id), so page 100 costs what page 1 costs; the SLA views are sorted and
paginated by due time instead (`atiende.sla.inbox`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from atiende.conversations.access import visible_conversations
from atiende.conversations.forms import SearchForm
from atiende.conversations.models import ACTIVE_STATUSES, Conversation, Status
from atiende.conversations.views.common import agent, is_htmx
from atiende.people.models import Team, User
from atiende.sla import inbox as sla_inbox
from atiende.sla.inbox import SLA_VIEWS, sla_filter

PAGE_SIZE = 50
VIEWS = ("mine", "unassigned", "open", "team", "status", *SLA_VIEWS)


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    count: int | None  # None: not counted (solved and closed grow without bound)
    current: bool


@dataclass(frozen=True)
class Selection:
    view: str
    team_id: int | None
    status: str

    def params(self) -> dict[str, str]:
        params = {"view": self.view}
        if self.view == "team" and self.team_id is not None:
            params["team"] = str(self.team_id)
        if self.view == "status":
            params["status"] = self.status
        return params

    def url(self) -> str:
        return reverse("inbox:home") + "?" + urlencode(self.params())


def read_selection(request: HttpRequest) -> Selection:
    view = request.GET.get("view", "open")
    if view not in VIEWS:
        view = "open"
    team_id: int | None = None
    status = ""
    if view == "team":
        raw = request.GET.get("team", "")
        team_id = int(raw) if raw.isdigit() else None
        if team_id is None:
            view = "open"
    if view == "status":
        status = request.GET.get("status", "")
        if status not in Status.values:
            view, status = "open", ""
    return Selection(view, team_id, status)


def filter_for(selection: Selection, user: User) -> Q:
    active = Q(status__in=ACTIVE_STATUSES)
    if selection.view == "mine":
        return active & Q(assignee=user)
    if selection.view == "unassigned":
        return active & Q(assignee__isnull=True)
    if selection.view == "team":
        return active & Q(team_id=selection.team_id)
    if selection.view == "status":
        return Q(status=selection.status)
    if selection.view in SLA_VIEWS:
        return active & sla_filter(selection.view, timezone.now())
    return active


def order_for(selection: Selection) -> tuple[str, ...]:
    """Newest activity first; the SLA views: earliest due time first (most overdue, due soonest)."""
    return sla_inbox.ORDER if selection.view in SLA_VIEWS else ("-last_message_at", "-id")


def nav_teams(user: User) -> QuerySet[Team]:
    return Team.objects.all() if user.sees_everything else user.teams.all()


def navigation(user: User, selection: Selection) -> tuple[list[NavItem], list[NavItem]]:
    """The left navigation with a count per view: two aggregate queries in all.

    Only active conversations are counted (the status index narrows the scan to them): solved
    and closed ones pile up forever, and counting them made every inbox page scan them all.
    """
    visible = visible_conversations(user)
    active = Q(status__in=ACTIVE_STATUSES)
    counts: dict[str, int | None] = visible.filter(active).aggregate(
        mine=Count("pk", filter=Q(assignee=user)),
        unassigned=Count("pk", filter=Q(assignee__isnull=True)),
        open=Count("pk"),
        **{f"status_{s}": Count("pk", filter=Q(status=s)) for s in ACTIVE_STATUSES},
    )
    counts |= {f"status_{s}": None for s in Status.values if s not in ACTIVE_STATUSES}
    per_team = dict(
        visible.filter(active, team__isnull=False)
        .values_list("team_id")
        .annotate(n=Count("pk"))
        .values_list("team_id", "n")
    )
    views = [
        NavItem(
            label,
            Selection(key, None, "").url(),
            counts[key],
            selection.view == key,
        )
        for key, label in (
            ("mine", _("Mine")),
            ("unassigned", _("Unassigned")),
            ("open", _("All open")),
        )
    ]
    views += [
        NavItem(
            team.name,
            Selection("team", team.pk, "").url(),
            per_team.get(team.pk, 0),
            selection.view == "team" and selection.team_id == team.pk,
        )
        for team in nav_teams(user)
    ]
    statuses = [
        NavItem(
            str(label),
            Selection("status", None, value).url(),
            counts[f"status_{value}"],
            selection.view == "status" and selection.status == value,
        )
        for value, label in Status.choices
    ]
    return views, statuses


def parse_cursor(raw: str) -> tuple[datetime, int] | None:
    when, _sep, pk = raw.rpartition("~")
    if not pk.isdigit():
        return None
    try:
        moment = datetime.fromisoformat(when)
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    return moment, int(pk)


def list_title(selection: Selection, user: User) -> str:
    if selection.view == "mine":
        return _("Mine")
    if selection.view == "unassigned":
        return _("Unassigned")
    if selection.view == "team" and selection.team_id is not None:
        team = nav_teams(user).filter(pk=selection.team_id).first()
        return team.name if team else _("Team")
    if selection.view == "status":
        return str(Status(selection.status).label)
    if selection.view in SLA_VIEWS:
        return str(SLA_VIEWS[selection.view])
    return _("All open")


def with_related(queryset: QuerySet[Conversation]) -> QuerySet[Conversation]:
    return queryset.select_related("contact", "inbox", "assignee", "team", "sla").prefetch_related(
        "tags"
    )


@require_GET
@login_required
def inbox_list(request: HttpRequest) -> HttpResponse:
    user = agent(request)
    selection = read_selection(request)
    search = SearchForm(request.GET)
    query = search.cleaned_data["q"].strip() if search.is_valid() else ""
    next_url = ""
    if query:
        from atiende.search.query import search_conversations

        found = search_conversations(user, query, limit=PAGE_SIZE)
        rank = {conversation.pk: n for n, conversation in enumerate(found)}
        # Re-scoped and re-read with what the rows show; the search's ranking is kept.
        conversations = sorted(
            with_related(visible_conversations(user).filter(pk__in=rank)),
            key=lambda conversation: rank[conversation.pk],
        )
        title = _("Search results")
    else:
        queryset = visible_conversations(user).filter(filter_for(selection, user))
        by_due = selection.view in SLA_VIEWS
        cursor = parse_cursor(request.GET.get("after", ""))
        if cursor is not None:
            moment, pk = cursor
            queryset = queryset.filter(
                sla_inbox.after(moment, pk)
                if by_due
                else Q(last_message_at__lt=moment) | Q(last_message_at=moment, pk__lt=pk)
            )
        conversations = list(
            with_related(queryset.order_by(*order_for(selection)))[: PAGE_SIZE + 1]
        )
        if len(conversations) > PAGE_SIZE:
            conversations = conversations[:PAGE_SIZE]
            last = conversations[-1]
            params = selection.params()
            moment = sla_inbox.due_at(last) if by_due else last.last_message_at
            params["after"] = f"{moment.isoformat()}~{last.pk}"
            next_url = reverse("inbox:home") + "?" + urlencode(params)
        title = list_title(selection, user)
    views, statuses = navigation(user, selection)
    # An empty "Mine" points to the conversations nobody has taken yet.
    waiting = views[1] if selection.view == "mine" and not query and views[1].count else None
    context = {
        "waiting": waiting,
        "conversations": conversations,
        "title": title,
        "views": views,
        "statuses": statuses,
        "search": search,
        "query": query,
        "next_url": next_url,
        "first_page": not request.GET.get("after"),
        "first_url": selection.url(),
    }
    template = "inbox/_list_region.html" if is_htmx(request) else "inbox/list.html"
    return render(request, template, context)
