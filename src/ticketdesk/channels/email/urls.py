from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "email_channel"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.inbound_list, name="inbound_list"),
    path("inbound/<int:pk>/", views.inbound_detail, name="inbound_detail"),
    path("inbound/<int:pk>/reprocess/", views.reprocess, name="reprocess"),
    path("inbound/<int:pk>/release/", views.release, name="release"),
    path("inbound/<int:pk>/reject/", views.reject, name="reject"),
    path("sent/", views.outbound_list, name="outbound_list"),
    path("mailboxes/", views.mailbox_list, name="mailbox_list"),
    path("messages/<int:message_id>/move/", views.move_message, name="move_message"),
]
