"""The forms of the data-mark pages: they read and bound the values; the service (monitoring.marks) judges them."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from lanqing.monitoring.models import Device, MarkKind, MarkState, Site, SiteKind
from lanqing.org import access

LOCAL_TIME = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]


def _when(label):
    # A datetime-local value has no zone: Django reads it in the installation's time zone (Beijing time).
    return forms.DateTimeField(label=label, input_formats=LOCAL_TIME,
                               widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_TIME[0]))


class DeviceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.mn} · {obj.point}"


class MarkForm(forms.Form):
    site = forms.ModelChoiceField(label=_("Outlet"), queryset=Site.objects.none(),
                                  error_messages={"invalid_choice": _("Choose one of your own outlets.")})
    device = DeviceChoiceField(label=_("Device (optional: the whole outlet when empty)"), required=False,
                                    queryset=Device.objects.none(),
                                    error_messages={"invalid_choice": _("Choose one of your own devices.")})
    kind = forms.ChoiceField(label=_("What happens"), choices=[("", "---------"), *MarkKind.choices])
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}))
    starts_at = _when(_("Starts"))
    ends_at = _when(_("Ends"))
    document = forms.FileField(label=_("Supporting document (PDF, JPEG or PNG; may follow later)"), required=False,
                               widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}))

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        site_field = self.fields["site"]
        device_field = self.fields["device"]
        assert isinstance(site_field, forms.ModelChoiceField)
        assert isinstance(device_field, forms.ModelChoiceField)
        site_field.queryset = access.visible(user, Site.objects.filter(kind=SiteKind.OUTLET)).order_by("name")
        device_field.queryset = access.visible(user, Device.objects.filter(point__site__kind=SiteKind.OUTLET)
                                               .select_related("point__site")).order_by("mn")

    def clean(self) -> dict:
        data = super().clean() or {}
        starts_at, ends_at = data.get("starts_at"), data.get("ends_at")
        if starts_at and ends_at and ends_at <= starts_at:
            self.add_error("ends_at", _("A mark ends after it starts."))
        site, device = data.get("site"), data.get("device")
        if site is not None and device is not None and device.point.site_id != site.id:
            self.add_error("device", _("Choose a device of the chosen outlet."))
        return data


class DocumentForm(forms.Form):
    document = forms.FileField(label=_("Supporting document (PDF, JPEG or PNG)"),
                               widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}))


class RevokeForm(forms.Form):
    reason = forms.CharField(label=_("Why the mark is revoked"), max_length=500,
                             widget=forms.Textarea(attrs={"rows": 2}))


class FilterForm(forms.Form):
    state = forms.ChoiceField(label=_("State"), required=False, choices=[("", _("All")), *MarkState.choices])
