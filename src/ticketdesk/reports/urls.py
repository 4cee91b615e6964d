from django.urls import URLPattern, URLResolver, path, re_path

from . import views

app_name = "reports"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.dashboard, name="dashboard"),
    path("scheduled/", views.scheduled_reports, name="scheduled"),
    path("customers/<int:pk>/", views.customer_journey, {"kind": "contact"}, name="customer"),
    path(
        "organizations/<int:pk>/",
        views.customer_journey,
        {"kind": "organization"},
        name="organization",
    ),
    re_path(r"^export/tickets\.(?P<fmt>csv|xlsx)$", views.export_tickets, name="export_tickets"),
    re_path(
        r"^export/(?P<report>[a-z]+)\.(?P<fmt>csv|xlsx)$",
        views.export_report,
        name="export_report",
    ),
]
