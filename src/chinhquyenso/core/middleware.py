"""Vietnamese for everyone unless they choose English with the language switch."""

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class ChosenLanguageMiddleware(LocaleMiddleware):
    """Like Django's LocaleMiddleware, but the browser's Accept-Language is ignored:
    many phones in Vietnam run an English system locale while their owners expect the
    public service in Vietnamese. Only the language switch (its cookie) changes it."""

    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class SessionActivityMiddleware:
    """Keeps a session alive while it is used, without rewriting it on every request.

    Sessions end after SESSION_COOKIE_AGE seconds without activity. Saving the session
    on every request (SESSION_SAVE_EVERY_REQUEST) costs a database write per request;
    instead the session is touched at most once a minute, so the idle timeout holds to
    within a minute."""

    TOUCH_EVERY = 60

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        import time

        session = getattr(request, "session", None)
        if session is not None and session.session_key and getattr(request.user, "is_authenticated", False):
            now = int(time.time())
            if now - int(session.get("_touched", 0)) >= self.TOUCH_EVERY:
                session["_touched"] = now
        return self.get_response(request)
