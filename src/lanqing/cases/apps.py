from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "lanqing.cases"
    label = "cases"
    verbose_name = _("Supervision cases")

    def ready(self) -> None:
        from lanqing.cases import jobs  # noqa: F401 - registers the deadline check
        from lanqing.org import scope

        # A case is seen by the users of its jurisdiction's tree and by its rectifying enterprise; department
        # users are narrowed further to their unit's cases in cases.selectors.
        scope.register_rule("cases.case", scope.Rule(("jurisdiction__code",), "enterprise"))
        scope.register_rule("cases.caseevent", scope.Rule(("case__jurisdiction__code",), "case__enterprise"))
        scope.register_rule("cases.evidence", scope.Rule(("case__jurisdiction__code",), "case__enterprise"))
        scope.register_rule("cases.accountabilityrecord",
                            scope.Rule(("case__jurisdiction__code",), "case__enterprise"))
