"""URL routes of the help center: public pages under /hc/<language>/, the sitemap, images, and
the agents' editor under /inbox/helpcenter/."""

from __future__ import annotations

from django.urls import path

from atiende.helpcenter.views import images, public, sitemap

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
]
