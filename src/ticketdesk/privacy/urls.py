from django.urls import path

from . import views

app_name = "privacy"

urlpatterns = [
    path("", views.privacy_home, name="home"),
    path("audit/", views.audit_log, name="audit_log"),
    path("audit/export.csv", views.audit_export, name="audit_export"),
    path("contacts/<int:contact_id>/", views.contact_page, name="contact"),
    path("contacts/<int:contact_id>/export/", views.contact_export, name="contact_export"),
    path("contacts/<int:contact_id>/erase/", views.contact_erase, name="contact_erase"),
]
