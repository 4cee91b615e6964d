from django.urls import path

from . import views

app_name = "timetracking"
urlpatterns = [
    path("tickets/<int:number>/log/", views.log, name="log"),
    path("tickets/<int:number>/timer/start/", views.timer, {"verb": "start"}, name="start"),
    path("tickets/<int:number>/timer/stop/", views.timer, {"verb": "stop"}, name="stop"),
    path("entries/<int:entry_id>/delete/", views.delete, name="delete"),
    path("report/", views.report, name="report"),
    path("report.csv", views.report_csv, name="report_csv"),
]
