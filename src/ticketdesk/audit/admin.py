from django.contrib import admin

from .configuration import ConfigurationAdmin
from .models import ComplianceSettings


@admin.register(ComplianceSettings)
class ComplianceSettingsAdmin(ConfigurationAdmin):
    fields = [
        "audit_keep_days",
        "attachment_keep_days",
        "ask_consent",
        "consent_text",
        "consent_translations",
    ]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return not ComplianceSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
