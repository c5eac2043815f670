from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from lanqing.alerts.models import Severity
from lanqing.cases.models import Case, Category, ResponsibilityRule
from lanqing.monitoring.models import Site
from lanqing.monitoring.selectors import sites_visible_to
from lanqing.org import access
from lanqing.org.models import PREFIX_LENGTH, Enterprise, Jurisdiction, Level, Unit


def division_choices(divisions) -> list:
    """Townships and villages as one choice list grouped by township, each group led by the township itself,
    so a long county list reads township by township (app.js adds a township chooser in front of it)."""
    groups: dict[str, list[tuple[int, str]]] = {}
    names: dict[str, str] = {}
    for division in divisions.select_related("parent").order_by("code"):
        township_code = division.code[:PREFIX_LENGTH[Level.TOWNSHIP]]
        if division.level == Level.TOWNSHIP:
            names[township_code] = division.name
            groups.setdefault(township_code, []).insert(0, (division.id, _("%(township)s (whole township)") % {
                "township": division.name}))
        else:
            names.setdefault(township_code, division.parent.name if division.parent_id else township_code)
            groups.setdefault(township_code, []).append((division.id, division.name))
    return [("", "---------")] + [(names[code], options) for code, options in groups.items()]


class CaseOpenForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices, initial=Category.INSPECTION)
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices, initial=Severity.MEDIUM)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    enterprise = forms.ModelChoiceField(label=_("Enterprise"), queryset=Enterprise.objects.none(), required=False)
    site = forms.ModelChoiceField(label=_("Site"), queryset=Site.objects.none(), required=False)
    jurisdiction = forms.ModelChoiceField(label=_("Township or village"), queryset=Jurisdiction.objects.none(),
                                          required=False, widget=forms.Select(attrs={"data-division-picker": "",
                                                                             "data-township-label": _("Township")}))
    location = forms.CharField(label=_("Location"), max_length=200, required=False)

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Choices come from the user's scope, so a crafted id outside it is simply an invalid choice.
        self.fields["enterprise"].queryset = access.enterprises_visible_to(user)  # type: ignore[attr-defined]
        self.fields["site"].queryset = sites_visible_to(user)  # type: ignore[attr-defined]
        divisions = access.jurisdictions_visible_to(user).filter(level__in=[Level.TOWNSHIP, Level.VILLAGE])
        self.fields["jurisdiction"].queryset = divisions  # type: ignore[attr-defined]
        # Set after the queryset, which would reset them: the same ids, grouped by township.
        self.fields["jurisdiction"].widget.choices = division_choices(divisions)  # type: ignore[attr-defined]

    def clean(self):
        data = super().clean()
        assert data is not None  # Form.clean returns cleaned_data
        if not (data.get("enterprise") or data.get("site") or data.get("jurisdiction")):
            raise forms.ValidationError(_("Say where the problem is: a site, an enterprise or a jurisdiction."))
        return data


class DispatchForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("Lead unit"), queryset=Unit.objects.none())
    support_units = forms.ModelMultipleChoiceField(label=_("Supporting units"), queryset=Unit.objects.none(),
                                                   required=False)
    deadline = forms.DateField(label=_("Deadline (leave empty for the rule's working days)"), required=False,
                               widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("Note"), required=False, max_length=500)

    def __init__(self, *args, user, case: Case | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        units = access.units_visible_to(user)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]
        self.fields["support_units"].queryset = units  # type: ignore[attr-defined]
        if case is not None and case.lead_unit_id:
            self.fields["unit"].initial = case.lead_unit_id


class SubmitForm(forms.Form):
    text = forms.CharField(label=_("What was done"), widget=forms.Textarea(attrs={"rows": 4}))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)


class ExtensionForm(forms.Form):
    new_deadline = forms.DateField(label=_("New deadline"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


class ExtensionDecisionForm(forms.Form):
    extension = forms.IntegerField(widget=forms.HiddenInput)
    approve = forms.TypedChoiceField(label=_("Decision"), coerce=lambda v: v == "yes",
                                     choices=[("yes", _("Approve")), ("no", _("Refuse"))])
    note = forms.CharField(label=_("Note"), required=False, max_length=500)


class MatrixRowForm(forms.ModelForm):
    class Meta:
        model = ResponsibilityRule
        fields = ["category", "industry", "site_kind", "lead_unit", "support_units", "note", "is_active"]

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        units = access.units_visible_to(user)
        self.fields["lead_unit"].queryset = units  # type: ignore[attr-defined]
        self.fields["support_units"].queryset = units  # type: ignore[attr-defined]


class TextForm(forms.Form):
    text = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 3}))
