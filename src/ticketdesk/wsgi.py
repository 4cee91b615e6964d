import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ticketdesk.settings")
# A web process on PostgreSQL borrows connections from a bounded pool (settings.py): many
# threads (an open chat stream holds one) share a few connections, so processes × pool stays
# under PostgreSQL's max_connections (docs/production.md, "PostgreSQL connections").
os.environ.setdefault("TICKETDESK_DB_POOL", "10")
application = get_wsgi_application()

from django.conf import settings  # noqa: E402

os.umask(settings.TICKETDESK_UMASK)  # private files (docs/configuration.md)
