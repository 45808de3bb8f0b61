"""Issue a signing certificate from the demo certificate authority (documents/demo.py)."""

from __future__ import annotations

import os
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from chinhquyenso.documents import demo
from chinhquyenso.org.models import Agency, Official, Role, RoleAssignment


class Command(BaseCommand):
    help = (
        "Issue a signing certificate from the demo certificate authority and register it: a "
        "personal certificate for an official (--person) or the seal of an agency (--agency). "
        "The registration goes through the document services and is written to the audit log; "
        "an older certificate of the same holder is withdrawn. The key file is protected by the "
        f"demo passphrase ({demo.DEMO_PASSPHRASE}) unless --passphrase says otherwise. "
        "Only for demo and test installations: the demo CA exists where load_demo made it "
        "(VAR_DIR/demo-ca). A production installation has no demo CA; its officials and "
        "agencies use certificates from a licensed CA, uploaded as PKCS#12 files."
    )

    def add_arguments(self, parser):
        holder = parser.add_mutually_exclusive_group(required=True)
        holder.add_argument("--person", metavar="USERNAME",
                            help="The user name of the official who signs with it (a leader).")
        holder.add_argument("--agency", metavar="CODE",
                            help="The code of the agency whose seal it is (e.g. 000.00.21.H62).")
        parser.add_argument("--days", type=int, default=730, metavar="N",
                            help="Validity in days from now (default 730; never beyond the CA's).")
        parser.add_argument("--out", type=Path, metavar="FILE.p12",
                            help="Also write the key file (PKCS#12) there, for the holder's own "
                                 "signing software. The platform keeps its own encrypted copy.")
        parser.add_argument("--passphrase", default=demo.DEMO_PASSPHRASE,
                            help="Passphrase of the key file (default: the demo passphrase). A "
                                 "person types it at each signature.")
        parser.add_argument("--by", metavar="USERNAME",
                            help="Whose action it is in the audit log: the holder for --person, "
                                 "otherwise the first system administrator, by default.")

    def handle(self, *args, person=None, agency=None, days=730, out=None, passphrase="", by=None,
               **options):
        if days <= 0:
            raise CommandError("--days must be positive.")
        if not passphrase:
            raise CommandError("--passphrase must not be empty.")
        if out is not None and out.exists():
            raise CommandError(f"{out} exists already: choose another file.")
        try:
            ca = demo.load_demo_ca()
        except demo.DemoCaMissing as exc:
            raise CommandError(
                f"{exc} This installation has no demo certificate authority: certificates come from "
                "a licensed CA and are uploaded as PKCS#12 files (“My signing certificate”, or the "
                "agency's seal by the IT department). The demo CA is made by load_demo.") from exc
        official, holder = None, None
        if person:
            official = (Official.objects.select_related("agency", "user")
                        .filter(user__username=person).first())
            if official is None:
                raise CommandError(f"No official with the user name {person!r}.")
        else:
            holder = Agency.objects.filter(code=agency).first()
            if holder is None:
                raise CommandError(f"No agency with the code {agency!r}.")
        actor = self._actor(by, official)
        try:
            credential, key_file = demo.issue_demo_credential(
                ca=ca, actor=actor, official=official, agency=holder, days=days, passphrase=passphrase)
        except (ValidationError, PermissionDenied) as exc:
            raise CommandError(f"Refused: {'; '.join(getattr(exc, 'messages', [str(exc)]))}") from exc
        if out is not None:
            out.parent.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(key_file)
        until = timezone.localtime(credential.not_after)
        self.stdout.write(self.style.SUCCESS(
            f"Issued and registered: {credential.subject} (issuer {credential.issuer}), "
            f"valid until {until:%d/%m/%Y}, SHA-256 {credential.fingerprint}."))
        if out is not None:
            self.stdout.write(f"Key file written to {out} (passphrase: "
                              f"{'the demo passphrase' if passphrase == demo.DEMO_PASSPHRASE else 'as given'}).")

    def _actor(self, username: str | None, official: Official | None):
        if username:
            user = get_user_model().objects.filter(username=username).first()
            if user is None:
                raise CommandError(f"No user {username!r} (--by).")
            return user
        if official is not None:
            return official.user
        assignment = (RoleAssignment.objects.filter(role=Role.SYSTEM_ADMIN, official__user__is_active=True)
                      .select_related("official__user").order_by("official__user__username").first())
        if assignment is None:
            raise CommandError("No system administrator to register the seal: give --by USERNAME.")
        return assignment.official.user
