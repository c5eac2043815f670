from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from lanqing.public.models import ModerationKind, RefusalReason, ReportCategory
from lanqing.public.selectors import division_choices
from lanqing.public.services import MAX_DESCRIPTION


class ReportForm(forms.Form):
    category = forms.ChoiceField(label=_("What kind of pollution?"), choices=ReportCategory.choices,
                                 widget=forms.RadioSelect)
    description = forms.CharField(label=_("What did you see, hear or smell?"), max_length=MAX_DESCRIPTION,
                                  widget=forms.Textarea(attrs={"rows": 5, "maxlength": MAX_DESCRIPTION}))
    division = forms.TypedChoiceField(label=_("Township and village"), required=False, coerce=int,
                                      empty_value=None)
    longitude = forms.DecimalField(required=False, max_digits=9, decimal_places=6, widget=forms.HiddenInput)
    latitude = forms.DecimalField(required=False, max_digits=9, decimal_places=6, widget=forms.HiddenInput)
    observed_at = forms.DateTimeField(label=_("When did you notice it?"),
                                      widget=forms.DateTimeInput(attrs={"type": "datetime-local"},
                                                                 format="%Y-%m-%dT%H:%M"))
    name = forms.CharField(label=_("Your name (optional)"), max_length=50, required=False)
    phone = forms.CharField(label=_("Your phone (optional)"), max_length=20, required=False,
                            widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}))
    # A field people never see (hidden by the style sheet); a program filling every field fills it too.
    website = forms.CharField(required=False, label=_("Leave this empty"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        division = self.fields["division"]
        assert isinstance(division, forms.ChoiceField)
        division.choices = [("", _("— choose, or tap the map —")), *division_choices()]


class LookupForm(forms.Form):
    code = forms.CharField(label=_("Tracking code"), max_length=20)


class RateForm(forms.Form):
    rating = forms.TypedChoiceField(label=_("How well was your report handled?"), coerce=int,
                                    choices=[(n, str(n)) for n in range(5, 0, -1)], widget=forms.RadioSelect)
    note = forms.CharField(label=_("Comment (optional)"), required=False, max_length=MAX_DESCRIPTION,
                           widget=forms.Textarea(attrs={"rows": 2}))


class ReopenForm(forms.Form):
    reason = forms.CharField(label=_("Why is the problem not solved?"), max_length=MAX_DESCRIPTION,
                             widget=forms.Textarea(attrs={"rows": 3}))


class RefuseForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=RefusalReason.choices)
    note = forms.CharField(label=_("Explanation to the reporter (which office to turn to, how to follow up)"),
                           required=False, max_length=MAX_DESCRIPTION, widget=forms.Textarea(attrs={"rows": 3}))


class ReplyForm(forms.Form):
    text = forms.CharField(label=_("Text"), max_length=MAX_DESCRIPTION, widget=forms.Textarea(attrs={"rows": 3}))
    public = forms.BooleanField(label=_("Show to the reporter"), required=False)


class ModerateForm(forms.Form):
    kind = forms.ChoiceField(label=_("Moderation"), choices=ModerationKind.choices)
    reason = forms.CharField(label=_("Reason"), max_length=500)
    text = forms.CharField(label=_("Redacted description (for a redaction)"), required=False,
                           max_length=MAX_DESCRIPTION, widget=forms.Textarea(attrs={"rows": 3}))
