"""Public pages: verify the signatures of a PDF or of an issued document (under /xac-thuc/)."""

from django.urls import path

from . import public_views

app_name = "verify"
urlpatterns = [
    path("", public_views.upload, name="upload"),
    path("van-ban/<str:token>/", public_views.issued, name="issued"),
]
