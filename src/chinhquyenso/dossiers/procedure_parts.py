"""A procedure's process steps and dossier components, kept per process.

Transitions that move a dossier between steps (receive, forward, send back) need the
procedure's whole process, and every submission its components; both change a few times
a year. Each process keeps them per procedure with the version they were read at: the
procedure's `updated_at`, which the request has already read with the procedure (the
dossier graph, loading.py; the submission's statement, submission_targets.py).
procedures.services.save_procedure() is the only writer of steps and components (the
admin shows them read-only): it saves the procedure, which moves `updated_at`, and writes
them in the same transaction. A dossier standing at a step the kept steps do not include
(steps written without saving the procedure) is read afresh as well.

What is kept is the rows' values, never instances: each call makes new instances (with
their own copies of list and dict values), so nothing is shared between requests or
threads.
"""

from __future__ import annotations

import copy

from django.db import connection

from chinhquyenso.procedures.models import Component, Procedure, ProcessStep


class _KeptParts:
    """The rows of one kind of part (`model`, with a `procedure` key and an `order`)."""

    def __init__(self, model) -> None:
        self.model = model
        self.names = tuple(f.attname for f in model._meta.concrete_fields)
        self.pk_at = self.names.index(model._meta.pk.attname)
        self.procedure_field = model._meta.get_field("procedure")
        self.kept: dict[int, tuple] = {}  # procedure id → (updated_at when read, rows, ids)

    def of(self, procedure: Procedure, *, must_include: int | None = None) -> list:
        """The procedure's parts in order, each with `procedure` set to this instance;
        read afresh when the procedure changed or `must_include` (an id) is missing."""
        entry = self.kept.get(procedure.pk)
        if (entry is None or entry[0] != procedure.updated_at
                or (must_include is not None and must_include not in entry[2])):
            rows = tuple(self.model.objects.filter(procedure_id=procedure.pk).order_by("order")
                         .values_list(*self.names))
            entry = (procedure.updated_at, rows, frozenset(row[self.pk_at] for row in rows))
            self.kept[procedure.pk] = entry
        parts = []
        for row in entry[1]:
            part = self.model.from_db(connection.alias, self.names,
                                      [copy.deepcopy(v) if isinstance(v, dict | list) else v for v in row])
            self.procedure_field.set_cached_value(part, procedure)
            parts.append(part)
        return parts


_STEPS = _KeptParts(ProcessStep)
_COMPONENTS = _KeptParts(Component)


def steps_of(procedure: Procedure, *, current_step_id: int | None = None) -> list[ProcessStep]:
    """The procedure's steps in order, as `procedure.steps.order_by("order")` gives them.
    `current_step_id`: the step a dossier stands at, which must be one of them."""
    return _STEPS.of(procedure, must_include=current_step_id)


def components_of(procedure: Procedure) -> list[Component]:
    """The procedure's components in order, as `procedure.components.all()` gives them."""
    return _COMPONENTS.of(procedure)


def forget() -> None:
    """Drop what is kept (tests, whose rolled-back databases reuse ids)."""
    _STEPS.kept.clear()
    _COMPONENTS.kept.clear()
