from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from lanqing.reports.models import ReportKind


class ReportRequestForm(forms.Form):
    # An episode report is asked for from its warning's page, which names the warning.
    kind = forms.ChoiceField(label=_("Report"), choices=[c for c in ReportKind.choices if c[0] != ReportKind.EPISODE])
    start = forms.DateField(label=_("Day, or a day in the month or year"),
                            widget=forms.DateInput(attrs={"type": "date"}))
