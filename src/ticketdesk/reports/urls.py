from django.urls import URLPattern, URLResolver, path, re_path

from . import problem_views, views

app_name = "reports"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.dashboard, name="dashboard"),
    path("scheduled/", views.scheduled_reports, name="scheduled"),
    path("trends/", views.trends, name="trends"),
    path("problems/", problem_views.index, name="problems"),
    path("problems/new/", problem_views.create, name="problem_create"),
    path("problems/<int:number>/", problem_views.detail, name="problem"),
    path("problems/<int:number>/link/", problem_views.link, name="problem_link"),
    path("problems/<int:number>/resolve/", problem_views.resolve, name="problem_resolve"),
    path("problems/<int:number>/review.md", problem_views.review, name="problem_review"),
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
