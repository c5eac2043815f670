from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from lanqing.reports.models import ReportKind


class ReportRequestForm(forms.Form):
    kind = forms.ChoiceField(label=_("Report"), choices=ReportKind.choices)
    start = forms.DateField(label=_("Day, or a day in the month or year"),
                            widget=forms.DateInput(attrs={"type": "date"}))
