"""Loading a dossier with what every request about it reads: its procedure, its agency,
the agency's unit and the two units above it (for the permission checks and the
indicators), and its current step.

Every transition and every API request on a dossier loads this same graph. Through the
ORM, building the seven-table query (select_related, select_for_update) costs more
Python time than the database spends running it; here the statement is built once per
process from the models' metadata and the rows are turned into model instances the way
the ORM does (the fields' database converters, core/raw_rows.py, `Model.from_db`, the related objects
cached on the instances). The instances are ordinary ones: saving and lazy relations
work as usual.
"""

from __future__ import annotations

import copy
import functools

from django.db import connection

from chinhquyenso.core import raw_rows
from chinhquyenso.core.raw_updates import update_columns
from chinhquyenso.org.models import AdministrativeUnit, Agency
from chinhquyenso.procedures.models import Procedure, ProcessStep

from .models import Dossier

# (alias, model, join) in SELECT order; the join names the alias and field it hangs from.
_GRAPH = (
    ("d", Dossier, None),
    ("p", Procedure, ("d", "procedure", False)),
    ("a", Agency, ("d", "agency", False)),
    ("u0", AdministrativeUnit, ("a", "unit", False)),
    ("u1", AdministrativeUnit, ("u0", "parent", True)),
    ("u2", AdministrativeUnit, ("u1", "parent", True)),
    ("s", ProcessStep, ("d", "current_step", True)),
)


@functools.cache
def _statement(vendor: str, by: str, lock: bool) -> str:
    """SELECT … FROM the dossier and its graph WHERE d.<by> = %s [FOR UPDATE OF d].
    Built from model metadata and constants only; the value is a parameter."""
    qn = connection.ops.quote_name
    columns, joins = [], []
    for alias, model, join in _GRAPH:
        columns += [f"{alias}.{qn(f.column)}" for f in model._meta.concrete_fields]
        if join is None:
            joins.append(f"{qn(model._meta.db_table)} {alias}")
            continue
        parent_alias, field_name, nullable = join
        parent_model = next(m for a, m, _j in _GRAPH if a == parent_alias)
        fk = parent_model._meta.get_field(field_name)
        joins.append(f"{'LEFT OUTER' if nullable else 'INNER'} JOIN {qn(model._meta.db_table)} {alias} "
                     f"ON {alias}.{qn(model._meta.pk.column)} = {parent_alias}.{qn(fk.column)}")
    where = qn(Dossier._meta.get_field(by).column)
    sql = f"SELECT {', '.join(columns)} FROM {' '.join(joins)} WHERE d.{where} = %s"  # noqa: S608
    if lock and vendor == "postgresql":
        # Only the dossier's row: the joined rows are read, not locked (and PostgreSQL
        # refuses FOR UPDATE on the nullable side of an outer join). SQLite has no row
        # locks: its transactions start IMMEDIATE, which serialises the writers.
        sql += " FOR UPDATE OF d"
    return sql


@functools.cache
def _layout(vendor: str) -> list[tuple]:
    """Per model of the graph: its slice of the row, its attribute names, its converters."""
    layout, start = [], 0
    for alias, model, join in _GRAPH:
        fields = model._meta.concrete_fields
        layout.append((alias, model, join, start, start + len(fields), [f.attname for f in fields],
                       fields.index(model._meta.pk), raw_rows.converters(fields, connection)))
        start += len(fields)
    return layout


def load_dossier(*, pk: int | None = None, code: str | None = None, lock: bool = False) -> Dossier | None:
    """The dossier with its graph, or None. `lock`: FOR UPDATE of the dossier's row (call
    inside a transaction).

    When the locking read had to wait for another transaction, PostgreSQL returns the
    dossier's row as that transaction committed it, but the joined rows as they were
    found before the wait: a current step or agency the other transaction changed comes
    back missing (or the whole row drops out of an inner join). The row is locked by
    then, so reading once more gives the whole graph as committed."""
    by, value = ("id", pk) if pk is not None else ("code", code)
    dossier = _read(by, value, lock)
    if lock and (dossier is None or not _joins_match(dossier)):
        dossier = _read(by, value, lock)
    return dossier


def _joins_match(dossier: Dossier) -> bool:
    """Is every row joined to the dossier the one its foreign key names now?"""
    for _alias, _model, join in _GRAPH:
        if join is None or join[0] != "d":
            continue
        field = Dossier._meta.get_field(join[1])
        wanted = getattr(dossier, field.attname)
        joined = field.get_cached_value(dossier, None)
        if wanted is not None and (joined is None or joined.pk != wanted):
            return False
    return True


def _read(by: str, value, lock: bool) -> Dossier | None:
    with connection.cursor() as cursor:
        cursor.execute(_statement(connection.vendor, by, lock), [value])
        row = cursor.fetchone()
    if row is None:
        return None
    objects: dict[str, object] = {}
    for alias, model, join, start, end, names, pk_at, converters in _layout(connection.vendor):
        if row[start + pk_at] is None:  # nothing on the nullable side of a LEFT JOIN
            instance = None
        else:
            values = raw_rows.convert(row[start:end], converters, connection)
            instance = model.from_db(connection.alias, names, values)
            if model is Dossier:
                instance._loaded_values = {  # what save_dossier() compares with
                    name: copy.deepcopy(value) if isinstance(value, dict | list) else value
                    for name, value in zip(names, values, strict=True)}
        objects[alias] = instance
        if join is not None:
            parent = objects[join[0]]
            if parent is not None:
                parent._meta.get_field(join[1]).set_cached_value(parent, instance)
    return objects["d"]


def save_dossier(dossier: Dossier) -> None:
    """Save a dossier loaded by load_dossier(): an UPDATE of the fields changed since it
    was loaded, not of its forty-odd columns (a smaller statement to build and to run),
    by a statement built once per set of fields (core/raw_updates.py).
    A dossier loaded otherwise is saved whole."""
    loaded = getattr(dossier, "_loaded_values", None)
    if loaded is None or dossier._state.adding:
        dossier.save()
        return
    changed = [f for f in Dossier._meta.concrete_fields if getattr(dossier, f.attname) != loaded[f.attname]]
    if changed:
        update_columns(dossier, [f.name for f in changed])
        for f in changed:
            value = getattr(dossier, f.attname)
            loaded[f.attname] = copy.deepcopy(value) if isinstance(value, dict | list) else value
