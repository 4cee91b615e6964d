import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ticketdesk.settings")
application = get_wsgi_application()

from django.conf import settings  # noqa: E402

os.umask(settings.TICKETDESK_UMASK)  # private files (docs/configuration.md)
