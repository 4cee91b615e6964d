"""The REST API (Django Ninja) under /api/v1/. Routers live one module per resource."""

from django.urls import URLPattern, URLResolver, path

from .main import api

urlpatterns: list[URLPattern | URLResolver] = [path("", api.urls)]
