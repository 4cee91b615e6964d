from django.urls import URLPattern, URLResolver, path

from .views import console, widget

app_name = "chat"
urlpatterns: list[URLPattern | URLResolver] = [
    path("widget.js", widget.script, name="widget_js"),
    path("w/config/", widget.config, name="widget_config"),
    path("w/suggest/", widget.suggest, name="widget_suggest"),
    path("w/start/", widget.start, name="widget_start"),
    path("w/leave/", widget.leave, name="widget_leave"),
    path("w/<int:chat_id>/messages/", widget.message, name="widget_message"),
    path("w/<int:chat_id>/upload/", widget.upload, name="widget_upload"),
    path("w/<int:chat_id>/typing/", widget.typing, name="widget_typing"),
    path("w/<int:chat_id>/end/", widget.end, name="widget_end"),
    path("w/<int:chat_id>/transcript/", widget.send_transcript, name="widget_transcript"),
    path("w/<int:chat_id>/events/", widget.events, name="widget_events"),
    path("w/<int:chat_id>/files/<int:attachment_id>/", widget.file, name="widget_file"),
    path("console/", console.console, name="console"),
    path("console/lists/", console.lists, name="console_lists"),
    path("console/events/", console.events, name="console_events"),
    path("console/presence/", console.presence, name="presence"),
    path("console/chats/<int:chat_id>/", console.panel, name="panel"),
    path("console/chats/<int:chat_id>/accept/", console.accept, name="accept"),
    path("console/chats/<int:chat_id>/say/", console.say, name="say"),
    path("console/chats/<int:chat_id>/typing/", console.typing, name="typing"),
    path("console/chats/<int:chat_id>/transfer/", console.transfer, name="transfer"),
    path("console/chats/<int:chat_id>/end/", console.end, name="end"),
]
