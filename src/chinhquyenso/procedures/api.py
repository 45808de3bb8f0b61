"""Public API of the procedures catalogue."""

from __future__ import annotations

from decimal import Decimal

from django.shortcuts import get_object_or_404
from ninja import Router, Schema

from .models import Procedure
from .queries import search_procedures

router = Router(tags=["procedures"])


class FeeOut(Schema):
    name: str
    amount: int
    note: str = ""


class ProcedureOut(Schema):
    code: str
    name: str
    field: str
    level: str
    service_level: str
    duration: Decimal
    duration_unit: str
    total_fee: int

    @staticmethod
    def resolve_field(obj) -> str:
        return obj.field.name


class ComponentOut(Schema):
    name: str
    mandatory: bool
    file_types: list[str]
    template: str


class StepOut(Schema):
    order: int
    name: str
    role: str
    at: str
    hours: Decimal


class FormFieldOut(Schema):
    key: str
    label: str
    type: str
    required: bool = False
    choices: list[str] | None = None


class ProcedureDetailOut(ProcedureOut):
    fees: list[FeeOut]
    form: list[FormFieldOut]
    components: list[ComponentOut]
    steps: list[StepOut]
    result: str
    legal_basis: list[str]


@router.get("procedures", response=list[ProcedureOut], summary="Search the procedures catalogue")
def list_procedures(request, q: str = "", field: int | None = None, level: str = "",
                    service_level: str = ""):
    return list(search_procedures(q=q, field=field, level=level, service_level=service_level))


@router.get("procedures/{code}", response=ProcedureDetailOut, summary="One procedure")
def procedure_detail(request, code: str):
    return get_object_or_404(
        Procedure.objects.select_related("field").prefetch_related("components", "steps"),
        code=code, is_published=True)


class PublicProcedureOut(Schema):
    code: str
    name: str
    field: str
    level: str
    service_level: str
    processing_days: Decimal
    processing_time: Decimal
    processing_unit: str

    @staticmethod
    def resolve_field(obj) -> str:
        return obj.field.name

    @staticmethod
    def resolve_processing_days(obj) -> Decimal:
        return (obj.duration_hours / 8).quantize(Decimal("0.01")).normalize()

    @staticmethod
    def resolve_processing_time(obj) -> Decimal:
        return obj.duration

    @staticmethod
    def resolve_processing_unit(obj) -> str:
        return obj.duration_unit


@router.get("public/procedures", response=list[PublicProcedureOut],
            summary="Public catalogue search (a contract other portals rely on)")
def public_procedures(request, q: str = ""):
    """Accent-insensitive search; `processing_days` counts 8 working hours as a day."""
    return list(search_procedures(q=q))
