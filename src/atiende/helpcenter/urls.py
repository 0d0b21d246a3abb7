"""URL routes of the help center: public pages under /hc/<language>/, the sitemap, images, and
the agents' editor under /inbox/helpcenter/."""

from __future__ import annotations

from django.urls import path

from atiende.helpcenter.views import editor, editor_translation, images, public, sitemap

app_name = "helpcenter"

urlpatterns = [
    path("sitemap.xml", sitemap.sitemap, name="sitemap"),
    path("hc/", public.choose_language, name="root"),
    path("hc/images/<str:token>/", images.image, name="image"),
    path("hc/<str:language>/", public.home, name="home"),
    path("hc/<str:language>/search/", public.search, name="search"),
    path("hc/<str:language>/categories/<int:pk>-<str:slug>/", public.category, name="category"),
    path("hc/<str:language>/sections/<int:pk>-<str:slug>/", public.section, name="section"),
    path("hc/<str:language>/articles/<int:pk>-<str:slug>/", public.article, name="article"),
    path("hc/<str:language>/articles/<int:pk>/", public.article_by_id, name="article_by_id"),
    path("hc/<str:language>/articles/<int:pk>/feedback/", public.feedback, name="feedback"),
    # The agents' editor.
    path("inbox/helpcenter/", editor.article_list, name="editor"),
    path("inbox/helpcenter/new/", editor.article_create, name="editor_create"),
    path("inbox/helpcenter/structure/", editor.structure, name="editor_structure"),
    path("inbox/helpcenter/preview/", editor_translation.preview, name="editor_preview"),
    path("inbox/helpcenter/images/", editor_translation.upload_image, name="editor_image"),
    path("inbox/helpcenter/<int:pk>/", editor.article_settings, name="editor_article"),
    path(
        "inbox/helpcenter/<int:pk>/<str:language>/",
        editor_translation.translation_edit,
        name="editor_translation",
    ),
    path(
        "inbox/helpcenter/<int:pk>/<str:language>/status/",
        editor_translation.translation_status,
        name="editor_status",
    ),
    path(
        "inbox/helpcenter/<int:pk>/<str:language>/revisions/",
        editor_translation.revisions,
        name="editor_revisions",
    ),
    path(
        "inbox/helpcenter/<int:pk>/<str:language>/revisions/<int:number>/restore/",
        editor_translation.restore,
        name="editor_restore",
    ),
]
