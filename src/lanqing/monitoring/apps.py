from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "lanqing.monitoring"
    label = "monitoring"
    verbose_name = _("Monitoring")

    def ready(self) -> None:
        # Imported here, not at the top: models may only be imported once the apps are loaded.
        from lanqing.monitoring import (  # noqa: F401 - registers the job kinds and periodic tasks
            aggregation,
            jobs,
            marks,
            retention,
            transmission,
        )
        from lanqing.org import access
        from lanqing.org.access import Department, Rule

        # A mark is read like its outlet: the enterprise its own, government users by the outlet's place, a
        # department where the matrix or a case names the enterprise.
        access.register_rule("monitoring.datamark", Rule(("site__jurisdiction__code",), "site__enterprise",
                                                         Department(enterprise="site__enterprise")))
        access.register_rule("monitoring.datamarkevent", Rule(
            ("mark__site__jurisdiction__code",), "mark__site__enterprise",
            Department(enterprise="mark__site__enterprise")))
