"""The NinjaAPI instance: routers, error handlers and the OpenAPI document.

The interactive docs page is off: django-ninja's page needs either its static files (the app
is not installed) or a CDN and inline configuration, which our CSP forbids. The OpenAPI
document at /api/openapi.json is what integrators and tests read.
"""

from __future__ import annotations

from ninja import NinjaAPI

from atiende.accounts import api as accounts_api
from atiende.api import errors
from atiende.api.routes import attachments, contacts, conversations, customer, events
from atiende.assistant import api as assistant_api
from atiende.chat import api as chat_api
from atiende.consent import api as consent_api
from atiende.helpcenter import api as helpcenter_api
from atiende.webhooks import api as webhooks_api
from atiende.workflow import api as workflow_api

api = NinjaAPI(
    title="atiende API",
    version="1",
    description=(
        "Conversations, messages, contacts and the event timeline. Integrations authenticate "
        "with `Authorization: Bearer <token>` (created with `python -m atiende "
        "create_api_token`); the agent UI and the customer portal use their session cookie "
        "with a CSRF token for unsafe methods. Errors are JSON with one `detail` key."
    ),
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url=None,
)
errors.install(api)
api.add_router("/conversations", conversations.router)
api.add_router("/contacts", contacts.router)
api.add_router("/events", events.router)
api.add_router("/attachments", attachments.router)
api.add_router("/me", customer.router)
api.add_router("/chat", chat_api.router)
api.add_router("/workflow", workflow_api.router)
api.add_router("/helpcenter", helpcenter_api.router)
api.add_router("/assistant", assistant_api.router)
api.add_router("/accounts", accounts_api.router)
api.add_router("/grants", consent_api.router)
api.add_router("/webhooks", webhooks_api.router)
