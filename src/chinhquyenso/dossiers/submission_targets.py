"""What a submission names: the published procedure, with its components, and the active
agency, with its administrative unit.

Every submission reads them. Through the ORM that was three queries (the procedure, its
components, the agency with its unit), each built and compiled per request; here the
procedure and the agency come from one statement built once per process from the models'
metadata (their rows turned into instances as the ORM does, core/raw_rows.py), and the
components are kept per process (procedure_parts.py).
"""

from __future__ import annotations

import functools

from django.db import connection

from chinhquyenso.core import raw_rows
from chinhquyenso.org.models import AdministrativeUnit, Agency
from chinhquyenso.procedures.models import Component, Procedure

from .procedure_parts import components_of

_PARTS = (("p", Procedure), ("a", Agency), ("u", AdministrativeUnit))
_FIELDS = [f for _alias, model in _PARTS for f in model._meta.concrete_fields]
_COMPONENTS_CACHE = Procedure._meta.get_field("components").cache_name


@functools.cache
def _statement(vendor: str) -> str:
    """The published procedure with this code and, when there is one, the active agency
    with that code and its unit. Built from model metadata only; the codes are parameters
    (the agency's first, as it comes first in the statement)."""
    qn = connection.ops.quote_name
    columns = ", ".join(f"{alias}.{qn(f.column)}" for alias, model in _PARTS
                        for f in model._meta.concrete_fields)
    procedure, agency, unit = (qn(model._meta.db_table) for _alias, model in _PARTS)

    def col(model, name):
        return qn(model._meta.get_field(name).column)

    return (f"SELECT {columns} FROM {procedure} p "  # noqa: S608
            f"LEFT OUTER JOIN {agency} a ON a.{col(Agency, 'code')} = %s AND a.{col(Agency, 'is_active')} "
            f"LEFT OUTER JOIN {unit} u ON u.{col(AdministrativeUnit, 'id')} = a.{col(Agency, 'unit')} "
            f"WHERE p.{col(Procedure, 'code')} = %s AND p.{col(Procedure, 'is_published')}")


def _layout() -> list[tuple]:
    """Per model: its slice of the row, its attribute names, the primary key's position."""
    layout, start = [], 0
    for alias, model in _PARTS:
        fields = model._meta.concrete_fields
        layout.append((alias, model, start, start + len(fields), [f.attname for f in fields],
                       fields.index(model._meta.pk)))
        start += len(fields)
    return layout


_LAYOUT = _layout()


def submission_targets(*, procedure_code: str, agency_code: str) -> tuple[Procedure | None, Agency | None]:
    """(the published procedure with its components, the active agency with its unit);
    None for either that does not exist, or is not published or active. The procedure's
    `components.all()` gives its components in order without another query."""
    with connection.cursor() as cursor:
        cursor.execute(_statement(connection.vendor), [agency_code, procedure_code])
        row = cursor.fetchone()
    if row is None:
        return None, None
    values = raw_rows.convert(row, raw_rows.kept_converters(connection, "submission_targets", _FIELDS),
                              connection)
    made = {}
    for alias, model, start, end, names, pk_at in _LAYOUT:
        made[alias] = (None if values[start + pk_at] is None
                       else model.from_db(connection.alias, names, values[start:end]))
    procedure, agency = made["p"], made["a"]
    if agency is not None:
        Agency._meta.get_field("unit").set_cached_value(agency, made["u"])
    _attach_components(procedure)
    return procedure, agency


def _attach_components(procedure: Procedure) -> None:
    """Put the procedure's components where a prefetch would (`components.all()`)."""
    cached = Component.objects.filter(procedure=procedure).order_by("order")
    cached._result_cache = components_of(procedure)
    cached._prefetch_done = True
    procedure._prefetched_objects_cache = {_COMPONENTS_CACHE: cached}
