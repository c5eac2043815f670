from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from lanqing.monitoring.models import Factor, Site, SiteKind
from lanqing.org import access
from lanqing.winter.models import Grade, Level, PollutionWarning, ReductionEntry, WarningNotice

LOCAL_TIME = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]


class EntryForm(forms.ModelForm):
    class Meta:
        model = ReductionEntry
        fields = ["enterprise", "level", "grade", "site", "process", "allowed_share", "factor", "measure"]
        widgets = {"measure": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        enterprise_field = self.fields["enterprise"]
        site_field = self.fields["site"]
        assert isinstance(enterprise_field, forms.ModelChoiceField)
        assert isinstance(site_field, forms.ModelChoiceField)
        enterprise_field.queryset = access.enterprises_visible_to(user)
        site_field.queryset = access.visible(user, Site.objects.filter(kind=SiteKind.OUTLET))
        factor_field = self.fields["factor"]
        assert isinstance(factor_field, forms.ModelChoiceField)
        factor_field.queryset = Factor.objects.order_by("code")
        self.fields["grade"].choices = Grade.choices  # type: ignore[attr-defined]
        # The service checks share, outlet and duplicates and says why; the form only reads the values.
        self.fields["allowed_share"].validators = []


def _when(label):
    return forms.DateTimeField(label=label, input_formats=LOCAL_TIME,
                               widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_TIME[0]))


class DocumentForm(forms.Form):
    document_number = forms.CharField(label=_("Document number"), max_length=60)
    issuer = forms.CharField(label=_("Issued by"), max_length=100)
    document = forms.CharField(label=_("Document text"), max_length=2000, required=False,
                               widget=forms.Textarea(attrs={"rows": 2}))


class IssueForm(DocumentForm):
    level = forms.ChoiceField(label=_("Warning level"), choices=Level.choices)
    starts_at = _when(_("Starts"))
    ends_at = _when(_("Ends (optional)"))
    tolerance = forms.DecimalField(label=_("Shortfall tolerated before an alert (percentage points)"), min_value=0,
                                   max_value=100, decimal_places=1, initial=5)
    field_order = ["level", "starts_at", "ends_at", "tolerance", "document_number", "issuer", "document"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["ends_at"].required = False


class ChangeForm(DocumentForm):
    level = forms.ChoiceField(label=_("New level"), choices=Level.choices)
    at = _when(_("From"))
    field_order = ["level", "at", "document_number", "issuer", "document"]


class LiftForm(DocumentForm):
    at = _when(_("Lifted at"))
    field_order = ["at", "document_number", "issuer", "document"]


class StopForm(forms.Form):
    site = forms.ModelChoiceField(label=_("Outlet"), queryset=Site.objects.none())
    starts_at = _when(_("Starts"))
    ends_at = _when(_("Ends (optional)"))
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        site_field = self.fields["site"]
        assert isinstance(site_field, forms.ModelChoiceField)
        site_field.queryset = access.visible(user, Site.objects.filter(kind=SiteKind.OUTLET)).order_by("code")
        self.fields["ends_at"].required = False


def _enterprise_name(notice: WarningNotice) -> str:
    return notice.enterprise.name


class CheckForm(forms.Form):
    """A spot check's result; the photos come as the request's `photos` files (several at once)."""

    notice = forms.ModelChoiceField(label=_("Enterprise"), queryset=WarningNotice.objects.none())
    checked_at = _when(_("Checked at"))
    result = forms.ChoiceField(label=_("Result"), choices=[
        ("compliant", _("Measures carried out")), ("violation", _("Violation found"))])
    description = forms.CharField(label=_("What was found"), max_length=2000, required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, user, warning: PollutionWarning, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        notice_field = self.fields["notice"]
        assert isinstance(notice_field, forms.ModelChoiceField)
        notice_field.queryset = access.visible(user, warning.notices.select_related("enterprise"))
        notice_field.label_from_instance = _enterprise_name  # type: ignore[method-assign,assignment]
