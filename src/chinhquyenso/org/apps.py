from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "chinhquyenso.org"
    label = "org"
    verbose_name = _("Administrative units and agencies")

    def ready(self) -> None:
        from . import signals  # noqa: F401 - connects the audit receivers
