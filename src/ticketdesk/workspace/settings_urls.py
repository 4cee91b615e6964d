"""URLs of the Settings area (/settings/), included by the workspace's urls.py."""

from django.urls import URLPattern, URLResolver, path

from .views.settings import channels, fields, frame, integrations, priority, sla, teams, workflow

app_name = "settings"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", frame.index, name="index"),
    path("fields/", fields.fields, name="fields"),
    path("fields/new/", fields.field_new, name="field_new"),
    path("fields/preview/", fields.preview, name="field_preview"),
    path("fields/order/", fields.fields_order, name="fields_order"),
    path("fields/sections/", fields.sections, name="field_sections"),
    path("fields/<int:pk>/", fields.field_edit, name="field_edit"),
    path("fields/<int:pk>/move/", fields.field_move, name="field_move"),
    path("fields/<int:pk>/active/", fields.field_active, name="field_active"),
    path("workflow/", workflow.workflow, name="workflow"),
    path("priorities/", priority.priorities, name="priorities"),
    path("teams/", teams.teams, name="teams"),
    path("teams/new/", teams.team_edit, name="team_new"),
    path("teams/<int:pk>/", teams.team_edit, name="team_edit"),
    path("teams/agents/<int:user_id>/", teams.agent_routing, name="agent_routing"),
    path("sla/", sla.sla, name="sla"),
    path("sla/due/", sla.due_preview, name="due_preview"),
    path("sla/calendars/new/", sla.calendar_edit, name="calendar_new"),
    path("sla/calendars/<int:pk>/", sla.calendar_edit, name="calendar_edit"),
    path("sla/calendars/<int:pk>/holidays/", sla.holiday_import, name="holiday_import"),
    path("sla/policies/new/", sla.policy_edit, name="policy_new"),
    path("sla/policies/<int:pk>/", sla.policy_edit, name="policy_edit"),
    path("workflow/transitions/", workflow.transitions, name="transitions"),
    path("workflow/transitions/<int:pk>/", workflow.transition_edit, name="transition_edit"),
    path("workflow/statuses/new/", workflow.status_new, name="status_new"),
    path("workflow/statuses/<int:pk>/", workflow.status_edit, name="status_edit"),
    path("channels/", channels.channels, name="channels"),
    path("channels/mailboxes/new/", channels.mailbox_edit, name="mailbox_new"),
    path("channels/mailboxes/<int:pk>/", channels.mailbox_edit, name="mailbox_edit"),
    path("channels/mailboxes/<int:pk>/test/", channels.mailbox_test, name="mailbox_test"),
    path("channels/portal/", channels.portal, name="portal"),
    path("channels/chat/", channels.chat_widget, name="chat_widget"),
    path("channels/messaging/new/", channels.messaging_edit, name="messaging_new"),
    path("channels/messaging/<int:pk>/", channels.messaging_edit, name="messaging_edit"),
    path("integrations/", integrations.integrations, name="integrations"),
    path("integrations/new/", integrations.endpoint_edit, name="endpoint_new"),
    path("integrations/<int:pk>/", integrations.endpoint_edit, name="endpoint_edit"),
    path("integrations/<int:pk>/active/", integrations.endpoint_active, name="endpoint_active"),
    path("integrations/<int:pk>/test/", integrations.endpoint_test, name="endpoint_test"),
]
