"""The JSON API under /api/v1/, with its OpenAPI document at /api/v1/openapi.json."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.security import django_auth

from chinhquyenso import __version__
from chinhquyenso.community.api import router as community_router
from chinhquyenso.core.api import router as core_router
from chinhquyenso.documents.api import router as documents_router
from chinhquyenso.documents.errors import TransitionNotAllowed as DocumentTransitionNotAllowed
from chinhquyenso.documents.public_api import router as documents_public_router
from chinhquyenso.dossiers.api import router as dossiers_router
from chinhquyenso.dossiers.services import TransitionNotAllowed
from chinhquyenso.indicators.api import router as indicators_router
from chinhquyenso.org.api import router as org_router
from chinhquyenso.plans.api import router as plans_router
from chinhquyenso.procedures.api import router as procedures_router

api = NinjaAPI(
    title="Chính quyền số API",
    version="1",
    description="API of the Chính quyền số digital government platform.",
    urls_namespace="api-v1",
)


class ApiRoot(Schema):
    name: str
    version: str
    api_version: str
    openapi: str
    docs: str


@api.get("/", response=ApiRoot, tags=["root"], summary="API root")
def root(request):
    return {"name": "Chính quyền số", "version": __version__, "api_version": "1",
            "openapi": request.build_absolute_uri("openapi.json"),
            "docs": request.build_absolute_uri("docs")}


@api.exception_handler(PermissionDenied)
def permission_denied(request, exc):
    return api.create_response(request, {"detail": str(exc) or _("Permission denied.")},
                               status=403)


@api.exception_handler(TransitionNotAllowed)
@api.exception_handler(DocumentTransitionNotAllowed)
def transition_not_allowed(request, exc):
    return api.create_response(request, {"detail": str(exc)}, status=409)


@api.exception_handler(ValidationError)
def validation_error(request, exc):
    if hasattr(exc, "error_dict"):
        errors = {field: [str(m) for e in errs for m in e.messages] for field, errs in exc.error_dict.items()}
    else:
        errors = {"__all__": [str(m) for m in exc.messages]}
    return api.create_response(request, {"detail": _("Please correct the errors."), "errors": errors},
                               status=400)


api.add_router("/", core_router)
api.add_router("/org/", org_router)
api.add_router("/", procedures_router)
api.add_router("/", dossiers_router)
api.add_router("/", community_router)
api.add_router("/", indicators_router)
api.add_router("/", plans_router)
api.add_router("/documents/", documents_router)
api.add_router("/public/", documents_public_router)
__all__ = ["api", "django_auth"]
