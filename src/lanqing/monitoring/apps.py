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
            retention,
            transmission,
        )
