from django.conf import settings

from .areas import AREAS


def platform(request):
    user = getattr(request, "user", None)
    is_official = bool(getattr(user, "is_authenticated", False)) and hasattr(user, "official")
    return {"PLATFORM_NAME": settings.PLATFORM_NAME, "DEMO_MODE": settings.DEMO_MODE,
            "AREAS": AREAS, "IS_OFFICIAL": is_official}
