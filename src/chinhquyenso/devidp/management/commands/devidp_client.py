"""Register (or bring up to date) the platform as a client of the development identity
provider and print where things are. Logins do this by themselves; the command is for
looking, and for pointing another relying party at the provider."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from chinhquyenso.devidp.provider import CLIENT_ID, ensure_devidp_client


class Command(BaseCommand):
    help = "Register the platform with the development identity provider and print its URLs."

    def handle(self, *args, **options):
        if not settings.DEVIDP_ENABLED:
            raise CommandError("DEVIDP_ENABLED is off: the development identity provider is "
                               "not served (it is on by default with DEBUG or DEMO_MODE).")
        app = ensure_devidp_client()
        issuer = settings.PUBLIC_BASE_URL + "/devidp"
        self.stdout.write(f"issuer:        {issuer}")
        self.stdout.write(f"discovery:     {issuer}/.well-known/openid-configuration")
        self.stdout.write(f"client id:     {CLIENT_ID}")
        self.stdout.write("client secret: derived from SECRET_KEY (not printed)")
        for uri in app.redirect_uris.split():
            self.stdout.write(f"redirect URI:  {uri}")
