from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from lanqing.org.credit_code import credit_code_problem


class Level(models.TextChoices):
    PROVINCE = "province", _("Province")
    CITY = "city", _("City")
    COUNTY = "county", _("County")
    TOWNSHIP = "township", _("Township")
    VILLAGE = "village", _("Village or community")


# Length of the code prefix shared by a division and everything under it (GB/T 2260 + NBS 12-digit codes).
PREFIX_LENGTH = {Level.PROVINCE: 2, Level.CITY: 4, Level.COUNTY: 6, Level.TOWNSHIP: 9, Level.VILLAGE: 12}
PARENT_LEVEL = {Level.CITY: Level.PROVINCE, Level.COUNTY: Level.CITY, Level.TOWNSHIP: Level.COUNTY,
                Level.VILLAGE: Level.TOWNSHIP}


class Jurisdiction(models.Model):
    """An administrative division; the tree is read through code prefixes, so any level can be the top."""

    code = models.CharField(_("division code"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey("self", verbose_name=_("parent"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="children")
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        ordering = ["code"]
        verbose_name = _("jurisdiction")
        verbose_name_plural = _("jurisdictions")

    def __str__(self) -> str:
        return self.name

    @property
    def prefix(self) -> str:
        return self.code[: PREFIX_LENGTH[Level(self.level)]]

    def contains(self, other: Jurisdiction) -> bool:
        return other.code.startswith(self.prefix)

    def clean(self) -> None:
        if not (len(self.code) == 12 and self.code.isdigit()):
            raise ValidationError({"code": gettext("A division code has exactly 12 digits.")})
        parent = self.parent if self.parent_id else None
        if parent is not None:
            if parent.level != PARENT_LEVEL.get(Level(self.level)):
                raise ValidationError({"parent": gettext("The parent is not one level above.")})
            if not parent.contains(self):
                raise ValidationError({"code": gettext("The code does not lie under the parent's code.")})


class UnitKind(models.TextChoices):
    BUREAU = "bureau", _("Ecology and environment bureau")
    DEPARTMENT = "department", _("Department")
    LEADERSHIP = "leadership", _("County Party committee and government")


class Unit(models.Model):
    """A government body (部门); the environment bureau is one kind."""

    name = models.CharField(_("name"), max_length=100)
    short_name = models.CharField(_("short name"), max_length=30, blank=True)
    kind = models.CharField(_("kind"), max_length=12, choices=UnitKind.choices, default=UnitKind.DEPARTMENT)
    jurisdiction = models.ForeignKey(Jurisdiction, verbose_name=_("jurisdiction"), on_delete=models.PROTECT,
                                     related_name="units")
    leader_name = models.CharField(_("leader"), max_length=50, blank=True)
    # The leader's own account receives escalations addressed to the unit's leader (一岗双责).
    leader = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("leader's account"), null=True,
                               blank=True, on_delete=models.SET_NULL, related_name="+")
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        ordering = ["jurisdiction__code", "kind", "name"]
        constraints = [models.UniqueConstraint(fields=["jurisdiction", "name"], name="unit_unique_name")]
        verbose_name = _("unit")
        verbose_name_plural = _("units")

    def __str__(self) -> str:
        return self.name


class Industry(models.Model):
    """A class of GB/T 4754-2017 (4 digits); the bureau adds the classes its enterprises need."""

    code = models.CharField(_("GB/T 4754 code"), max_length=4, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=150, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("industry")
        verbose_name_plural = _("industries")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def clean(self) -> None:
        if not (len(self.code) == 4 and self.code.isdigit()):
            raise ValidationError({"code": gettext("A GB/T 4754 class code has exactly 4 digits.")})


class EnterpriseStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    CLOSED = "closed", _("Closed")


class Enterprise(models.Model):
    credit_code = models.CharField(_("unified social credit code"), max_length=18, unique=True,
                                   error_messages={"unique": _("An enterprise with this credit code exists.")})
    name = models.CharField(_("name"), max_length=200)
    industry = models.ForeignKey(Industry, verbose_name=_("industry"), on_delete=models.PROTECT)
    township = models.ForeignKey(Jurisdiction, verbose_name=_("township"), on_delete=models.PROTECT,
                                 related_name="+", limit_choices_to={"level": Level.TOWNSHIP})
    village = models.ForeignKey(Jurisdiction, verbose_name=_("village or community"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+",
                                limit_choices_to={"level": Level.VILLAGE})
    address = models.CharField(_("address"), max_length=200, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=EnterpriseStatus.choices,
                              default=EnterpriseStatus.ACTIVE)
    is_demo = models.BooleanField(_("demo data"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["township__code", "name"]
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = {}
        self.credit_code = (self.credit_code or "").strip().upper()
        problem = credit_code_problem(self.credit_code)
        if problem:
            errors["credit_code"] = gettext("Credit code %(code)s: %(problem)s.") % {
                "code": self.credit_code, "problem": gettext(problem)}
        if self.township_id and self.township.level != Level.TOWNSHIP:
            errors["township"] = gettext("Choose a township, not another level.")
        village = self.village if self.village_id else None
        if village is not None and self.township_id:
            if village.level != Level.VILLAGE or village.parent_id != self.township_id:
                errors["village"] = gettext("The village does not belong to the chosen township.")
        for field, low, high in (("longitude", -180, 180), ("latitude", -90, 90)):
            value = getattr(self, field)
            if value is not None and not low <= value <= high:
                errors[field] = gettext("Out of range.")
        if errors:
            raise ValidationError(errors)


# The pollutants a permit's 许可排放量 table caps, by the standards engine's name (standards.factor_codes), with
# their names as people read them: the total-control pollutants of gas (颗粒物, SO2, NOx) and water outlets (COD,
# 氨氮, 总氮, 总磷).
PERMIT_POLLUTANTS = {
    "PM": _("Particulate matter (PM)"),
    "SO2": _("Sulphur dioxide (SO₂)"),
    "NOx": _("Nitrogen oxides (NOx)"),
    "COD": _("Chemical oxygen demand (COD)"),
    "NH3-N": _("Ammonia nitrogen (NH₃-N)"),
    "TN": _("Total nitrogen (TN)"),
    "TP": _("Total phosphorus (TP)"),
}


class DischargePermit(models.Model):
    """An enterprise's pollutant discharge permit (排污许可证) as the issuing authority granted it."""

    enterprise = models.ForeignKey(Enterprise, verbose_name=_("enterprise"), on_delete=models.CASCADE,
                                   related_name="permits")
    number = models.CharField(_("permit number"), max_length=40, unique=True)
    issued_by = models.CharField(_("issuing authority"), max_length=100)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"))
    # Permitted annual emission per pollutant, tonnes a year, keyed by the standards engine's pollutant name
    # ("SO2", "NOx", "PM", "COD", "NH3-N"): what the permit's 许可排放量 table grants.
    annual_caps = models.JSONField(_("permitted annual emissions, t/a"), default=dict, blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        ordering = ["enterprise", "-valid_to"]
        verbose_name = _("discharge permit")
        verbose_name_plural = _("discharge permits")

    def __str__(self) -> str:
        return self.number

    def clean(self) -> None:
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": gettext("A permit cannot end before it begins.")})
        caps = self.annual_caps if isinstance(self.annual_caps, dict) else None
        if caps is None or not all(isinstance(v, (int, float)) and not isinstance(v, bool) and v >= 0
                                   for v in caps.values()):
            raise ValidationError({"annual_caps": gettext(
                "Give the permitted annual emissions as pollutant names and tonnes, e.g. {\"SO2\": 12.5}.")})
        unknown = sorted(set(caps) - set(PERMIT_POLLUTANTS))
        if unknown:
            raise ValidationError({"annual_caps": gettext(
                "A permit caps only %(known)s; not %(unknown)s.") % {
                    "known": ", ".join(PERMIT_POLLUTANTS), "unknown": ", ".join(map(str, unknown))}})

    def is_valid_on(self, day) -> bool:
        return self.valid_from <= day <= self.valid_to


class Role(models.TextChoices):
    LEADERSHIP = "leadership", _("County leadership")
    BUREAU = "bureau", _("Environment bureau")
    UNIT = "unit", pgettext_lazy("role", "Department")
    TOWNSHIP = "township", pgettext_lazy("role", "Township")
    GRID_OFFICER = "grid_officer", _("Grid officer")
    ENTERPRISE = "enterprise", pgettext_lazy("role", "Enterprise")


# Which scope object each role carries.
ROLE_SCOPE_FIELD = {
    Role.LEADERSHIP: "jurisdiction",
    Role.BUREAU: "unit",
    Role.UNIT: "unit",
    Role.TOWNSHIP: "jurisdiction",
    Role.GRID_OFFICER: "jurisdiction",
    Role.ENTERPRISE: "enterprise",
}


class Membership(models.Model):
    """A user's one role and the object that bounds what the user may see."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
                                related_name="membership")
    role = models.CharField(_("role"), max_length=15, choices=Role.choices)
    jurisdiction = models.ForeignKey(Jurisdiction, verbose_name=_("jurisdiction"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="members")
    enterprise = models.ForeignKey(Enterprise, verbose_name=_("enterprise"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="members")
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"

    def clean(self) -> None:
        needed = ROLE_SCOPE_FIELD.get(Role(self.role)) if self.role else None
        for field in ("jurisdiction", "unit", "enterprise"):
            has_value = getattr(self, f"{field}_id") is not None
            if field == needed and not has_value:
                raise ValidationError({field: gettext("This role needs this field.")})
            if field != needed and has_value:
                raise ValidationError({field: gettext("This role does not use this field; leave it empty.")})
        unit = self.unit if self.unit_id else None
        jurisdiction = self.jurisdiction if self.jurisdiction_id else None
        if self.role == Role.BUREAU and unit is not None and unit.kind != UnitKind.BUREAU:
            raise ValidationError({"unit": gettext("A bureau user must belong to a unit of the bureau kind.")})
        if self.role == Role.TOWNSHIP and jurisdiction is not None and jurisdiction.level != Level.TOWNSHIP:
            raise ValidationError({"jurisdiction": gettext("A township officer's scope must be a township.")})
        if self.role == Role.GRID_OFFICER and jurisdiction is not None and jurisdiction.level not in (
                Level.TOWNSHIP.value, Level.VILLAGE.value):
            raise ValidationError({"jurisdiction": gettext("A grid officer's scope must be a township or a village.")})
