from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkbenchConfig(AppConfig):
    name = "lanqing.workbench"
    verbose_name = _("Workbench")

    def ready(self) -> None:
        # Registers what the worker computes again for the pages (monitoring.daily.area_computer).
        from lanqing.workbench import air, overview, water  # noqa: F401
