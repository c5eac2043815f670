"""The discharge-permit form of the enterprise's file: it reads the values, one number field per pollutant a
permit may cap (blank: no cap); the service (org.permits) judges them."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from lanqing.org.models import PERMIT_POLLUTANTS, DischargePermit
from lanqing.org.permits import ISSUER_LENGTH, NUMBER_LENGTH, PermitRefused


def cap_field_name(pollutant: str) -> str:
    return "cap_" + pollutant.replace("-", "_")


def _day(label):
    return forms.DateField(label=label, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))


class PermitForm(forms.Form):
    number = forms.CharField(label=_("Permit number"), max_length=NUMBER_LENGTH,
                             widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}))
    issued_by = forms.CharField(label=_("Issuing authority"), max_length=ISSUER_LENGTH)
    valid_from = _day(_("Valid from"))
    valid_to = _day(_("Valid to"))

    def __init__(self, data=None, *, permit: DischargePermit | None = None, **kwargs) -> None:
        if permit is not None and data is None:
            kwargs["initial"] = {"number": permit.number, "issued_by": permit.issued_by,
                                 "valid_from": permit.valid_from, "valid_to": permit.valid_to,
                                 **{cap_field_name(name): tonnes for name, tonnes in (permit.annual_caps or {}).items()}}
        super().__init__(data, **kwargs)
        for name, label in PERMIT_POLLUTANTS.items():
            # The bounds and decimals are judged by the service, with its own words; these only help the keyboard.
            self.fields[cap_field_name(name)] = forms.DecimalField(
                label=label, required=False,
                widget=forms.NumberInput(attrs={"step": "0.001", "min": "0", "inputmode": "decimal"}))

    def main_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("number", "issued_by", "valid_from", "valid_to")]

    def cap_fields(self) -> list[forms.BoundField]:
        return [self[cap_field_name(name)] for name in PERMIT_POLLUTANTS]

    def facts(self) -> dict:
        """The cleaned values as the services take them."""
        data = self.cleaned_data
        return {"number": data["number"], "issued_by": data["issued_by"], "valid_from": data["valid_from"],
                "valid_to": data["valid_to"],
                "annual_caps": {name: data.get(cap_field_name(name)) for name in PERMIT_POLLUTANTS}}

    def add_refusal(self, refused: PermitRefused) -> None:
        for key, text in refused.errors.items():
            if key in PERMIT_POLLUTANTS:
                self.add_error(cap_field_name(key), text)
            elif key in self.fields:
                self.add_error(key, text)
            else:
                self.add_error(None, text)
