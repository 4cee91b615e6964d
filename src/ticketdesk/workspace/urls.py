from django.urls import URLPattern, URLResolver, include, path

from . import views

app_name = "workspace"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.home, name="home"),
    path("rail/", views.rail_counts, name="rail"),
    path("bulk/", views.bulk, name="bulk"),
    path("views/save/", views.save_view, name="save_view"),
    path("views/<int:pk>/delete/", views.delete_view, name="delete_view"),
    path("tickets/new/", views.new_ticket, name="new_ticket"),
    path("profile/", views.profile, name="profile"),
    path("system/", views.system, name="system"),
    path("settings/", include("ticketdesk.workspace.settings_urls")),
    path("system/replay/", views.replay_events, name="replay_events"),
    path("system/mail/<int:pk>/retry/", views.retry_mail, name="retry_mail"),
    path("preview/", views.preview, name="preview"),
    path("files/<int:pk>/", views.attachment, name="attachment"),
    path("t/<int:number>/", views.ticket_page, name="ticket"),
    path("t/<int:number>/messages/", views.post_message, name="post_message"),
    path("t/<int:number>/fields/", views.fields, name="fields"),
    path("t/<int:number>/assign-me/", views.assign_to_me, name="assign_to_me"),
    path("t/<int:number>/watch/", views.toggle_watch, name="watch"),
    path("t/<int:number>/watchers/", views.add_watcher, name="add_watcher"),
    path(
        "t/<int:number>/watchers/<int:user_id>/remove/",
        views.remove_watcher,
        name="remove_watcher",
    ),
    path("t/<int:number>/mentions/", views.mention_suggestions, name="mentions"),
    path("t/<int:number>/resolve/", views.resolve, name="resolve"),
    path("t/<int:number>/escalate/", views.escalate, name="escalate"),
    path("t/<int:number>/links/", views.add_link, name="add_link"),
    path("t/<int:number>/links/<int:link_id>/delete/", views.remove_link, name="remove_link"),
    path("t/<int:number>/merge/", views.merge, name="merge"),
    path("t/<int:number>/split/<int:message_id>/", views.split, name="split"),
    path("t/<int:number>/canned/<int:canned_id>/", views.canned_text, name="canned"),
    path("t/<int:number>/presence/", views.presence, name="presence"),
]
