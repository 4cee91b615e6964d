from django.urls import path

from . import views

app_name = "trackers"
urlpatterns = [
    path("tickets/<int:number>/", views.panel, name="panel"),
    path("tickets/<int:number>/create/", views.create, name="create"),
    path("tickets/<int:number>/link/", views.link, name="link"),
    path("tickets/<int:number>/links/<int:link_id>/unlink/", views.unlink, name="unlink"),
    path("hooks/<int:connection_id>/", views.webhook, name="webhook"),
]
