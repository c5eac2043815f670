from django.contrib import admin

from lanqing.org.models import DischargePermit, Enterprise, Industry, Jurisdiction, Membership, Unit


@admin.register(Jurisdiction)
class JurisdictionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent", "is_demo"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    raw_id_fields = ["parent"]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "jurisdiction", "leader_name", "is_demo"]
    list_filter = ["kind"]
    search_fields = ["name", "short_name"]
    raw_id_fields = ["leader"]


@admin.register(Industry)
class IndustryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_en"]
    search_fields = ["code", "name"]


@admin.register(Enterprise)
class EnterpriseAdmin(admin.ModelAdmin):
    list_display = ["name", "credit_code", "industry", "township", "status", "is_demo"]
    list_filter = ["status", "industry", "township"]
    search_fields = ["name", "credit_code", "address"]
    raw_id_fields = ["village"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "jurisdiction", "unit", "enterprise"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__first_name"]
    raw_id_fields = ["user", "jurisdiction", "enterprise"]


@admin.register(DischargePermit)
class DischargePermitAdmin(admin.ModelAdmin):
    list_display = ["number", "enterprise", "issued_by", "valid_from", "valid_to", "is_demo"]
    search_fields = ["number", "enterprise__name"]
    raw_id_fields = ["enterprise"]
