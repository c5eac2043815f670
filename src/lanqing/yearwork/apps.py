from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class YearworkConfig(AppConfig):
    name = "lanqing.yearwork"
    label = "yearwork"
    verbose_name = _("The year's work")

    def ready(self) -> None:
        # Imported here, not at the top: models and access may only be imported once the apps are loaded.
        from lanqing.org import access
        from lanqing.org.access import Department, Rule
        from lanqing.yearwork import imports, jobs  # noqa: F401 - register the import job and the periodic checks

        # A plan belongs to its county: every government user of the county sees it (a department its own tasks
        # only, through the task rule). A task is seen by its county's users, by the officers of the townships
        # it names and by the departments it names as lead or support.
        access.register_rule("yearwork.plan", Rule(("jurisdiction__code",), None))
        access.register_rule("yearwork.task", Rule(("plan__jurisdiction__code", "townships__code"), None,
                                                   Department(units=("lead_unit", "support_units"))))
        on_task = Rule(("task__plan__jurisdiction__code", "task__townships__code"), None,
                       Department(units=("task__lead_unit", "task__support_units")))
        for label in ("yearwork.target", "yearwork.milestone", "yearwork.progressreport"):
            access.register_rule(label, on_task)
        access.register_rule("yearwork.reportfile", Rule(
            ("report__task__plan__jurisdiction__code", "report__task__townships__code"), None,
            Department(units=("report__task__lead_unit", "report__task__support_units"))))
        access.register_rule("yearwork.taskimport", Rule(("plan__jurisdiction__code",), None, Department()))
        # A letter is seen by its county's leadership and bureau, by its township's officers and by its unit.
        access.register_rule("yearwork.letter", Rule(("jurisdiction__code", "township__code"), None,
                                                     Department(units=("unit",))))
        access.register_rule("yearwork.lettertarget", Rule(
            ("letter__jurisdiction__code", "letter__township__code"), None, Department(units=("letter__unit",))))
        # Households by their village: the county's users, the township's and village's officers; their personal
        # data only through "household.personal".
        access.register_rule("yearwork.household", Rule(("village__code",), None))
        access.register_rule("yearwork.villageheating", Rule(("village__code",), None))
        access.register_rule("yearwork.heatingtally", Rule(("village__code",), None))
        from lanqing.yearwork import tally_signals  # noqa: F401 - keeps the villages' tallies true on single saves
        access.register_rule("yearwork.visit", Rule(("household__village__code",), None))
        # A project is seen by its county's leadership and bureau, its township's officers and its lead unit.
        access.register_rule("yearwork.project", Rule(("jurisdiction__code", "township__code"), None,
                                                      Department(units=("lead_unit",))))
        on_project = Rule(("project__jurisdiction__code", "project__township__code"), None,
                          Department(units=("project__lead_unit",)))
        access.register_rule("yearwork.projectfund", on_project)
        access.register_rule("yearwork.projectreport", on_project)
        # A soil listing goes with its enterprise (the enterprise sees its own; a department where the matrix or a
        # case names the enterprise); a plot with its township and, for departments, its lead unit.
        access.register_rule("yearwork.soilunit", Rule(("enterprise__township__code", "enterprise__village__code"),
                                                       "enterprise", Department(enterprise="enterprise")))
        access.register_rule("yearwork.soilreport", Rule(
            ("unit__enterprise__township__code", "unit__enterprise__village__code"), "unit__enterprise",
            Department(enterprise="unit__enterprise")))
        access.register_rule("yearwork.plot", Rule(("township__code",), None, Department(units=("lead_unit",))))
