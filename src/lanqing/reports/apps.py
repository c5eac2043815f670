from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "lanqing.reports"
    label = "reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        # Imported here, not at the top: models and access may only be imported once the apps are loaded.
        from lanqing.org import access
        from lanqing.org.access import Rule
        from lanqing.reports import (
            episode,
            jobs,  # noqa: F401 - registers the generation job and the schedule
        )
        from lanqing.winter.links import register_warning_links

        # A report belongs to the area it covers: the users of that area's tree see it, enterprises never.
        access.register_rule("reports.report", Rule(("jurisdiction__code",), None))
        # The warning's page (winter, below) links to its episode report.
        register_warning_links(episode.warning_links)
