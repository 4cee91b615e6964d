from django.urls import path

from . import views

app_name = "configuration"

urlpatterns = [
    path("", views.exchange, name="exchange"),
    path("export.yaml", views.export_file, name="export"),
    path("import/", views.preview, name="preview"),
    path("import/apply/", views.apply, name="apply"),
    path("changes/", views.changes, name="changes"),
]
