from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlertsConfig(AppConfig):
    name = "lanqing.alerts"
    label = "alerts"
    verbose_name = _("Alerts")

    def ready(self) -> None:
        # Imported here, not at the top: models and access may only be imported once the apps are loaded.
        from lanqing.alerts import jobs  # noqa: F401 - registers the evaluation job and periodic task
        from lanqing.org import access
        from lanqing.org.access import Department, Rule

        # A department sees an alert that a case names it for, or one at an enterprise the matrix names it for.
        access.register_rule("alerts.alert", Rule(
            ("site__jurisdiction__code",), "site__enterprise",
            Department(units=("cases__lead_unit", "cases__support_units"), enterprise="site__enterprise")))
