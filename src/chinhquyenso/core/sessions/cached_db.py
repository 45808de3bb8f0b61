"""Session engine: django.contrib.sessions.backends.cached_db with the prebuilt read."""

from . import CachedDatabaseSessionStore as SessionStore

__all__ = ["SessionStore"]
