from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "messaging"
urlpatterns: list[URLPattern | URLResolver] = [
    path("<str:key>/", views.webhook, name="webhook"),
]
