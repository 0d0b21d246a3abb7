"""URL routes of the customer side (included at the site root)."""

from django.urls import path

from atiende.portal.views import portal, public, signin

app_name = "portal"

urlpatterns = [
    path("", public.landing, name="landing"),
    path("help/", public.help_form, name="help"),
    path("help/sent/", public.help_sent, name="help_sent"),
    path("portal/", signin.signin, name="signin"),
    path("portal/signin/<str:token>/", signin.redeem_link, name="redeem"),
    path("portal/signout/", signin.signout, name="signout"),
    path("portal/requests/", portal.conversation_list, name="conversations"),
    path("portal/requests/<int:pk>/", portal.conversation_detail, name="conversation"),
    path("portal/requests/<int:pk>/reply/", portal.reply, name="reply"),
    path("portal/attachments/<str:token>/", portal.attachment, name="attachment"),
]
