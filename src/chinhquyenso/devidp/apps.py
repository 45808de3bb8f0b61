from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DevIdpConfig(AppConfig):
    """The development identity provider (django-oauth-toolkit with OpenID Connect).

    The app is always installed, so that its table and the toolkit's tables exist in
    every environment and `makemigrations --check` gives the same answer everywhere;
    its pages are served only when DEVIDP_ENABLED is on (urls.py mounts /devidp/ then,
    and every view answers 404 otherwise). In production it is off.
    """

    name = "chinhquyenso.devidp"
    label = "devidp"
    verbose_name = _("Development identity provider")

    def ready(self):
        from django.conf import settings

        if not settings.DEVIDP_ENABLED:
            # The toolkit's tables hold nothing in production: keep them out of the admin.
            from django.contrib import admin
            from oauth2_provider import models as dot

            for model in (dot.get_application_model(), dot.get_access_token_model(),
                          dot.get_refresh_token_model(), dot.get_id_token_model(),
                          dot.get_grant_model()):
                if admin.site.is_registered(model):
                    admin.site.unregister(model)
