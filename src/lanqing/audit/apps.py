from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "lanqing.audit"
    label = "audit"
    verbose_name = _("Audit trail")

    def ready(self) -> None:
        from lanqing.audit import capture

        capture.connect()
