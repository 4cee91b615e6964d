from django.urls import URLPattern, URLResolver

app_name = "email_channel"
urlpatterns: list[URLPattern | URLResolver] = []
