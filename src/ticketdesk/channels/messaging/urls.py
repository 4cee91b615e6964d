from django.urls import URLPattern, URLResolver, path

from . import people, views

app_name = "messaging"
urlpatterns: list[URLPattern | URLResolver] = [
    path("people/", people.people, name="people"),
    path("people/<int:pk>/merge/", people.merge, name="merge"),
    path("<str:key>/", views.webhook, name="webhook"),
]
