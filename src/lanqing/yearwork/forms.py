from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from lanqing.monitoring.models import Site, SiteKind
from lanqing.monitoring.selectors import sites_visible_to
from lanqing.org import access
from lanqing.org.models import Jurisdiction, Level, Unit
from lanqing.yearwork.models import FundSource, Measure, Milestone, ProjectKind, Target, Task


class PlanForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    title = forms.CharField(label=_("Title"), max_length=200)
    jurisdiction = forms.ModelChoiceField(label=_("Jurisdiction"), queryset=Jurisdiction.objects.none())
    meeting = forms.CharField(label=_("Meeting"), max_length=200, required=False)
    meeting_date = forms.DateField(label=_("Meeting date"), required=False,
                                   widget=forms.DateInput(attrs={"type": "date"}))
    document_number = forms.CharField(label=_("Document number"), max_length=100, required=False)

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["jurisdiction"].queryset = access.jurisdictions_visible_to(user).filter(  # type: ignore[attr-defined]
            level=Level.COUNTY)


class ReportForm(forms.Form):
    text = forms.CharField(label=pgettext_lazy("progress", "What was done"), widget=forms.Textarea(attrs={"rows": 3}),
                           max_length=5000)
    milestone = forms.ModelChoiceField(label=_("Milestone reached"), queryset=Milestone.objects.none(),
                                       required=False)
    target = forms.ModelChoiceField(label=_("Target"), queryset=Target.objects.none(), required=False)
    achieved = forms.DecimalField(label=_("Achieved so far"), max_digits=14, decimal_places=2, min_value=0,
                                  required=False)

    def __init__(self, *args, task: Task, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Choices come from the task itself, so a crafted id of another task is an invalid choice.
        self.fields["milestone"].queryset = task.milestones.filter(done_at__isnull=True)  # type: ignore[attr-defined]
        self.fields["target"].queryset = task.targets.all()  # type: ignore[attr-defined]


class LetterForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    township = forms.ModelChoiceField(label=_("Township"), queryset=Jurisdiction.objects.none(), required=False)
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.none(), required=False)
    signed_on = forms.DateField(label=_("Signed on"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    signed_file = forms.FileField(label=_("Signed letter (PDF or photo)"), required=False)

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["township"].queryset = access.jurisdictions_visible_to(user).filter(  # type: ignore[attr-defined]
            level=Level.TOWNSHIP)
        self.fields["unit"].queryset = access.units_visible_to(user)  # type: ignore[attr-defined]


class LetterTargetForm(forms.Form):
    measure = forms.ChoiceField(label=_("Measured by"), choices=Measure.choices)
    description = forms.CharField(label=_("Target"), max_length=200)
    target_value = forms.DecimalField(label=_("Target value"), max_digits=12, decimal_places=2, min_value=0)
    at_most = forms.BooleanField(label=_("The figure must not exceed the target"), required=False)
    site = forms.ModelChoiceField(label=_("Monitoring site"), queryset=Site.objects.none(), required=False)
    measured = forms.DecimalField(label=_("Measured (entered by hand)"), max_digits=12, decimal_places=2,
                                  required=False)

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites_visible_to(user).filter(  # type: ignore[attr-defined]
            kind__in=[SiteKind.AIR, SiteKind.WATER])


class VisitForm(forms.Form):
    visited_on = forms.DateField(label=_("Visited on"), widget=forms.DateInput(attrs={"type": "date"}))
    back_on_coal = forms.BooleanField(label=_("Found burning scattered coal again"), required=False)
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False,
                           max_length=2000)
    photo = forms.FileField(label=_("Photo"), required=False)


class ProjectForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    kind = forms.ChoiceField(label=_("Kind"), choices=ProjectKind.choices)
    name = forms.CharField(label=_("Name"), max_length=200)
    lead_unit = forms.ModelChoiceField(label=_("Lead unit"), queryset=Unit.objects.none())
    township = forms.ModelChoiceField(label=_("Township"), queryset=Jurisdiction.objects.none(), required=False)
    area_mu = forms.DecimalField(label=_("Area (mu)"), max_digits=12, decimal_places=2, min_value=0, required=False)
    planned_start = forms.DateField(label=_("Planned start"), widget=forms.DateInput(attrs={"type": "date"}))
    planned_end = forms.DateField(label=_("Planned completion"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lead_unit"].queryset = access.units_visible_to(user)  # type: ignore[attr-defined]
        self.fields["township"].queryset = access.jurisdictions_visible_to(user).filter(  # type: ignore[attr-defined]
            level=Level.TOWNSHIP)


class FundForm(forms.Form):
    source = forms.ChoiceField(label=_("Source of funds"), choices=FundSource.choices)
    budget = forms.DecimalField(label=_("Budget (yuan)"), max_digits=14, decimal_places=2, min_value=0)
    allocated = forms.DecimalField(label=_("Allocated (yuan)"), max_digits=14, decimal_places=2, min_value=0)
    spent = forms.DecimalField(label=_("Spent (yuan)"), max_digits=14, decimal_places=2, min_value=0)


class ProjectReportForm(forms.Form):
    text = forms.CharField(label=pgettext_lazy("progress", "What was done"), widget=forms.Textarea(attrs={"rows": 3}),
                           max_length=5000)
    progress = forms.IntegerField(label=_("Progress (%)"), min_value=0, max_value=100)
    photo = forms.FileField(label=_("Photo"), required=False)


class VillageHeatingForm(forms.Form):
    village = forms.ModelChoiceField(label=_("Village or community"), queryset=Jurisdiction.objects.none())
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    households_target = forms.IntegerField(label=_("Households to convert"), min_value=0)
    coal_free_zone = forms.BooleanField(label=_("Coal-free zone"), required=False)

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = access.jurisdictions_visible_to(user).filter(  # type: ignore[attr-defined]
            level=Level.VILLAGE)
