"""Session engine: django.contrib.sessions.backends.db with the prebuilt read."""

from . import DatabaseSessionStore as SessionStore

__all__ = ["SessionStore"]
