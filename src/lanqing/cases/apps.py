from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "lanqing.cases"
    label = "cases"
    verbose_name = _("Supervision cases")

    def ready(self) -> None:
        # Imported here, not at the top: models and access may only be imported once the apps are loaded.
        from lanqing.alerts.hooks import case_hooks_register
        from lanqing.cases import from_alerts, jobs  # noqa: F401 - jobs registers the deadline check
        from lanqing.cases.selectors import enterprise_ids_named_for
        from lanqing.org import access
        from lanqing.org.access import Department, Rule

        # A case is seen by the users of its jurisdiction's tree and by its rectifying enterprise once dispatched;
        # a department sees the cases that name it as lead or supporting unit.
        draft = (("state", "draft"),)
        access.register_rule("cases.case", Rule(("jurisdiction__code",), "enterprise",
                                                Department(units=("lead_unit", "support_units")), draft))
        on_case = Rule(("case__jurisdiction__code",), "case__enterprise",
                       Department(units=("case__lead_unit", "case__support_units")), (("case__state", "draft"),))
        for label in ("cases.caseevent", "cases.evidence", "cases.accountabilityrecord"):
            access.register_rule(label, on_case)
        # Matrix rows belong to the jurisdiction of their lead unit; a department sees the rows that name it.
        access.register_rule("cases.responsibilityrule", Rule(("lead_unit__jurisdiction__code",), None,
                                                              Department(units=("lead_unit", "support_units"))))
        access.register_rule("cases.responsibilitychange", Rule(("row_jurisdiction__code",), None, Department()))
        access.register_fact("unit.named_enterprise_ids", enterprise_ids_named_for)
        # Alerts (the layer below) open and join cases, and route alerts to units, through these.
        case_hooks_register(from_alerts.HOOKS)
        access.register_fact("alert.routed_unit_ids", from_alerts.alert_routed_unit_ids)
