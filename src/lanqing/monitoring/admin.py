from datetime import timedelta

from django import forms
from django.contrib import admin
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lanqing.monitoring.models import (
    Aggregate,
    Device,
    DeviceClock,
    DeviceInfo,
    DeviceKey,
    FacilityRun,
    Factor,
    MeasurementImport,
    Point,
    RawPacket,
    Site,
    TransmissionStat,
)
from lanqing.monitoring.services import device_key_replace


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

    sm4_key = forms.CharField(label=_("SM4 key (HJ 212-2025)"), required=False, min_length=16, max_length=16,
                              widget=forms.PasswordInput,
                              help_text=_("16 characters, for devices that encrypt. Stored sealed; leave "
                                          "empty to keep the current key."))

    class Meta:
        model = Device
        fields = [
            "mn",
            "protocol",
            "point",
            "crc_mode",
            "unit_overrides",
            "logger_id",
            "is_active",
            "commissioned_on",
            "reply_timeout",
            "resend_count",
            "rtd_interval",
            "min_interval",
            "realtime_upload",
            "status_upload",
        ]

    def clean_sm4_key(self):
        key = self.cleaned_data.get("sm4_key", "")
        # The key is 16 bytes; a character outside ASCII would not be one byte (and used to be stored as "?").
        if key and not (key.isascii() and key.isprintable()):
            raise forms.ValidationError(_("The key must be 16 printable ASCII characters."))
        return key

    def clean(self):
        data = super().clean()
        assert data is not None  # ModelForm.clean returns cleaned_data
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

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        key = form.cleaned_data.get("sm4_key")
        if key:
            device_key_replace(device_id=obj.id, raw=key.encode("ascii"))


class ArrivalFilter(admin.DateFieldListFilter):
    """Today, the past 7 days or this month; never "any date" or "this year". Why: the list counts the rows it
    pages through, and a county's raw packets grow by some hundred thousand a day, so counting a year of
    them would take minutes on PostgreSQL."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Django's links: any date, today, past 7 days, this month, this year.
        self.links = self.links[1:4]


@admin.register(RawPacket)
class RawPacketAdmin(admin.ModelAdmin):
    list_display = ["received_at", "mn", "peer", "verdict", "reason"]
    list_filter = [("received_at", ArrivalFilter), "verdict"]
    search_fields = ["mn"]
    # The count of the whole table beside the filtered one: the same slow count as above.
    show_full_result_count = False

    def changelist_view(self, request, extra_context=None):
        if not any(key.startswith("received_at__") for key in request.GET):
            # Open on today's packets (the filter's own "Today"), not on all of them.
            today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
            query = request.GET.copy()
            query["received_at__gte"] = str(today)
            query["received_at__lt"] = str(today + timedelta(days=1))
            return redirect(f"{request.path}?{query.urlencode()}")
        return super().changelist_view(request, extra_context)

    def has_change_permission(self, request, obj=None):
        return False  # received bytes are evidence; nobody edits them


@admin.register(MeasurementImport)
class MeasurementImportAdmin(admin.ModelAdmin):
    list_display = ["file_name", "uploaded_by", "uploaded_at", "status", "rows_total", "rows_rejected"]
    exclude = ["content"]

    def has_change_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows the receiver and the worker write; people look at them, they do not edit them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(DeviceKey)
class DeviceKeyAdmin(ReadOnlyAdmin):
    # The sealed key is never shown; only when it was made and retired.
    list_display = ["device", "created_at", "retired_at"]
    exclude = ["sealed"]


@admin.register(DeviceClock)
class DeviceClockAdmin(ReadOnlyAdmin):
    list_display = ["device", "checked_at", "offset_seconds", "corrected"]


@admin.register(Aggregate)
class AggregateAdmin(ReadOnlyAdmin):
    list_display = [
        "point",
        "factor",
        "period",
        "time",
        "value",
        "flag",
        "valid_count",
        "total_count",
        "flow_weighted",
    ]
    list_filter = ["period", "flag", "flow_weighted"]


@admin.register(TransmissionStat)
class TransmissionStatAdmin(ReadOnlyAdmin):
    list_display = ["device", "factor", "span", "start", "expected", "received", "valid"]
    list_filter = ["span"]


@admin.register(FacilityRun)
class FacilityRunAdmin(ReadOnlyAdmin):
    list_display = ["device", "facility", "cn", "time", "state", "run_hours"]


@admin.register(DeviceInfo)
class DeviceInfoAdmin(ReadOnlyAdmin):
    list_display = ["device", "pol_id", "code", "time", "value"]
