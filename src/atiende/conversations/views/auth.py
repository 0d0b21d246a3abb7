"""Agent sign-in (rate-limited per client address) and sign-out."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.views import LoginView, LogoutView
from django.http import HttpRequest, HttpResponse

from atiende.core import ratelimit


class AgentLoginView(LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # Count every attempt, successful or not: the limit is on guessing, per address.
        if not ratelimit.hit("login", ratelimit.client_address(request)):
            form = self.get_form_class()(request)
            context = self.get_context_data(form=form, rate_limited=True)
            return self.render_to_response(context, status=429)
        return super().post(request, *args, **kwargs)


class AgentLogoutView(LogoutView):
    """POST only (Django's default): a link or an image cannot sign an agent out."""
