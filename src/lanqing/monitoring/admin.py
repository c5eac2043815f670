from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from lanqing.monitoring.models import Device, Factor, MeasurementImport, Point, RawPacket, Site


@admin.register(Factor)
class FactorAdmin(admin.ModelAdmin):
    list_display = ["code", "code_2005", "name_zh", "name_en", "unit", "ambient_unit", "kind"]
    list_filter = ["kind"]
    search_fields = ["code", "name_zh", "name_en"]


class PointInline(admin.TabularInline):
    model = Point
    extra = 0


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "jurisdiction", "enterprise", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["code", "name"]
    inlines = [PointInline]


class DeviceForm(forms.ModelForm):
    password = forms.CharField(label=_("access password"), required=False, widget=forms.PasswordInput,
                               help_text=_("Leave empty to keep the current password."))

    class Meta:
        model = Device
        fields = ["mn", "protocol", "point", "crc_mode", "unit_overrides", "is_active"]

    def clean(self):
        data = super().clean()
        if not self.instance.pk and not data.get("password"):
            self.add_error("password", _("A new device needs its access password."))
        return data

    def save(self, commit=True):
        device = super().save(commit=False)
        if self.cleaned_data.get("password"):
            device.set_password(self.cleaned_data["password"])
        if commit:
            device.save()
        return device


@admin.register(Device)
class DeviceAdmin(admin.ModelAdmin):
    form = DeviceForm
    list_display = ["mn", "point", "protocol", "crc_mode", "is_online", "last_seen_at"]
    list_filter = ["protocol", "is_online"]
    search_fields = ["mn"]


@admin.register(RawPacket)
class RawPacketAdmin(admin.ModelAdmin):
    list_display = ["received_at", "mn", "peer", "verdict", "reason"]
    list_filter = ["verdict"]
    search_fields = ["mn"]

    def has_change_permission(self, request, obj=None):
        return False  # received bytes are evidence; nobody edits them


@admin.register(MeasurementImport)
class MeasurementImportAdmin(admin.ModelAdmin):
    list_display = ["file_name", "uploaded_by", "uploaded_at", "status", "rows_total", "rows_rejected"]
    exclude = ["content"]

    def has_change_permission(self, request, obj=None):
        return False
