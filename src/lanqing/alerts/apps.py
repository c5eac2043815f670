from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlertsConfig(AppConfig):
    name = "lanqing.alerts"
    label = "alerts"
    verbose_name = _("Alerts")

    def ready(self) -> None:
        from lanqing.alerts import jobs  # noqa: F401 - registers the evaluation job and periodic task
        from lanqing.org import scope

        scope.register_rule("alerts.alert", scope.Rule(("site__jurisdiction__code",), "site__enterprise"))
