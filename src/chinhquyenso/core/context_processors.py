from django.conf import settings
from django.utils.functional import SimpleLazyObject

from .areas import AREAS


def _handles_documents(user) -> bool:
    from chinhquyenso.documents.queries import handles_documents

    return handles_documents(user)


def platform(request):
    """What every page's frame needs. ``HANDLES_DOCUMENTS`` (the official holds a role of
    the documents flows: their work link to the documents sits beside “My workspace”
    instead of among the areas) is computed only when a template reads it, and never
    for visitors and citizens."""
    user = getattr(request, "user", None)
    is_official = bool(getattr(user, "is_authenticated", False)) and hasattr(user, "official")
    return {"PLATFORM_NAME": settings.PLATFORM_NAME, "DEMO_MODE": settings.DEMO_MODE,
            "AREAS": AREAS, "IS_OFFICIAL": is_official,
            "HANDLES_DOCUMENTS": SimpleLazyObject(lambda: _handles_documents(user)) if is_official else False}
