"""Errors of the official-documents flows."""

from __future__ import annotations


class TransitionNotAllowed(Exception):
    """The document's state does not allow this action (HTTP 409).

    A missing right raises django.core.exceptions.PermissionDenied (HTTP 403) and
    invalid input raises django.core.exceptions.ValidationError (HTTP 400)."""
