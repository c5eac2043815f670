from __future__ import annotations

import hashlib
import hmac
import secrets
import zoneinfo
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from lanqing import texts
from lanqing.audit.capture import AuditedQuerySet
from lanqing.monitoring.fields import RowIdField
from lanqing.org.models import Enterprise, Jurisdiction


class FactorKind(models.TextChoices):
    AIR = "air", _("Ambient air")
    WATER = "water", _("Water")
    FLUE_GAS = "flue_gas", _("Flue gas")
    PARAMETER = "parameter", _("Parameter")


class Factor(models.Model):
    """A monitored pollutant or parameter, named by its HJ 212-2017 code."""

    code = models.CharField(_("HJ 212 code"), max_length=16, unique=True)
    code_2005 = models.CharField(_("HJ 212-2005 code"), max_length=16, blank=True)
    name_zh = models.CharField(_("Chinese name"), max_length=50)
    name_en = models.CharField(_("English name"), max_length=80)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    # Ambient stations report the same gases in µg/m³ where sources report mg/m³ (HJ 633 vs HJ 212 tables).
    ambient_unit = models.CharField(_("unit at ambient stations"), max_length=20, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=FactorKind.choices)
    decimals = models.PositiveSmallIntegerField(_("decimals shown"), default=1)

    class Meta:
        ordering = ["kind", "code"]
        verbose_name = _("factor")
        verbose_name_plural = _("factors")

    def __str__(self) -> str:
        return f"{self.display_name} ({self.code})"

    @property
    def display_name(self) -> str:
        from django.utils.translation import get_language

        return self.name_en if (get_language() or "").startswith("en") else self.name_zh

    def unit_at(self, site_kind: str) -> str:
        return self.ambient_unit or self.unit if site_kind == "air" else self.unit


class SiteKind(models.TextChoices):
    AIR = "air", _("Ambient air station")
    WATER = "water", _("Surface water section")
    OUTLET = "outlet", _("Pollution outlet")


class OutletMedium(models.TextChoices):
    GAS = "gas", _("Flue gas")
    WATER = "water", _("Wastewater")


class WaterClass(models.IntegerChoices):
    I = 1, "Ⅰ"  # noqa: E741
    II = 2, "Ⅱ"
    III = 3, "Ⅲ"
    IV = 4, "Ⅳ"
    V = 5, "Ⅴ"


class Site(models.Model):
    kind = models.CharField(_("kind"), max_length=10, choices=SiteKind.choices)
    code = models.CharField(_("site code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)
    jurisdiction = models.ForeignKey(Jurisdiction, verbose_name=_("jurisdiction"), on_delete=models.PROTECT,
                                     related_name="sites")
    enterprise = models.ForeignKey(Enterprise, verbose_name=_("enterprise"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="sites")
    outlet_medium = models.CharField(_("outlet medium"), max_length=5, choices=OutletMedium.choices, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    target_class = models.PositiveSmallIntegerField(_("target water class"), choices=WaterClass.choices,
                                                    null=True, blank=True)
    # Key into the standards engine's limit catalogue, e.g. "GB13271-2014:coal:existing".
    limit_set = models.CharField(_("emission limit set"), max_length=60, blank=True)
    reference_o2 = models.DecimalField(_("reference oxygen, %"), max_digits=4, decimal_places=1,
                                       null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        ordering = ["kind", "code"]
        verbose_name = _("site")
        verbose_name_plural = _("sites")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.kind == SiteKind.OUTLET:
            if not self.enterprise_id:
                raise ValidationError({"enterprise": gettext("An outlet must belong to an enterprise.")})
            if not self.outlet_medium:
                raise ValidationError({"outlet_medium": gettext("Choose whether the outlet emits flue gas or wastewater.")})
        elif self.enterprise_id:
            raise ValidationError({"enterprise": gettext("Only an outlet can belong to an enterprise.")})
        if self.target_class and self.kind != SiteKind.WATER:
            raise ValidationError({"target_class": gettext("Only a water section has a target class.")})


class Point(models.Model):
    """A monitoring point of a site; a site may have several (e.g. inlet and outlet of a plant)."""

    site = models.ForeignKey(Site, verbose_name=_("site"), on_delete=models.CASCADE, related_name="points")
    code = models.CharField(_("point code"), max_length=30)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        ordering = ["site__code", "code"]
        constraints = [models.UniqueConstraint(fields=["site", "code"], name="point_unique_code")]
        verbose_name = _("monitoring point")
        verbose_name_plural = _("monitoring points")

    def __str__(self) -> str:
        return f"{self.site.name} · {self.name}"


class Protocol(models.TextChoices):
    HJ212_2005 = "2005", "HJ 212-2005"
    HJ212_2017 = "2017", "HJ 212-2017"
    HJ212_2025 = "2025", "HJ 212-2025"


class CrcMode(models.TextChoices):
    STRICT = "strict", _("Strict")
    SWAPPED = "swapped", _("Also accept byte-swapped CRC")
    LOG_ONLY = "log_only", _("Accept a bad CRC and log it")


class UploadSwitch(models.TextChoices):
    KEEP = "", _("Leave as the device has it")
    ON = "on", _("Switch on")
    OFF = "off", _("Switch off")


# HJ 212-2017 table 5: the minute-data intervals a device may be set to.
MIN_INTERVALS = (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30)


class Device(models.Model):
    """A data acquisition unit (数采仪) identified by its MN."""

    mn = models.CharField(_("MN"), max_length=27, unique=True)
    # HJ 212 sends PW in clear text; we keep only a salted hash so a copy of the database does not leak it.
    password_hash = models.CharField(_("access password (hashed)"), max_length=200, editable=False)
    protocol = models.CharField(_("protocol"), max_length=4, choices=Protocol.choices, default=Protocol.HJ212_2017)
    point = models.ForeignKey(Point, verbose_name=_("monitoring point"), on_delete=models.PROTECT,
                              related_name="devices")
    crc_mode = models.CharField(_("CRC check"), max_length=10, choices=CrcMode.choices, default=CrcMode.STRICT)
    # Per-factor unit overrides a device announces, e.g. {"a34004": "ng/m3"}.
    unit_overrides = models.JSONField(_("unit overrides"), default=dict, blank=True)
    # HJ 212-2025 §6.8: a new logger registers with its hardware ID (CN 1001, i23005) before it has an MN;
    # the platform answers with the MN of the device registered here under that ID (CN 1002).
    logger_id = models.CharField(_("data-logger ID"), max_length=40, blank=True, db_index=True)
    # HJ 212 §6.7: what the platform sets on a device each time it connects (after the time calibration).
    # Empty: the device keeps its own setting.
    reply_timeout = models.PositiveSmallIntegerField(
        _("reply timeout (s)"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(99)],
        help_text=_("OverTime (CN 1000): how long the device waits for the platform's reply; sent with the "
                    "resend count."))
    resend_count = models.PositiveSmallIntegerField(
        _("resend count"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(99)],
        help_text=_("ReCount (CN 1000): how often the device resends an unanswered packet."))
    rtd_interval = models.PositiveSmallIntegerField(
        _("real-time data interval (s)"), null=True, blank=True,
        validators=[MinValueValidator(30), MaxValueValidator(3600)], help_text=_("RtdInterval (CN 1062), 30–3600."))
    min_interval = models.PositiveSmallIntegerField(
        _("minute data interval (min)"), null=True, blank=True, choices=[(m, m) for m in MIN_INTERVALS],
        help_text=_("MinInterval (CN 1064)."))
    realtime_upload = models.CharField(
        _("real-time data upload"), max_length=4, choices=UploadSwitch.choices, blank=True, default="",
        help_text=_("CN 2011 switches it on, CN 2012 off."))
    status_upload = models.CharField(
        _("facility status upload"), max_length=4, choices=UploadSwitch.choices, blank=True, default="",
        help_text=_("CN 2021 switches it on, CN 2022 off."))
    last_seen_at = models.DateTimeField(_("last seen"), null=True, blank=True)
    is_online = models.BooleanField(_("online"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    is_demo = models.BooleanField(_("demo data"), default=False)
    # Data dated before this day cannot be the device's own: the receiver refuses it (kept as a raw packet).
    commissioned_on = models.DateField(_("commissioning date"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["mn"]
        verbose_name = _("device")
        verbose_name_plural = _("devices")

    def __str__(self) -> str:
        return self.mn

    def clean(self) -> None:
        super().clean()
        if (self.reply_timeout is None) != (self.resend_count is None):
            # One command (CN 1000) carries both: a device cannot be given one without the other.
            raise ValidationError(_("Set the reply timeout and the resend count together, or neither."))

    def set_password(self, raw: str) -> None:
        salt = secrets.token_hex(8)
        self.password_hash = f"sha256${salt}${_digest(salt, raw)}"

    def check_password(self, raw: str) -> bool:
        try:
            _scheme, salt, digest = self.password_hash.split("$", 2)
        except ValueError:
            return False
        return hmac.compare_digest(digest, _digest(salt, raw))


def _digest(salt: str, raw: str) -> str:
    # Device passwords are short; mixing in the site's secret key keeps a stolen table from being brute-forced
    # offline. A plain fast hash because the receiver checks it for every packet.
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"{salt}:{raw}".encode(), hashlib.sha256).hexdigest()


class Period(models.TextChoices):
    RTD = "rtd", _("Real-time")
    MIN = "min", _("Minute")
    HOUR = "hour", _("Hourly")
    DAY = "day", _("Daily")


class Source(models.TextChoices):
    DEVICE = "device", _("Device")
    IMPORT = "import", _("Import")
    COMPUTED = "computed", _("Computed")
    # An enterprise's self-monitoring lab result (自行监测), uploaded on its portal.
    MANUAL = "manual", _("Lab result")


class Measurement(models.Model):
    """One value; its time is the start of its interval, stored in UTC (see DESIGN.md, Storage)."""

    id = RowIdField(primary_key=True)
    # No index of its own: the natural key below starts with the point and serves every query by point.
    # A redundant index costs the receiver a page write per series and commit (issue 4 benchmark).
    point = models.ForeignKey(Point, verbose_name=_("monitoring point"), on_delete=models.CASCADE,
                              related_name="measurements", db_index=False)
    # Not indexed either: every query that reads values names the points (the natural key serves it);
    # an index by factor alone cost each stored value about a sixth more (issue 4 benchmark).
    factor = models.ForeignKey(Factor, verbose_name=_("factor"), on_delete=models.PROTECT, related_name="+",
                               db_index=False)
    period = models.CharField(_("period"), max_length=4, choices=Period.choices)
    time = models.DateTimeField(_("time"))
    value = models.FloatField(_("value"), null=True)
    # HJ 212 data flag; two letters since 2025 (e.g. "Td").
    flag = models.CharField(_("flag"), max_length=2, default="N")
    source = models.CharField(_("source"), max_length=8, choices=Source.choices, default=Source.DEVICE)
    # HJ 212 "Zs" fields: the value converted to the reference oxygen / standard state (折算), as sent.
    converted = models.FloatField(_("converted value"), null=True, blank=True)
    # HJ 212 "Cou": the interval's cumulative amount (emission in kg, discharge in m³), as sent.
    cumulative = models.FloatField(_("cumulative value"), null=True, blank=True)
    # A device sent other values for this hour or day after these were stored (MeasurementRevision). A
    # database default: the receiver inserts rows without naming this column.
    revised = models.BooleanField(_("revised"), default=False, db_default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["point", "factor", "period", "time"],
                                               name="measurement_unique_key")]
        verbose_name = _("measurement")
        verbose_name_plural = _("measurements")

    def __str__(self) -> str:
        return f"{self.point_id}/{self.factor_id}/{self.period}/{self.time:%Y-%m-%d %H:%M} = {self.value}"


class MeasurementRevision(models.Model):
    """Values a packet sent for an hour or day already stored with other values: kept beside the first ones,
    which stay, so that no packet rewrites history unseen (issue 15). An identical resend is no revision."""

    id = RowIdField(primary_key=True)
    point = models.ForeignKey(Point, verbose_name=_("monitoring point"), on_delete=models.CASCADE,
                              related_name="+")
    factor = models.ForeignKey(Factor, verbose_name=_("factor"), on_delete=models.PROTECT, related_name="+")
    period = models.CharField(_("period"), max_length=4, choices=Period.choices)
    time = models.DateTimeField(_("time"))
    value = models.FloatField(_("value"), null=True)
    flag = models.CharField(_("flag"), max_length=2, default="N")
    converted = models.FloatField(_("converted value"), null=True, blank=True)
    cumulative = models.FloatField(_("cumulative value"), null=True, blank=True)
    # The packet that sent these values (None once raw packets are purged).
    raw_packet = models.ForeignKey("RawPacket", verbose_name=_("raw packet"), on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    received_at = models.DateTimeField(_("received"))

    class Meta:
        indexes = [models.Index(fields=["point", "period", "time"], name="revision_point_time_idx")]
        verbose_name = _("revised value")
        verbose_name_plural = _("revised values")

    def __str__(self) -> str:
        return f"{self.point_id}/{self.factor_id}/{self.period}/{self.time:%Y-%m-%d %H:%M} revised to {self.value}"


class NewValue(models.Model):
    """An hourly or daily value stored (or stored again) that detection has not judged yet: the writers add one
    row per (point, period, time) in the transaction that stores the value, the alert evaluation takes them
    away. A queue rather than a mark on the measurement, so that the receiver's upsert stays as it is and a
    value corrected later is judged again."""

    id = RowIdField(primary_key=True)
    # No foreign-key index: rows live seconds, and are read in id order.
    point = models.ForeignKey(Point, verbose_name=_("monitoring point"), on_delete=models.CASCADE,
                              related_name="+", db_index=False)
    period = models.CharField(_("period"), max_length=4, choices=Period.choices)
    time = models.DateTimeField(_("time"))

    class Meta:
        verbose_name = _("value to judge")
        verbose_name_plural = _("values to judge")

    def __str__(self) -> str:
        return f"{self.point_id}/{self.period}/{self.time:%Y-%m-%d %H:%M}"


class Verdict(models.TextChoices):
    ACCEPTED = "accepted", pgettext_lazy("packet verdict", "Accepted")
    REJECTED = "rejected", pgettext_lazy("packet verdict", "Rejected")


class RawPacket(models.Model):
    """Every frame a receiver got, good or bad, with the reason for its verdict."""

    id = RowIdField(primary_key=True)
    received_at = models.DateTimeField(_("received"), db_index=True)
    peer = models.CharField(_("peer address"), max_length=64, blank=True)
    # Not indexed: packets arrive in time order, so the time index grows at its end, while an MN index
    # took a page write per device and commit, a third of the cost of storing a packet (issue 4
    # benchmark). Audits by MN (packets export, replay) read a time range and filter it.
    mn = models.CharField(_("MN"), max_length=40, blank=True)
    # Raw packets are looked up by MN and time (audit export), never by device id; an index here would
    # cost every receiver commit a page write per device for nothing.
    device = models.ForeignKey(Device, verbose_name=_("device"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+", db_index=False)
    data = models.BinaryField(_("bytes"))
    verdict = models.CharField(_("verdict"), max_length=10, choices=Verdict.choices)
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        ordering = ["-received_at"]
        # Rejected packets by time, for their pruning (monitoring.retention): only rejected rows pay for it,
        # the receiver's accepted packets do not.
        indexes = [models.Index(fields=["received_at"], condition=models.Q(verdict="rejected"),
                                name="rawpacket_rejected_time_idx")]
        verbose_name = _("raw packet")
        verbose_name_plural = _("raw packets")

    def __str__(self) -> str:
        return f"{self.received_at:%Y-%m-%d %H:%M:%S} {self.mn} {self.verdict}"


class ReceiverProgress(models.Model):
    """Where a receiver's deferred decoding stands, so a crash loses no decoded rows.

    Under load the receiver acknowledges a packet once its raw bytes are committed and writes the decoded
    measurements a moment later in a larger transaction (lanqing.receiver.writer). ``pending_since`` is
    the arrival time of the oldest acknowledged packet whose measurements are not written yet, or empty
    when none are; a receiver starting after a crash decodes the raw packets from that time again.
    One row per receiver worker (0 for a single process).
    """

    slot = models.PositiveSmallIntegerField(_("receiver worker"), unique=True)
    pending_since = models.DateTimeField(_("oldest packet not yet decoded"), null=True, blank=True)

    class Meta:
        verbose_name = _("receiver progress")
        verbose_name_plural = _("receiver progress")

    def __str__(self) -> str:
        return f"{self.slot}: {self.pending_since or '-'}"


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class MeasurementImport(models.Model):
    """An uploaded file of measurements, kept as received, with what became of every row."""

    file_name = models.CharField(_("file name"), max_length=255)
    content = models.BinaryField(_("file content"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True,
                                    blank=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    status = models.CharField(_("status"), max_length=8, choices=ImportStatus.choices,
                              default=ImportStatus.QUEUED)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_written = models.PositiveIntegerField(_("rows imported or changed"), default=0)
    rows_unchanged = models.PositiveIntegerField(_("rows already present"), default=0)
    rows_rejected = models.PositiveIntegerField(_("rows rejected"), default=0)
    # [{"line": 3, "column": "value", "reason": "..."}]
    errors = models.JSONField(_("errors"), default=list, blank=True)
    message = models.CharField(_("message"), max_length=300, blank=True)
    # Why the file failed, as a stored text (lanqing.texts); `message` keeps its rendering for older readers.
    message_text = models.JSONField(_("message (stored text)"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-uploaded_at"]
        verbose_name = _("measurement import")
        verbose_name_plural = _("measurement imports")

    def __str__(self) -> str:
        return self.file_name

    @property
    def display_message(self) -> str:
        return texts.render(self.message_text or self.message)


class LabUploadStatus(models.TextChoices):
    ACCEPTED = "accepted", pgettext_lazy("lab results upload", "Stored")
    REFUSED = "refused", pgettext_lazy("lab results upload", "Refused")


class LabUpload(models.Model):
    """A file of self-monitoring lab results an enterprise uploaded, kept as received with its outcome: every
    row went in, or none did and `errors` says why."""

    enterprise = models.ForeignKey(Enterprise, verbose_name=_("enterprise"), on_delete=models.PROTECT,
                                   related_name="lab_uploads")
    file_name = models.CharField(_("file name"), max_length=255)
    content = models.BinaryField(_("file content"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True,
                                    blank=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded"))
    status = models.CharField(_("status"), max_length=8, choices=LabUploadStatus.choices)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    # [{"line": 3, "column": "value", "reason": "...", "params": {...}}], as MeasurementImport.errors
    errors = models.JSONField(_("errors"), default=list, blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        verbose_name = _("lab results upload")
        verbose_name_plural = _("lab results uploads")

    def __str__(self) -> str:
        return self.file_name


class LabResult(models.Model):
    """One self-monitoring lab result as the report states it; its value is also a measurement of source
    "manual" at the point, for the hour of sampling."""

    upload = models.ForeignKey(LabUpload, verbose_name=_("upload"), on_delete=models.CASCADE,
                               related_name="results")
    point = models.ForeignKey(Point, verbose_name=_("monitoring point"), on_delete=models.PROTECT,
                              related_name="lab_results")
    factor = models.ForeignKey(Factor, verbose_name=_("factor"), on_delete=models.PROTECT, related_name="+")
    sampled_at = models.DateTimeField(_("sampled"))
    value = models.FloatField(_("value"))
    unit = models.CharField(_("unit"), max_length=20)
    lab = models.CharField(_("laboratory"), max_length=100)
    report_number = models.CharField(_("report number"), max_length=60)

    class Meta:
        ordering = ["-sampled_at", "id"]
        indexes = [models.Index(fields=["point", "sampled_at"], name="labresult_point_time_idx")]
        verbose_name = _("lab result")
        verbose_name_plural = _("lab results")

    def __str__(self) -> str:
        return f"{self.report_number} {self.factor_id} {self.value}"


# --- What the receiver and the worker add (issue 4) ----------------------------------------------------


def _device_key_cipher():
    # SM4 device keys are secrets: sealed with AES-GCM under a key derived from SECRET_KEY, so a copy of
    # the database alone does not give them away (HJ 212-2025 §6.4: keys are never stored in plain text).
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    return AESGCM(hashlib.sha256(b"lanqing device sm4 key:" + settings.SECRET_KEY.encode()).digest())


class DeviceKey(models.Model):
    """An HJ 212-2025 SM4 key of a device; the newest unretired one is current."""

    device = models.ForeignKey(Device, verbose_name=_("device"), on_delete=models.CASCADE,
                               related_name="keys")
    sealed = models.BinaryField(_("sealed key"), editable=False)
    created_at = models.DateTimeField(_("created"))
    retired_at = models.DateTimeField(_("retired"), null=True, blank=True)

    objects = AuditedQuerySet.as_manager()  # its conditional updates reach the audit trail too

    class Meta:
        ordering = ["device", "-created_at"]
        verbose_name = _("device key")
        verbose_name_plural = _("device keys")

    def __str__(self) -> str:
        return f"{self.device_id} {self.created_at:%Y-%m-%d}"

    def seal(self, raw: bytes) -> None:
        if len(raw) != 16:
            raise ValueError("an SM4 key has 16 bytes")
        nonce = secrets.token_bytes(12)
        self.sealed = nonce + _device_key_cipher().encrypt(nonce, raw, str(self.device_id).encode())

    def open(self) -> bytes:
        sealed = bytes(self.sealed)
        return _device_key_cipher().decrypt(sealed[:12], sealed[12:], str(self.device_id).encode())


class DeviceClock(models.Model):
    """The last time check of a device (HJ 212 §6.7: calibrate on first connection and daily)."""

    device = models.OneToOneField(Device, verbose_name=_("device"), on_delete=models.CASCADE,
                                  related_name="clock")
    checked_at = models.DateTimeField(_("checked"))
    # Device clock minus platform clock, seconds, as found before any correction.
    offset_seconds = models.FloatField(_("clock offset, s"))
    corrected = models.BooleanField(_("corrected"), default=False)

    class Meta:
        verbose_name = _("device clock")
        verbose_name_plural = _("device clocks")

    def __str__(self) -> str:
        return f"{self.device_id} {self.offset_seconds:+.0f} s"


class Aggregate(models.Model):
    """An hourly or daily value we computed (HJ 212-2017 Annex D), kept apart from device-sent values."""

    point = models.ForeignKey(Point, verbose_name=_("monitoring point"), on_delete=models.CASCADE,
                              related_name="aggregates")
    factor = models.ForeignKey(Factor, verbose_name=_("factor"), on_delete=models.PROTECT, related_name="+")
    period = models.CharField(_("period"), max_length=4, choices=Period.choices)
    time = models.DateTimeField(_("time"))
    value = models.FloatField(_("value"), null=True)
    flag = models.CharField(_("flag"), max_length=2)
    valid_count = models.PositiveIntegerField(_("valid values"))
    total_count = models.PositiveIntegerField(_("values"))
    # Wastewater concentrations are averaged weighted by the flow at each value when the flow is known
    # (Annex D: C = G / D); otherwise, and for everything else, arithmetically.
    flow_weighted = models.BooleanField(_("flow-weighted"), default=False)
    computed_at = models.DateTimeField(_("computed"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["point", "factor", "period", "time"],
                                               name="aggregate_unique_key")]
        verbose_name = _("computed aggregate")
        verbose_name_plural = _("computed aggregates")

    def __str__(self) -> str:
        return f"{self.point_id}/{self.factor_id}/{self.period}/{self.time:%Y-%m-%d %H:%M} = {self.value}"


class Span(models.TextChoices):
    DAY = "day", _("Day")
    MONTH = "month", _("Month")


class TransmissionStat(models.Model):
    """Expected vs received hourly values and valid vs received, per device, factor and day or month."""

    device = models.ForeignKey(Device, verbose_name=_("device"), on_delete=models.CASCADE, related_name="+")
    factor = models.ForeignKey(Factor, verbose_name=_("factor"), on_delete=models.PROTECT, related_name="+")
    span = models.CharField(_("span"), max_length=5, choices=Span.choices)
    start = models.DateField(_("start"))  # Beijing date of the day or the month's first day
    expected = models.PositiveIntegerField(_("expected"))
    received = models.PositiveIntegerField(_("received"))
    valid = models.PositiveIntegerField(_("valid"))
    computed_at = models.DateTimeField(_("computed"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["device", "factor", "span", "start"],
                                               name="transmission_unique_key")]
        verbose_name = _("transmission statistic")
        verbose_name_plural = _("transmission statistics")

    def __str__(self) -> str:
        return f"{self.device_id}/{self.factor_id}/{self.span}/{self.start}"

    @property
    def transmission_rate(self) -> float | None:
        return self.received / self.expected if self.expected else None

    @property
    def validity_rate(self) -> float | None:
        return self.valid / self.received if self.received else None

    @property
    def transmission_validity_rate(self) -> float | None:
        # The national figure: transmission rate × validity rate = valid / expected.
        return self.valid / self.expected if self.expected else None


class FacilityRun(models.Model):
    """Treatment-facility state (2021, SBxxx-RS) or daily run hours (2041, SBxxx-RT) a device reported."""

    device = models.ForeignKey(Device, verbose_name=_("device"), on_delete=models.CASCADE, related_name="+")
    facility = models.CharField(_("facility"), max_length=20)
    cn = models.CharField(_("command"), max_length=4)
    time = models.DateTimeField(_("time"))
    state = models.PositiveSmallIntegerField(_("state"), null=True)
    run_hours = models.FloatField(_("run hours"), null=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["device", "facility", "cn", "time"],
                                               name="facility_run_unique_key")]
        verbose_name = _("facility run status")
        verbose_name_plural = _("facility run status")

    def __str__(self) -> str:
        return f"{self.device_id} {self.facility} {self.time:%Y-%m-%d %H:%M}"


class DeviceInfo(models.Model):
    """Site information (3020 i-codes: instrument states, parameters, logs) as a device reported it."""

    device = models.ForeignKey(Device, verbose_name=_("device"), on_delete=models.CASCADE, related_name="+")
    pol_id = models.CharField(_("instrument"), max_length=16, blank=True)
    code = models.CharField(_("information code"), max_length=16)
    time = models.DateTimeField(_("time"))
    value = models.TextField(_("value"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["device", "pol_id", "code", "time"],
                                               name="device_info_unique_key")]
        verbose_name = _("site information")
        verbose_name_plural = _("site information")

    def __str__(self) -> str:
        return f"{self.device_id} {self.pol_id}/{self.code}"


# --- Data marks of enterprises (issue 16 item 8) ---------------------------------------------------------------


class MarkKind(models.TextChoices):
    PRODUCTION_STOPPED = "production_stopped", _("Production stopped")  # 停产
    FACILITY_STOPPED = "facility_stopped", _("Facility stopped")  # 停运
    MAINTENANCE = "maintenance", _("Maintenance")  # 维护


class MarkState(models.TextChoices):
    AWAITING = "awaiting", _("Awaiting its document")
    DOCUMENTED = "documented", _("Documented")
    REVERTED = "reverted", _("Reverted: no document in time")
    REVOKED = "revoked", _("Revoked by the bureau")


def document_last_day(due: datetime) -> datetime:
    """The last day on which a mark's document is still in time, for people (the deadline is the next local
    midnight: lanqing.monitoring.marks.document_due)."""
    return timezone.localtime(due, zoneinfo.ZoneInfo(settings.TIME_ZONE)) - timedelta(days=1)


# Marks whose hours are set aside from exceedance judgement: awaiting their document (until the deadline) or
# documented.
VALID_MARK_STATES = (MarkState.AWAITING, MarkState.DOCUMENTED)


class DataMark(models.Model):
    """An enterprise's report that an outlet (or one device of it) is stopped or under maintenance for a period
    (标记, supervision.md §3.2): values under a valid mark are no basis for an exceedance. The document that
    supports it is due by a deadline (lanqing.monitoring.marks); without it the mark reverts."""

    site = models.ForeignKey(Site, verbose_name=_("outlet"), on_delete=models.PROTECT, related_name="marks")
    # Empty: the whole outlet; otherwise only the monitoring point of this device.
    device = models.ForeignKey(Device, verbose_name=_("device"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+")
    kind = models.CharField(_("kind"), max_length=20, choices=MarkKind.choices)
    reason = models.CharField(_("reason"), max_length=500)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    state = models.CharField(_("state"), max_length=12, choices=MarkState.choices, default=MarkState.AWAITING)
    document_due = models.DateTimeField(_("document due"))
    document = models.FileField(_("supporting document"), upload_to="marks/%Y/%m/", blank=True)
    document_name = models.CharField(_("document file name"), max_length=200, blank=True)
    document_type = models.CharField(_("document content type"), max_length=50, blank=True)
    documented_at = models.DateTimeField(_("documented"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("marked by"), null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("marked"))
    is_demo = models.BooleanField(_("demo data"), default=False)

    objects = AuditedQuerySet.as_manager()  # the reverting task's conditional updates reach the audit trail too

    class Meta:
        ordering = ["-starts_at", "-id"]
        indexes = [models.Index(fields=["site", "starts_at"], name="datamark_site_start_idx")]
        verbose_name = _("data mark")
        verbose_name_plural = _("data marks")

    def __str__(self) -> str:
        return f"{self.site.name} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def is_valid(self) -> bool:
        return self.state in VALID_MARK_STATES

    @property
    def document_last_day(self) -> datetime:
        return document_last_day(self.document_due)


class MarkEventKind(models.TextChoices):
    CREATED = "created", _("Marked")
    DOCUMENTED = "documented", _("Document uploaded")
    REPLACED = "replaced", _("Document replaced")
    REVERTED = "reverted", _("Reverted")
    REVOKED = "revoked", _("Revoked")


class DataMarkEvent(models.Model):
    """One step in a mark's history; the text is a stored text (lanqing.texts) or what a person typed."""

    mark = models.ForeignKey(DataMark, verbose_name=_("data mark"), on_delete=models.CASCADE,
                             related_name="events")
    kind = models.CharField(_("kind"), max_length=12, choices=MarkEventKind.choices)
    at = models.DateTimeField(_("time"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True,
                           on_delete=models.SET_NULL, related_name="+")
    text = models.CharField(_("text"), max_length=500, blank=True)
    text_text = models.JSONField(_("text (stored text)"), null=True, blank=True, editable=False)
    # A replaced document stays on disk for the audit: this step keeps the file the mark no longer points to.
    document = models.FileField(_("replaced document"), upload_to="marks/%Y/%m/", blank=True)
    document_name = models.CharField(_("replaced document's file name"), max_length=200, blank=True)
    document_type = models.CharField(_("replaced document's content type"), max_length=50, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("data mark step")
        verbose_name_plural = _("data mark steps")

    def __str__(self) -> str:
        return f"{self.mark_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"

    @property
    def display_text(self) -> str:
        return texts.render(self.text_text or self.text)
class SiteDay(models.Model):
    """A site's daily figures computed from its stored values (monitoring/daily.py): for an air station its
    HJ 663 daily indicators under each version, for a water section its day's mean sample.

    Kept only for local days that were over when computed. ``figures`` is null while the day is stale: a value
    of that day was stored after the figures were computed (late data), so they are computed again; each
    such write raises ``version``, so a computation that read the older values cannot overwrite the mark."""

    site = models.ForeignKey(Site, verbose_name=_("site"), on_delete=models.CASCADE, related_name="+")
    day = models.DateField(_("day"))  # local (Beijing) date
    figures = models.JSONField(_("figures"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["site", "day"], name="site_day_unique_key")]
        verbose_name = _("daily figures of a site")
        verbose_name_plural = _("daily figures of sites")

    def __str__(self) -> str:
        return f"{self.site_id}/{self.day}"


class AreaFigures(models.Model):
    """Figures of a set of sites over a period computed from their kept days (monitoring/daily.py
    ``area_read``): e.g. an area's HJ 663 year-to-date statistics, or the air analysis page's figures.

    ``key`` names what was computed, for which sites, over which days and as of which day. ``figures`` is null
    while stale: a value of one of its sites on one of its days was stored after they were computed (late
    data); each such write raises ``version``, so a computation that read older values cannot store them."""

    key = models.CharField(_("key"), max_length=300, unique=True)
    what = models.CharField(_("what"), max_length=40)
    kind = models.CharField(_("kind"), max_length=16, choices=SiteKind.choices)
    sites = models.TextField(_("sites"))  # ",3,5,8,": the ids of its sites, so a writer finds the rows it stales
    first_day = models.DateField(_("first day"))
    last_day = models.DateField(_("last day"))
    made_on = models.DateField(_("as of"))  # local day the figures are for (the day before is the last read)
    figures = models.JSONField(_("figures"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=0)

    class Meta:
        indexes = [models.Index(fields=["kind", "last_day"], name="area_figures_kind_last_day")]
        verbose_name = _("figures of an area")
        verbose_name_plural = _("figures of areas")

    def __str__(self) -> str:
        return self.key
