"""Root URLs: one include per app, each app owns its own urls.py."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from ticketdesk.core import views as core_views
from ticketdesk.core.metrics import metrics_view

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("ticketdesk.accounts.urls")),
    path("oidc/", include("mozilla_django_oidc.urls")),
    path("api/v1/", include("ticketdesk.api.urls")),
    path("portal/", include("ticketdesk.portal.urls")),
    path("kb/", include("ticketdesk.kb.urls")),
    path("assets/", include("ticketdesk.assets.urls")),
    path("time/", include("ticketdesk.timetracking.urls")),
    path("catalog/", include("ticketdesk.catalog.urls")),
    path("trackers/", include("ticketdesk.trackers.urls")),
    path("reports/", include("ticketdesk.reports.urls")),
    path("smart/", include("ticketdesk.smart.urls")),
    path("automation/", include("ticketdesk.automation.urls")),
    path("sla/", include("ticketdesk.sla.urls")),
    path("mail/", include("ticketdesk.channels.email.urls")),
    path("channels/messaging/", include("ticketdesk.channels.messaging.urls")),
    path("chat/", include("ticketdesk.channels.chat.urls")),
    path("notifications/", include("ticketdesk.notifications.urls")),
    path("privacy/", include("ticketdesk.privacy.urls")),
    path("configuration/", include("ticketdesk.configuration.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("healthz", core_views.health, name="health"),
    path("health", core_views.alive, name="alive"),
    path("ready", core_views.ready, name="ready"),
    path("metrics", metrics_view, name="metrics"),
    path("favicon.ico", core_views.favicon, name="favicon"),
    path("", include("ticketdesk.workspace.urls")),
]

handler400 = "ticketdesk.core.views.bad_request"
handler403 = "ticketdesk.core.views.permission_denied"
handler404 = "ticketdesk.core.views.page_not_found"

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
