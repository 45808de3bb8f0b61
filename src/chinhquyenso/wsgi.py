"""WSGI entry point (gunicorn chinhquyenso.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chinhquyenso.settings")

application = get_wsgi_application()
