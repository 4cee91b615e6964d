from django.urls import path

from . import views

app_name = "assets"
urlpatterns = [
    path("", views.item_list, name="list"),
    path("new/", views.item_edit, name="new"),
    path("import/", views.import_items, name="import"),
    path("report/", views.report, name="report"),
    path("<int:pk>/", views.item_detail, name="detail"),
    path("<int:pk>/edit/", views.item_edit, name="edit"),
    path("<int:pk>/relations/", views.add_relation, name="add_relation"),
    path("relations/<int:relation_id>/delete/", views.remove_relation, name="remove_relation"),
    path("tickets/<int:number>/link/", views.link_ticket, name="link_ticket"),
    path("tickets/<int:number>/unlink/<int:item_id>/", views.unlink_ticket, name="unlink_ticket"),
]
