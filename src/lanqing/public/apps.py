from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublicConfig(AppConfig):
    name = "lanqing.public"
    label = "public"
    verbose_name = _("Public reports")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from lanqing.cases.origins import origin_provider_register
        from lanqing.org import access
        from lanqing.org.access import Department, Rule
        from lanqing.public import jobs  # noqa: F401 - registers the acceptance clock
        from lanqing.public.selectors import complaint_origin
        from lanqing.public.warnings import warning_saved
        from lanqing.winter.models import PollutionWarning

        # A report is seen like its case (its jurisdiction's tree; a department when the case names it), never by
        # an enterprise: the reported unit must not read who reported it or what they wrote (环境保护法 Art 57).
        report = Rule(("case__jurisdiction__code",), None, Department(units=("case__lead_unit", "case__support_units")))
        access.register_rule("public.publicreport", report)
        access.register_rule("public.reportmoderation", Rule(
            ("report__case__jurisdiction__code",), None,
            Department(units=("report__case__lead_unit", "report__case__support_units"))))
        access.register_rule("public.reportercontact", Rule(
            ("report__case__jurisdiction__code",), None,
            Department(units=("report__case__lead_unit",))))
        # The case page (lanqing.cases, a layer below) links to the report its case came from.
        origin_provider_register("complaint", complaint_origin)
        # The warning banner's copy of the warnings in force is forgotten as soon as one is saved here.
        post_save.connect(warning_saved, sender=PollutionWarning, dispatch_uid="public-warnings-saved")
        post_delete.connect(warning_saved, sender=PollutionWarning, dispatch_uid="public-warnings-deleted")
