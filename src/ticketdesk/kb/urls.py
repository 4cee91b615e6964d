from django.urls import path

from .views import agent, public

app_name = "kb"
urlpatterns = [
    path("", public.index, name="index"),
    path("search/", public.search_view, name="search"),
    path("sitemap.xml", public.sitemap, name="sitemap"),
    path("categories/<slug:slug>/", public.category, name="category"),
    path("articles/<slug:slug>/", public.article, name="article"),
    path("articles/<slug:slug>/print/", public.article_print, name="article_print"),
    path("articles/<slug:slug>/feedback/", public.feedback, name="feedback"),
    path("insert-link/", agent.insert_link, name="insert_link"),
    path("from-message/<int:message_id>/", agent.from_message, name="from_message"),
    path("manage/", agent.manage, name="manage"),
    path("manage/new/", agent.new_article, name="new"),
    path("manage/<int:article_id>/", agent.edit_article, name="edit"),
    path("manage/versions/<int:version_id>/", agent.preview_version, name="preview_version"),
    path("manage/versions/<int:version_id>/publish/", agent.publish_version, name="publish"),
]
