from django.urls import URLPattern, URLResolver, path

from . import builder, views

app_name = "automation"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.rule_list, name="rules"),
    path("rules/new/", views.rule_edit, name="rule_new"),
    path("rules/<int:pk>/", views.rule_edit, name="rule_edit"),
    path("rules/<int:pk>/toggle/", views.rule_toggle, name="rule_toggle"),
    path("rules/<int:pk>/move/", views.rule_move, name="rule_move"),
    path("rules/<int:pk>/delete/", views.rule_delete, name="rule_delete"),
    path("rules/<int:pk>/dry-run/", views.rule_dry_run, name="rule_dry_run"),
    path("rules/<int:pk>/log/", views.rule_log, name="rule_log"),
    path("test/", views.test_all, name="test_all"),
    path("ticket/<str:number>/log/", views.ticket_log, name="ticket_log"),
    path("macros/", views.macro_list, name="macros"),
    path("macros/new/", views.macro_edit, name="macro_new"),
    path("macros/<int:pk>/", views.macro_edit, name="macro_edit"),
    path("macros/<int:pk>/delete/", views.macro_delete, name="macro_delete"),
    path("macros/<int:pk>/apply/<str:number>/", views.macro_apply, name="macro_apply"),
    path("macros/for/<str:number>/", views.macros_for, name="macros_for"),
    path("builder/row/", views.domain_errors(builder.row), name="builder_row"),
    path("builder/assets/", views.domain_errors(builder.asset_options), name="builder_assets"),
]
