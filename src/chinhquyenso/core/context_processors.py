from django.conf import settings

from .areas import AREAS


def platform(request):
    return {"PLATFORM_NAME": settings.PLATFORM_NAME, "DEMO_MODE": settings.DEMO_MODE,
            "AREAS": AREAS}
