from django.contrib import admin

from .models import Item, ItemType


@admin.register(ItemType)
class ItemTypeAdmin(admin.ModelAdmin):
    list_display = ("name", "key", "order", "active")
    prepopulated_fields = {"key": ("name",)}


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin):
    list_display = ("name", "item_type", "identifier", "status")
    list_filter = ("item_type", "status")
    search_fields = ("name", "identifier")
    raw_id_fields = ("owner_contact", "owner_organization")
