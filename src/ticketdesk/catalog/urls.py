from django.urls import path

from . import views

app_name = "catalog"
urlpatterns = [
    path("", views.index, name="index"),
    path("approvals/", views.approvals, name="approvals"),
    path("approvals/<int:approval_id>/", views.decide, name="decide"),
    path("approve/<str:token>/", views.approve_link, name="approve_link"),
    path("tickets/<int:number>/", views.ticket_panel, name="ticket_panel"),
    path("<slug:key>/", views.request_form, name="request_form"),
]
