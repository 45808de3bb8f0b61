"""The sync API of the team members' phones: an activity recorded offline is sent here
when the connection returns, with the key (client_uuid) the phone gave it; sending it
again returns the stored activity (200) instead of creating a second one (201)."""

from __future__ import annotations

from datetime import date
from typing import Any

from ninja import Field, Router, Schema, Status
from ninja.security import django_auth

from . import services
from .views import activity_input

router = Router(tags=["community"])


class ErrorOut(Schema):
    detail: str
    errors: dict[str, list[str]] | None = None


class ActivityIn(Schema):
    # Loosely typed on purpose: every wrong value gets a 400 with a message for the
    # member (from services.record_activity), not a 422 from the schema.
    client_uuid: Any = Field(None, description="UUID given by the phone; a resend returns the stored activity")
    day: Any = Field(None, description="yyyy-mm-dd (or dd/mm/yyyy)")
    category: Any = Field("", description="vneid_l1, vneid_l2, payment, ecommerce, dossier, explain, training")
    people_reached: Any = Field(None, description="households or people reached, 1–1000")
    place: Any = ""
    note: Any = ""


class ActivityOut(Schema):
    id: int
    client_uuid: str | None
    team: str
    day: date
    category: str
    people_reached: int
    place: str
    note: str
    status: str


@router.post("community/activities",
             response={200: ActivityOut, 201: ActivityOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut},
             auth=django_auth,
             summary="Record an activity of the caller's team (idempotent on client_uuid)")
def record_activity(request, body: ActivityIn):
    """201 when the activity is stored now, 200 when this client_uuid was already stored
    (nothing changes), 400 with the messages per field when the input is wrong, 403 when
    the caller is not an active team member."""
    activity = services.record_activity(actor=request.user, **activity_input(body.dict()))
    out = {"id": activity.pk, "client_uuid": str(activity.client_uuid) if activity.client_uuid else None,
           "team": activity.team.name, "day": activity.day, "category": activity.category,
           "people_reached": activity.people_reached, "place": activity.place, "note": activity.note,
           "status": activity.status}
    return Status(201 if activity.just_created else 200, out)
