from django.contrib import admin

from .models import ChatAgent, ChatConversation


@admin.register(ChatConversation)
class ChatConversationAdmin(admin.ModelAdmin):
    list_display = ("visitor_name", "visitor_email", "topic", "status", "agent", "created_at")
    list_filter = ("status",)
    raw_id_fields = ("ticket", "agent")
    exclude = ("token_hash",)


@admin.register(ChatAgent)
class ChatAgentAdmin(admin.ModelAdmin):
    list_display = ("user", "status", "max_chats", "updated_at")
    raw_id_fields = ("user",)
