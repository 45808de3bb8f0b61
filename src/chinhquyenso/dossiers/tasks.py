"""Background work of the one-stop shop: the PDFs the platform issues. Rendering a PDF
takes tens of milliseconds, so it happens after the transition commits, not in the
request that performs it. Tasks take ids and call services."""

from __future__ import annotations

from django_tasks import task


@task()
def issue_receipt(*, dossier_id: int, officer_id: int | None) -> None:
    from . import services

    services.issue_receipt(dossier_id=dossier_id, officer_id=officer_id)


@task()
def issue_result_notice(*, dossier_id: int, signer_id: int | None) -> None:
    from . import services

    services.issue_result_notice(dossier_id=dossier_id, signer_id=signer_id)
