from django.contrib import admin

from .models import TrackerCall, TrackerConnection, TrackerLink


@admin.register(TrackerConnection)
class TrackerConnectionAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "project", "active")
    list_filter = ("kind", "active")


@admin.register(TrackerLink)
class TrackerLinkAdmin(admin.ModelAdmin):
    list_display = ("ticket", "connection", "remote_id", "state", "updated_at")
    list_filter = ("state", "connection")
    raw_id_fields = ("ticket", "created_by")


@admin.register(TrackerCall)
class TrackerCallAdmin(admin.ModelAdmin):
    list_display = ("link", "action", "status", "attempts", "response_status", "next_retry_at")
    list_filter = ("status", "action")
    raw_id_fields = ("link",)
