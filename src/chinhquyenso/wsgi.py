"""WSGI entry point (gunicorn chinhquyenso.wsgi)."""

import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chinhquyenso.settings")

application = get_wsgi_application()

# Import every view and API module now (the URL configuration), then move everything
# made so far into the garbage collector's permanent generation: a full collection
# then walks only what requests create, not the ~million objects of Django and the
# platform's modules (it took ~120 ms, in the middle of a request, every few requests
# of the city's dashboard). A configuration error in a URL module also stops start-up
# instead of the first request.
get_resolver().url_patterns  # noqa: B018
gc.freeze()
