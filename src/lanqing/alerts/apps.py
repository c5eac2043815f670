from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlertsConfig(AppConfig):
    name = "lanqing.alerts"
    label = "alerts"
    verbose_name = _("Alerts")

    def ready(self) -> None:
        from lanqing.alerts import jobs  # noqa: F401 - registers the evaluation job and periodic task
        from lanqing.alerts.services import alert_routed_unit_ids
        from lanqing.org import access
        from lanqing.org.access import Department, Rule

        # A department sees an alert that a case names it for, or one at an enterprise the matrix names it for.
        access.register_rule("alerts.alert", Rule(
            ("site__jurisdiction__code",), "site__enterprise",
            Department(units=("cases__lead_unit", "cases__support_units"), enterprise="site__enterprise")))
        access.register_fact("alert.routed_unit_ids", alert_routed_unit_ids)
