from django.urls import path

from . import views

app_name = "smart"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("t/<int:number>/", views.panel, name="panel"),
    path("t/<int:number>/suggestions/<int:pk>/", views.decide, name="decide"),
    path("t/<int:number>/answers/<int:pk>/used/", views.answer_used, name="answer_used"),
]
