from django.contrib import admin

from .models import SavedView


@admin.register(SavedView)
class SavedViewAdmin(admin.ModelAdmin):
    list_display = ("name", "owner", "query", "order")
    search_fields = ("name", "query")
    raw_id_fields = ("owner",)
