from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WinterConfig(AppConfig):
    name = "lanqing.winter"
    label = "winter"
    verbose_name = _("Heavy-pollution weather")

    def ready(self) -> None:
        # Imported here: models and access may only be imported once the apps are loaded.
        from lanqing.alerts.models import RuleKind
        from lanqing.alerts.rules import register_check
        from lanqing.org import access
        from lanqing.org.access import Department, Rule
        from lanqing.winter import checks

        # A list and a warning cover the whole county: everyone whose ground lies in it sees them; the rows
        # naming enterprises are read like the enterprises themselves.
        access.register_rule("winter.reductionlist", Rule(("jurisdiction__code",), None,
                                                          covering=("jurisdiction__code",)))
        access.register_rule("winter.pollutionwarning", Rule(("jurisdiction__code",), None, covering=("jurisdiction__code",)))
        enterprise_rows = Rule(("enterprise__township__code", "enterprise__village__code"), "enterprise",
                               Department(enterprise="enterprise"))
        access.register_rule("winter.reductionentry", enterprise_rows)
        access.register_rule("winter.warningnotice", enterprise_rows)
        access.register_rule("winter.spotcheck", enterprise_rows)
        access.register_rule("winter.spotcheckphoto", Rule(
            ("check_row__enterprise__township__code", "check_row__enterprise__village__code"), "check_row__enterprise",
            Department(enterprise="check_row__enterprise")))
        access.register_rule("winter.outletstop", Rule(("site__jurisdiction__code",), "site__enterprise",
                                                       Department(enterprise="site__enterprise")))
        register_check(RuleKind.REDUCTION_SHORT, checks.check_shortfall)
        register_check(RuleKind.REDUCTION_GAP, checks.check_gap)
