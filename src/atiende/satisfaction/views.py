"""The public survey page (opened from the link in the survey message) and the agents' panel
on the conversation page.

Opening the link (GET) shows the form with the chosen rating ticked but records nothing, so a
mail scanner that follows links rates nothing; the form's POST records it. The link stays good
until it expires: the same answer again changes nothing, another one replaces it.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.http import require_GET, require_http_methods

from atiende.conversations.access import access_conversation_by_id
from atiende.conversations.views.common import agent
from atiende.core.errors import ActionError, NotFound
from atiende.core.languages import site_language
from atiende.satisfaction import actions, tokens
from atiende.satisfaction.forms import RatingForm
from atiende.satisfaction.models import Rating, Survey

TEMPLATE = "satisfaction/survey.html"


def _refused(request: HttpRequest, state: str, status: int) -> HttpResponse:
    with translation.override(site_language(translation.get_language())):
        return render(request, TEMPLATE, {"state": state}, status=status)


@require_http_methods(["GET", "POST"])
def survey_page(request: HttpRequest, token: str) -> HttpResponse:
    try:
        survey_id = tokens.survey_id_from(token)
    except tokens.ExpiredToken:
        return _refused(request, "expired", 410)
    except tokens.InvalidToken:
        return _refused(request, "invalid", 404)
    survey = Survey.objects.select_related("conversation").filter(pk=survey_id).first()
    if survey is None:
        return _refused(request, "invalid", 404)
    with translation.override(survey.language):
        if request.method == "GET":
            chosen = request.GET.get("rating", "")
            form = RatingForm(
                initial={
                    "rating": chosen if chosen in Rating.values else survey.rating,
                    "comment": survey.comment,
                }
            )
            return _form(request, survey, form)
        form = RatingForm(request.POST)
        if not form.is_valid():
            return _form(request, survey, form, status=400)
        try:
            result = actions.rate(
                survey.pk, form.cleaned_data["rating"], form.cleaned_data["comment"]
            )
        except ActionError as exc:
            form.add_error("comment", exc.detail)
            return _form(request, survey, form, status=400)
        state = "thanks" if result.changed else "unchanged"
        return render(request, TEMPLATE, {"state": state, "survey": result.survey})


def _form(
    request: HttpRequest, survey: Survey, form: RatingForm, *, status: int = 200
) -> HttpResponse:
    context = {"state": "form", "survey": survey, "form": form}
    return render(request, TEMPLATE, context, status=status)


@require_GET
@login_required
def panel(request: HttpRequest, conversation_id: int) -> HttpResponse:
    user = agent(request)
    try:
        conversation = access_conversation_by_id(user, conversation_id)
    except NotFound as exc:
        raise Http404(exc.detail) from exc
    surveys = list(Survey.objects.filter(conversation=conversation).order_by("-id")[:5])
    context = {
        "conversation": conversation,
        "latest": surveys[0] if surveys else None,
        "earlier": surveys[1:],
        "enabled": actions.surveys_enabled(conversation.inbox),
    }
    return render(request, "satisfaction/_panel.html", context)
