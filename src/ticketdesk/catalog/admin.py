from django.contrib import admin

from ticketdesk.core.translatable_admin import TranslatableAdmin

from .models import Approval, ApprovalStep, RequestField, RequestType, ServiceRequest


class RequestFieldInline(admin.TabularInline):
    model = RequestField
    exclude = ("translations",)
    extra = 0


class ApprovalStepInline(admin.TabularInline):
    model = ApprovalStep
    filter_horizontal = ("people",)
    extra = 0


@admin.register(RequestType)
class RequestTypeAdmin(TranslatableAdmin):
    list_display = ("name", "key", "team", "active", "order")
    list_filter = ("active",)
    prepopulated_fields = {"key": ("name",)}
    inlines = [RequestFieldInline, ApprovalStepInline]


@admin.register(ServiceRequest)
class ServiceRequestAdmin(admin.ModelAdmin):
    list_display = ("ticket", "request_type", "requester", "state", "created_at")
    list_filter = ("state", "request_type")
    raw_id_fields = ("ticket", "requester")
    readonly_fields = ("answers", "current_step", "created_at", "decided_at")


@admin.register(Approval)
class ApprovalAdmin(admin.ModelAdmin):
    list_display = ("service_request", "step_order", "approver", "state", "decided_at")
    list_filter = ("state",)
    raw_id_fields = ("service_request", "approver", "decided_by")
