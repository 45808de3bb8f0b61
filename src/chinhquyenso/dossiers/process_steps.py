"""A procedure's process steps, kept per process.

The transitions that move a dossier between steps (receive, forward, send back) need the
procedure's whole process, which changes a few times a year. Each process keeps every
procedure's steps with the version they were read at: the procedure's `updated_at`,
which the dossier graph (loading.py) has already read with the dossier.
procedures.services.save_procedure() is the only writer of steps (the admin shows them
read-only): it saves the procedure, which moves `updated_at`, and writes the steps again
in the same transaction (those kept in place keep their ids). A dossier standing at a step
the kept steps do not include (steps written without saving the procedure) is read afresh
as well.

What is kept is the rows' values, never instances: each call makes new instances, so no
instance is shared between requests or threads.
"""

from __future__ import annotations

from django.db import connection

from chinhquyenso.procedures.models import Procedure, ProcessStep

_NAMES = tuple(f.attname for f in ProcessStep._meta.concrete_fields)
_PK_AT = _NAMES.index(ProcessStep._meta.pk.attname)
_PROCEDURE = ProcessStep._meta.get_field("procedure")

# procedure id → (its updated_at when read, the steps' rows in order, their ids)
_kept: dict[int, tuple] = {}


def steps_of(procedure: Procedure, *, current_step_id: int | None = None) -> list[ProcessStep]:
    """The procedure's steps in order, as `procedure.steps.order_by("order")` gives them
    (each with `procedure` set to this instance). `current_step_id`: the step a dossier
    stands at, which must be one of them."""
    entry = _kept.get(procedure.pk)
    if (entry is None or entry[0] != procedure.updated_at
            or (current_step_id is not None and current_step_id not in entry[2])):
        rows = list(ProcessStep.objects.filter(procedure_id=procedure.pk).order_by("order")
                    .values_list(*_NAMES))
        entry = (procedure.updated_at, tuple(rows), frozenset(row[_PK_AT] for row in rows))
        _kept[procedure.pk] = entry
    steps = []
    for row in entry[1]:
        step = ProcessStep.from_db(connection.alias, _NAMES, row)
        _PROCEDURE.set_cached_value(step, procedure)
        steps.append(step)
    return steps
