"""Public pages: verify the signatures of a PDF or of an issued document (under /xac-thuc/)."""

from django.urls import path  # noqa: F401

app_name = "verify"
urlpatterns: list = []
