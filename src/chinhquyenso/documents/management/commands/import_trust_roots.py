"""Fill the trust store the signature verification relies on (see documents/trust.py)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from chinhquyenso.documents import pki, trust

ACTOR = "manage.py import_trust_roots"


class Command(BaseCommand):
    help = (
        "Manage the certificates the platform trusts when it verifies signed PDFs. They are "
        "kept as PEM files in the trust directory (settings.CQS_TRUST_DIR, default "
        "VAR_DIR/trust). Every addition and removal is written to the audit log."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--vn-government", metavar="PATH", type=Path,
            help="Import the Vietnamese government CA certificates (VGCA root and intermediates, "
                 "MIC National Root CA) from PATH, e.g. ../shared/pki. Each file's SHA-256 is "
                 "compared with the fingerprint published in PATH/README.md; one mismatch "
                 "refuses the whole import.")
        parser.add_argument(
            "--file", metavar="PATH", type=Path,
            help="Import the certificate(s) of one file (PEM, possibly several, or DER). "
                 "Check its fingerprint with the issuing authority first.")
        parser.add_argument(
            "--name", metavar="LABEL",
            help="With --file: a label kept with the certificate (default: its common name).")
        parser.add_argument(
            "--remove", metavar="SHA256",
            help="Stop trusting the certificate with this SHA-256 fingerprint (hex, colons "
                 "optional). Only certificates in the trust directory can be removed.")
        parser.add_argument(
            "--list", action="store_true",
            help="List the trusted certificates: label, subject, SHA-256, validity and origin.")

    def handle(self, *args, vn_government, file, name, remove, list, **options):  # noqa: A002
        if not (vn_government or file or remove or list):
            raise CommandError("Nothing to do: give --vn-government, --file, --remove or --list "
                               "(see --help).")
        if name and not file:
            raise CommandError("--name goes with --file.")
        if vn_government:
            self._import_vn_government(vn_government)
        if file:
            self._import_file(file, name)
        if remove:
            self._remove(remove)
        if list:
            self._list()

    def _import_vn_government(self, path: Path) -> None:
        try:
            certificates = pki.import_vn_government_roots(path)
        except pki.FingerprintMismatchError as exc:
            raise CommandError(f"Refused, nothing imported: {exc}") from exc
        except pki.TrustRootError as exc:
            raise CommandError(f"Cannot import from {path}: {exc}") from exc
        self.stdout.write(f"Fingerprints of {len(certificates)} certificates checked against "
                          f"{path / 'README.md'}.")
        for certificate in certificates:
            self._add(certificate, None)

    def _import_file(self, path: Path, name: str | None) -> None:
        try:
            certificates = pki.load_trust_roots([path])
        except pki.TrustRootError as exc:
            raise CommandError(str(exc)) from exc
        for certificate in certificates:
            self._add(certificate, name)

    def _add(self, certificate, name: str | None) -> None:
        fingerprint = pki.certificate_fingerprint(certificate)
        label = name or trust.common_name(certificate)
        if trust.find_trust_root(fingerprint) is not None:
            self.stdout.write(f"  already trusted: {label} ({fingerprint})")
            return
        path = trust.add_trust_root(certificate, name=label, actor=ACTOR)
        self.stdout.write(self.style.SUCCESS(f"  added: {label} ({fingerprint}) -> {path}"))

    def _remove(self, fingerprint: str) -> None:
        root = trust.find_trust_root(fingerprint)
        if root is None:
            raise CommandError(f"No trusted certificate has the fingerprint {fingerprint}.")
        if not root.managed:
            raise CommandError(f"{root.label} comes from settings.CQS_TRUST_ROOTS ({root.path}): "
                               "remove it from the settings instead.")
        trust.remove_trust_root(fingerprint, actor=ACTOR)
        self.stdout.write(self.style.SUCCESS(f"Removed: {root.label} ({root.fingerprint})"))

    def _list(self) -> None:
        roots = trust.list_trust_roots()
        self.stdout.write(f"Trust directory: {trust.trust_dir()}")
        if not roots:
            self.stdout.write("No trusted certificate: every signature is reported as untrusted.")
            return
        for root in roots:
            origin = "" if root.managed else f"  (from CQS_TRUST_ROOTS: {root.path})"
            self.stdout.write(
                f"{root.label}\n  subject: {root.subject}\n  SHA-256: {root.fingerprint}\n"
                f"  valid:   {root.not_before:%Y-%m-%d} .. {root.not_after:%Y-%m-%d}"
                f"{'' if root.is_ca else '  (not a CA certificate)'}{origin}")
