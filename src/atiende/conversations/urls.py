"""URL routes of the agent inbox: sign-in, lists, the conversation page and its actions."""

from django.urls import path

from atiende.conversations.views import attachments, auth, conversation, inbox

app_name = "inbox"

urlpatterns = [
    path("login/", auth.AgentLoginView.as_view(), name="login"),
    path("logout/", auth.AgentLogoutView.as_view(), name="logout"),
    path("inbox/", inbox.inbox_list, name="home"),
    path("inbox/c/<int:conversation_id>/", conversation.conversation_page, name="conversation"),
    path(
        "inbox/c/<int:conversation_id>/timeline/",
        conversation.timeline_fragment,
        name="timeline",
    ),
    path("inbox/c/<int:conversation_id>/panel/", conversation.panel_fragment, name="panel"),
    path("inbox/c/<int:conversation_id>/reply/", conversation.reply, name="reply"),
    path("inbox/c/<int:conversation_id>/note/", conversation.note, name="note"),
    path("inbox/c/<int:conversation_id>/assign/", conversation.assign_view, name="assign"),
    path("inbox/c/<int:conversation_id>/status/", conversation.status_view, name="status"),
    path("inbox/c/<int:conversation_id>/priority/", conversation.priority_view, name="priority"),
    path("inbox/c/<int:conversation_id>/team/", conversation.team_view, name="team"),
    path("inbox/c/<int:conversation_id>/tags/", conversation.tags_view, name="tags"),
    path(
        "inbox/c/<int:conversation_id>/retry/<int:message_id>/",
        conversation.retry_view,
        name="retry",
    ),
    path("inbox/files/<str:token>/", attachments.download, name="attachment"),
]
