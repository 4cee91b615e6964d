from django.contrib import admin

from .models import CannedResponse, SavedView


@admin.register(CannedResponse)
class CannedResponseAdmin(admin.ModelAdmin):
    list_display = ("title", "team", "owner", "shared", "updated_at")
    list_filter = ("shared", "team")
    search_fields = ("title", "body")
    raw_id_fields = ("owner",)


@admin.register(SavedView)
class SavedViewAdmin(admin.ModelAdmin):
    list_display = ("name", "owner", "query", "order")
    search_fields = ("name", "query")
    raw_id_fields = ("owner",)
