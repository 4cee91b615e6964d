from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "sla"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.overview, name="overview"),
    path("ticket/<str:number>/", views.ticket_clock, name="ticket"),
    path("availability/", views.availability, name="availability"),
]
